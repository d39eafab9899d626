""" "Underlag till polisen": one report as a record the police can take away (issue 26, 3).

The report (as the guard made it, and the supervisor's correction if any), its photos, the
check-ins of the same shift within an hour either side, the guard's shift times, and the proof
path from the report's leaf to the night's signed root: with the salt and canonical JSON
printed, anyone can recompute the leaf hash, climb the path and compare the root with the
signature (tools/verify_evidence.py's rules). Nothing of any other guard, report or resident
is on it: only this shift's own check-ins, and no other record's content (the path holds
hashes only)."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import force_locale

from patrol.db import db, utcnow
from patrol.evidence.canonical import merkle_path
from patrol.evidence.models import EvidenceLeaf, NightSeal
from patrol.labels import CATEGORY_LABELS, LEVEL_LABELS, METHOD_LABELS
from patrol.nights import local_time
from patrol.pdf import NightPdf
from patrol.reports.models import Report
from patrol.reports.storage import read_photo
from patrol.review.models import ReportReview
from patrol.shifts.models import CheckIn, Shift

AROUND = timedelta(hours=1)
PHOTO_MM = 120


def proof_of(report_id: str):
    """(seal, leaf, path) of the latest signed version holding the report with its content,
    or None when no signed version has it."""
    leaf = db.session.scalar(
        sa.select(EvidenceLeaf)
        .where(EvidenceLeaf.kind == "report", EvidenceLeaf.record_id == report_id)
        .order_by(EvidenceLeaf.night, EvidenceLeaf.version.desc())
        .limit(1)
    )
    if leaf is None:
        return None
    seal = db.session.scalar(
        sa.select(NightSeal).where(NightSeal.night == leaf.night, NightSeal.version == leaf.version)
    )
    hashes = db.session.scalars(
        sa.select(EvidenceLeaf.leaf_hash)
        .where(EvidenceLeaf.night == leaf.night, EvidenceLeaf.version == leaf.version)
        .order_by(EvidenceLeaf.position)
    ).all()
    path = merkle_path([bytes.fromhex(h) for h in hashes], leaf.position)
    return seal, leaf, path


def police_record_pdf(report_id: uuid.UUID) -> bytes | None:
    report = db.session.get(Report, report_id)
    if report is None:
        return None
    shift = db.session.get(Shift, report.shift_id)
    review = db.session.get(ReportReview, report.id)
    checkins = db.session.scalars(
        sa.select(CheckIn)
        .where(
            CheckIn.shift_id == report.shift_id,
            CheckIn.occurred_at >= report.occurred_at - AROUND,
            CheckIn.occurred_at <= report.occurred_at + AROUND,
        )
        .order_by(CheckIn.occurred_at)
    ).all()
    proof = proof_of(str(report.id))
    with force_locale("sv"):
        pdf = NightPdf(f"Underlag till polisen – rapport {report.id}")
        pdf.alias_nb_pages()
        pdf.add_page()
        pdf.text_line("Underlag till polisen", 18, True, 9)
        pdf.text_line(f"Skapat {local_time(utcnow(), 'yyyy-MM-dd HH:mm')} (Stockholmstid)", 9)
        pdf.section("Rapporten")
        pdf.text_line(f"Rapport-id: {report.id}", 9)
        pdf.text_line(
            f"{CATEGORY_LABELS[report.category]} · {LEVEL_LABELS[report.level]} · "
            f"{local_time(report.occurred_at, 'yyyy-MM-dd HH:mm')}",
            11,
            True,
        )
        place = report.property.name
        if report.checkpoint is not None:
            place += f", {report.checkpoint.label}"
        pdf.text_line(f"Plats: {place}", 10)
        if report.lat is not None:
            pdf.text_line(f"Position: {report.lat:.6f}, {report.lon:.6f}", 9)
        pdf.text_line(
            f"Mottagen av servern {local_time(report.received_at, 'yyyy-MM-dd HH:mm:ss')}", 9
        )
        if report.description:
            pdf.text_line(report.description, 10)
        if review is not None and (review.category or review.level):
            pdf.text_line(
                "Korrigerad av arbetsledare till: "
                f"{CATEGORY_LABELS[review.category or report.category]} · "
                f"{LEVEL_LABELS[review.level or report.level]}",
                9,
            )
        pdf.section("Väktarens pass")
        pdf.text_line(f"Väktare: {report.reporter.display_name}", 10)
        pdf.text_line(f"Pass startat {local_time(shift.started_at, 'yyyy-MM-dd HH:mm')}", 10)
        ended = local_time(shift.ended_at, "yyyy-MM-dd HH:mm") if shift.ended_at else "pågår"
        pdf.text_line(f"Pass avslutat {ended}", 10)
        pdf.section("Incheckningar ± 1 timme")
        if not checkins:
            pdf.text_line("Inga incheckningar inom en timme.", 10)
        for checkin in checkins:
            pdf.text_line(
                f"{local_time(checkin.occurred_at, 'HH:mm:ss')} · {checkin.checkpoint.label} · "
                f"{METHOD_LABELS.get(checkin.method, checkin.method)}",
                10,
            )
        write_proof(pdf, proof)
        write_photos(pdf, report)
        return bytes(pdf.output())


def write_proof(pdf: NightPdf, proof) -> None:
    pdf.section("Bevisväg till nattens signerade rot")
    if proof is None:
        pdf.text_line("Natten är inte signerad ännu: markera natten granskad först.", 10)
        return
    seal, leaf, path = proof
    pdf.text_line(
        f"Natten {seal.night.isoformat()}, version {seal.version}, post {leaf.position} "
        f"av {seal.leaf_count}.",
        10,
    )
    if leaf.body is None:
        pdf.text_line("Postens innehåll är gallrat; bara dess hash finns kvar.", 9)
    else:
        pdf.text_line(f"Salt (hex): {leaf.salt}", 8)
        pdf.text_line("Kanonisk JSON (UTF-8, exakt så här):", 8)
        pdf.text_line(leaf.body, 7)
    pdf.text_line(f"Lövhash = SHA-256(salt || JSON): {leaf.leaf_hash}", 8)
    pdf.text_line(
        "Väg uppåt (L: syskon till vänster, R: till höger; nod = SHA-256(01 || v || h)):", 8
    )
    for side, sibling in path:
        pdf.text_line(f"{side} {sibling.hex()}", 8)
    pdf.text_line(f"Merkle-rot: {seal.merkle_root}", 8)
    pdf.text_line(f"Föregående versions rot: {seal.previous_root or '–'}", 8)
    pdf.text_line(f"Signerad rot: {seal.root}", 8, True)
    pdf.text_line(f"Nyckel-id: {seal.key_id} (Ed25519, publik nyckel {seal.public_key})", 8)
    pdf.text_line(f"Signatur: {seal.signature}", 8)


def write_photos(pdf: NightPdf, report: Report) -> None:
    photos = [(p, read_photo(p.storage_key)) for p in report.photos]
    if not photos:
        return
    pdf.section("Foton")
    for photo, data in photos:
        pdf.text_line(f"Foto {photo.id} · SHA-256 {photo.sha256}", 8)
        if data is None:
            pdf.text_line("Fotot är gallrat.", 9)
            continue
        height = PHOTO_MM * photo.height / photo.width if photo.width else PHOTO_MM
        if pdf.will_page_break(height + 4):
            pdf.add_page()
        pdf.image(io.BytesIO(data), w=PHOTO_MM)
        pdf.ln(2)
