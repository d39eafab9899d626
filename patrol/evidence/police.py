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
from datetime import UTC, datetime, timedelta

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


def around(moment: datetime) -> tuple[datetime, datetime]:
    """An hour either side, kept inside the calendar (a phone's clock can say year 1)."""
    try:
        first = moment - AROUND
    except OverflowError:
        first = datetime.min.replace(tzinfo=UTC)
    try:
        last = moment + AROUND
    except OverflowError:
        last = datetime.max.replace(tzinfo=UTC)
    return first, last


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
    shift = db.session.get(Shift, report.shift_id) if report.shift_id else None
    review = db.session.get(ReportReview, report.id)
    first, last = around(report.occurred_at)
    checkins = db.session.scalars(
        sa.select(CheckIn)
        .where(
            CheckIn.shift_id == report.shift_id,
            CheckIn.occurred_at >= first,
            CheckIn.occurred_at <= last,
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
        if shift is None:  # a report made outside a shift (a safety walk's finding)
            pdf.text_line("Rapporten gjordes utanför ett pass.", 10)
        else:
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


def exact(pdf: NightPdf, text: str, size: float = 8) -> None:
    """Text someone may type or copy to recompute a hash: left-aligned, never justified (a
    justified line stretches its spaces and hides where they are)."""
    pdf.set_font(pdf.family, "", size)
    pdf.multi_cell(0, size * 0.5, pdf.clean(text), align="L", new_x="LMARGIN", new_y="NEXT")


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
        exact(pdf, f"Salt (hex): {leaf.salt}")
        pdf.text_line("Kanonisk JSON (UTF-8, exakt så här, utan radbrytningar):", 8)
        exact(pdf, leaf.body, 7)
    pdf.text_line(f"Lövhash = SHA-256(salt || JSON): {leaf.leaf_hash}", 8)
    pdf.text_line(
        "Väg uppåt (L: syskon till vänster, R: till höger; nod = SHA-256(01 || v || h)):", 8
    )
    for side, sibling in path:
        exact(pdf, f"{side} {sibling.hex()}")
    pdf.text_line(f"Merkle-rot: {seal.merkle_root}", 8)
    pdf.text_line(f"Föregående versions rot: {seal.previous_root or '–'}", 8)
    pdf.text_line(f"Signerad rot: {seal.root}", 8, True)
    exact(pdf, f"Nyckel-id: {seal.key_id} (Ed25519, publik nyckel {seal.public_key})")
    exact(pdf, f"Signatur: {seal.signature}")


def write_photos(pdf: NightPdf, report: Report) -> None:
    photos = [(p, read_photo(p.storage_key)) for p in report.photos]
    if not photos:
        return
    pdf.section("Foton")
    for photo, data in photos:
        height = PHOTO_MM * photo.height / photo.width if photo.width else PHOTO_MM
        if data is not None and pdf.will_page_break(height + 14):
            pdf.add_page()  # the caption stays with its photo
        exact(pdf, f"Foto {photo.id}")
        exact(pdf, f"SHA-256 {photo.sha256}")
        if data is None:
            pdf.text_line("Fotot är gallrat.", 9)
            continue
        pdf.image(io.BytesIO(data), w=PHOTO_MM)
        pdf.ln(3)
