"""The PDF "Nattrapport" for one night (fpdf2, pure Python), the record that is kept: a
summary, SOS alerts with their whole lifecycle, each shift (start, end, end-of-shift note) with
every check-in and report in time order, the extra rounds with the guards' answers, the work
orders made from the night, and the reports with their photo thumbnails, acute first.

It is printed and filed, so it reads in black and white: nothing is told by colour alone;
acute reports and open SOS alerts say so in words and carry a black bar in the margin.

Swedish text needs a Unicode font. We register DejaVu Sans when the system has it (Debian:
fonts-dejavu-core, installed by scripts/test.sh) or when PATROL_PDF_FONT names a TTF file.
Without one we fall back to the PDF core font Helvetica, whose Latin-1 encoding still covers
å, ä, ö and é; other characters are transliterated (accents dropped) or shown as "?", never
silently lost to an exception.
"""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date

from flask_babel import force_locale

from patrol.db import utcnow
from patrol.labels import (
    CATEGORY_LABELS,
    FLAG_SHORT,
    LEVEL_LABELS,
    METHOD_LABELS,
    PRIORITY_LABELS,
    STATUS_LABELS,
    WORK_ORDER_STATUS_LABELS,
)
from patrol.nights import local_time
from patrol.pdf import NightPdf
from patrol.reports.actions import complete_thumbnail
from patrol.reports.storage import read_photo
from patrol.review.places import place_of
from patrol.review.record import NightRecord, load_night_record
from patrol.rounds.exports import write_pdf_section as write_rounds_section
from patrol.rounds.labels import SKIP_REASONS

THUMB_MM = 38


def place_text(place, distance_word: str = "från") -> str:
    """A position in words for paper: coordinates, accuracy and distance from the checkpoint."""
    text = f"Position {place.coordinates}"
    if place.accuracy_m is not None:
        text += f" (± {round(place.accuracy_m)} m)"
    if place.distance_m is not None:
        what = "kontrollpunkten" if place.reference == "checkpoint" else "fastigheten"
        text += f", {round(place.distance_m)} m {distance_word} {what} {place.reference_name}"
    return text + " – karta"


def night_report_pdf(
    night: date,
    reviewed_by=None,
    reviewed_at=None,
    version: int = 1,
    first_page=None,
    seal_lines: list[str] | None = None,
) -> bytes:
    """The night's PDF. With `reviewed_by`/`reviewed_at` it is the kept record of "Natten
    granskad" (version `version`) and says who marked the night reviewed and when.
    `first_page(pdf)`, when given, writes a page before the record (version N+1's list of
    what changed since version N: patrol/review/changes_pdf.py). `seal_lines` (the signed
    root and key id of this version, review.hooks) are printed on the first page."""
    record = load_night_record(night)
    with force_locale("sv"):
        pdf = NightPdf(f"Nattrapport {night.isoformat()}")
        pdf.alias_nb_pages()
        pdf.add_page()
        for line in seal_lines or ():
            pdf.text_line(line, 8)
        if first_page is not None:
            first_page(pdf)
            pdf.add_page()
        pdf.text_line(f"Nattrapport – natten som började {night.isoformat()}", 18, True, 9)
        pdf.text_line(f"Skapad {local_time(utcnow(), 'yyyy-MM-dd HH:mm')} (Stockholmstid)", 9)
        if reviewed_by is not None:
            pdf.text_line(
                f"Natten granskad av {reviewed_by.display_name} "
                f"{local_time(reviewed_at, 'yyyy-MM-dd HH:mm')}. "
                f"Detta är den sparade versionen {version}.",
                10,
                True,
            )
        else:
            pdf.text_line("Natten är inte markerad som granskad: utskrift av läget just nu.", 9)
        write_summary(pdf, record)
        write_rounds_section(pdf, night)  # planned rounds' compliance (patrol/rounds)
        write_sos(pdf, record)
        write_shifts(pdf, record)
        write_dispatches(pdf, record)
        write_work_orders(pdf, record)
        pdf.add_page()
        pdf.section("Rapporter (akuta först)")
        if not record.rows:
            pdf.text_line("Inga rapporter.", 10)
        for row in record.rows:
            write_report(pdf, row)
        return bytes(pdf.output())


def write_summary(pdf: NightPdf, record: NightRecord) -> None:
    rows, checkins = record.rows, record.checkins
    levels = defaultdict(int)
    for row in rows:
        levels[row.level] += 1
    missing = sum(len(r.report.missing_photo_ids) for r in rows)
    pdf.section("Sammanfattning")
    pdf.text_line(
        f"Pass: {len(record.shifts)}   Incheckningar: {len(checkins)}   Rapporter: {len(rows)}"
    )
    pdf.text_line("   ".join(f"{LEVEL_LABELS[level]}: {levels[level]}" for level in LEVEL_LABELS))
    unreviewed = sum(1 for r in rows if r.report.review_status == "new")
    pdf.text_line(f"Ej granskade rapporter: {unreviewed}   Foton som inte kommit fram: {missing}")
    flagged = sum(1 for c in checkins if c.flags)
    pdf.text_line(f"Incheckningar med flaggor: {flagged}")
    open_sos = sum(1 for a in record.sos if a.is_open)
    pdf.text_line(
        f"SOS-larm: {len(record.sos)} (ej kvitterade: {open_sos})   "
        f"Extra rundor: {len(record.dispatches)}   Arbetsordrar: {len(record.work_orders)}"
    )


def write_sos(pdf: NightPdf, record: NightRecord) -> None:
    pdf.section("SOS-larm")
    if not record.sos:
        pdf.text_line("Inga SOS-larm.", 10)
    for alert in record.sos:

        def draw(alert=alert):
            state = (
                f"kvitterat {local_time(alert.acknowledged_at, 'HH:mm:ss')} av "
                f"{alert.acknowledged_by.display_name if alert.acknowledged_by else '?'}"
                if alert.acknowledged_at
                else "EJ KVITTERAT"
            )
            what = {"timer": "Jag är OK-timer", "silence": "Tystnadslarm"}.get(alert.kind, "SOS")
            pdf.text_line(f"{what} från {alert.guard.display_name} – {state}", 11, True)
            pdf.text_line(
                f"Tryckt {local_time(alert.occurred_at, 'yyyy-MM-dd HH:mm:ss')} (telefonens tid) · "
                f"mottaget {local_time(alert.received_at, 'HH:mm:ss')} · "
                f"kvitterat {local_time(alert.acknowledged_at, 'HH:mm:ss')}",
                9,
            )
            place = place_of(alert)
            if place:
                pdf.link_line(place_text(place), place.url)
            else:
                pdf.text_line("Ingen position.", 9)
            if alert.note:
                pdf.text_line(f"Anteckning: {alert.note}", 9)
            steps = [
                (alert.answered_at, "väktaren svarade"),
                (alert.ended_at, "hörd igen"),
                (alert.escalated_at, "eskalerat till arbetsledarna (push och mejl)"),
                (alert.receiver_at, "larmmottagaren"),
            ]
            for moment, words in steps:
                if moment is not None:
                    pdf.text_line(f"{local_time(moment, 'HH:mm:ss')} {words}", 9)
            pdf.ln(1)

        if alert.is_open:
            pdf.marked(draw)
        else:
            draw()


def write_shifts(pdf: NightPdf, record: NightRecord) -> None:
    pdf.section("Pass")
    if not record.shifts:
        pdf.text_line("Inga pass.", 10)
    for shift in record.shifts:
        if pdf.will_page_break(25):
            pdf.add_page()
        pdf.heading(f"Pass: {shift.guard.display_name}", 12)
        ended = local_time(shift.ended_at, "yyyy-MM-dd HH:mm") if shift.ended_at else "ej avslutat"
        pdf.text_line(f"Start {local_time(shift.started_at, 'yyyy-MM-dd HH:mm')} · Slut {ended}", 9)
        if shift.flags:
            pdf.text_line(
                "Flaggor: " + ", ".join(str(FLAG_SHORT.get(f, f)) for f in shift.flags), 9
            )
        pdf.text_line(f"Anteckning vid passets slut: {shift.note or '(ingen)'}", 9)
        entries = record.timeline(shift)
        if not entries:
            pdf.text_line("Inget registrerat under passet.", 9)
        for kind, at, item in entries:
            time = local_time(at, "HH:mm")
            if kind == "checkin":
                write_checkin_line(pdf, time, item)
            elif kind == "skip":
                write_skip_line(pdf, time, item)
            else:
                acute = item.level == "acute"
                text = (
                    f"{time}  {'AKUT ' if acute else ''}Rapport: {CATEGORY_LABELS[item.category]}, "
                    f"{LEVEL_LABELS[item.level]} – {item.report.property.name}"
                )
                pdf.text_line(text, 9, bold=acute, height=4.5)


def write_checkin_line(pdf: NightPdf, time: str, checkin) -> None:
    flags = ", ".join(str(FLAG_SHORT.get(f, f)) for f in checkin.flags)
    distance = (
        f", {round(checkin.distance_m)} m från punkten" if checkin.distance_m is not None else ""
    )
    text = (
        f"{time}  Incheckning: {checkin.checkpoint.property.name}, {checkin.checkpoint.label} "
        f"({METHOD_LABELS[checkin.method]}{distance})" + (f" – FLAGGOR: {flags}" if flags else "")
    )
    pdf.text_line(text, 9, height=4.5)


def write_skip_line(pdf: NightPdf, time: str, skip) -> None:
    """A skipped checkpoint of a round, like a check-in: where, which round, and why."""
    reason = str(SKIP_REASONS.get(skip.reason_code, skip.reason_code))
    if skip.reason_text:
        reason += f": {skip.reason_text}"
    flags = ", ".join(str(FLAG_SHORT.get(f, f)) for f in skip.flags or ())
    text = (
        f"{time}  Överhoppad kontrollpunkt: {skip.checkpoint.property.name}, "
        f"{skip.checkpoint.label} (runda {skip.route.name}) – skäl: {reason}"
        + (f" – FLAGGOR: {flags}" if flags else "")
    )
    pdf.text_line(text, 9, height=4.5)


def write_dispatches(pdf: NightPdf, record: NightRecord) -> None:
    pdf.section("Extra rundor")
    if not record.dispatches:
        pdf.text_line("Inga extra rundor.", 10)
    answers_word = {"acknowledged": "kvitterad", "completed": "utförd"}
    for dispatch in record.dispatches:
        if pdf.will_page_break(20):
            pdf.add_page()
        pdf.text_line(
            f"{local_time(dispatch.created_at)}  {dispatch.property.name}, {dispatch.property.address}"
            f" – skickad av {dispatch.created_by.display_name}",
            10,
            True,
        )
        if dispatch.message:
            pdf.text_line(f"Meddelande: {dispatch.message}", 9)
        answers = defaultdict(list)
        for response in dispatch.responses:
            answers[response.guard_id].append(response)
        for guard_id in dispatch.guard_ids:
            name = record.guard_names.get(guard_id, "?")
            given = answers.get(guard_id)
            if not given:
                pdf.text_line(f"   {name}: inget svar", 9)
            for response in given or ():
                note = f" – {response.note}" if response.note else ""
                pdf.text_line(
                    f"   {name}: {answers_word[response.action]} "
                    f"{local_time(response.occurred_at)}{note}",
                    9,
                )


def write_work_orders(pdf: NightPdf, record: NightRecord) -> None:
    pdf.section("Arbetsordrar från natten")
    if not record.work_orders:
        pdf.text_line("Inga arbetsordrar.", 10)
    for order in record.work_orders:
        if pdf.will_page_break(18):
            pdf.add_page()
        place = order.place or (order.checkpoint.label if order.checkpoint else "")
        pdf.text_line(
            f"#{order.id} {order.what} ({PRIORITY_LABELS[order.priority]} prioritet, "
            f"{WORK_ORDER_STATUS_LABELS[order.status]})",
            10,
            True,
        )
        pdf.text_line(
            f"{order.property.name}, {order.property.address}"
            + (f" · {place}" if place else "")
            + f" · skapad {local_time(order.created_at, 'yyyy-MM-dd HH:mm')} av "
            f"{order.created_by.display_name}",
            9,
        )
        if order.done_at:
            pdf.text_line(
                f"Klar {local_time(order.done_at, 'yyyy-MM-dd HH:mm')} av "
                f"{order.done_by.display_name if order.done_by else '?'}: {order.done_note or ''}",
                9,
            )


def write_report(pdf: NightPdf, row) -> None:
    if pdf.will_page_break(40):
        pdf.add_page()
    if row.level == "acute":
        pdf.marked(lambda: write_report_text(pdf, row))
    else:
        write_report_text(pdf, row)
    write_thumbnails(pdf, row.report)


def write_report_text(pdf: NightPdf, row) -> None:
    report = row.report
    acute = row.level == "acute"
    pdf.heading(
        f"{'AKUT: ' if acute else ''}{CATEGORY_LABELS[row.category]} · {LEVEL_LABELS[row.level]}",
        11,
    )
    place = report.property.name + (f", {report.checkpoint.label}" if report.checkpoint else "")
    pdf.text_line(
        f"{local_time(report.occurred_at, 'yyyy-MM-dd HH:mm')} · {place} · "
        f"{report.reporter.display_name} · Status: {STATUS_LABELS[report.review_status]}",
        9,
    )
    position = place_of(report, report.checkpoint, report.property)
    if position:
        pdf.link_line(place_text(position), position.url)
    else:
        pdf.text_line("Ingen position.", 9)
    if row.corrected:
        pdf.text_line(
            f"Väktarens original: {CATEGORY_LABELS[report.category]} · "
            f"{LEVEL_LABELS[report.level]} (korrigerad av arbetsledare)",
            9,
        )
    if report.description:
        pdf.text_line(report.description, 10)
    if row.review and row.review.comment:
        pdf.text_line(f"Kommentar: {row.review.comment}", 9)
    if row.work_order:
        pdf.text_line(f"Arbetsorder #{row.work_order.id}: {row.work_order.what}", 9)
    if report.missing_photo_ids:
        pdf.text_line(f"Foton som inte kommit fram: {len(report.missing_photo_ids)}", 9)


def write_thumbnails(pdf: NightPdf, report) -> None:
    """The report's photos as thumbnails, in rows; a thumbnail still queued is made now."""
    thumbs = [(p, read_photo(complete_thumbnail(p))) for p in report.photos]
    thumbs = [(p, data) for p, data in thumbs if data is not None]
    if not thumbs:
        return
    per_row = int((pdf.w - pdf.l_margin - pdf.r_margin) // (THUMB_MM + 3))
    for start in range(0, len(thumbs), per_row):
        chunk = thumbs[start : start + per_row]
        heights = [THUMB_MM * p.height / p.width if p.width else THUMB_MM for p, _ in chunk]
        tallest = min(max(heights), THUMB_MM * 1.4)
        if pdf.will_page_break(tallest + 2):
            pdf.add_page()
        y = pdf.get_y() + 1
        for index, (_photo, data) in enumerate(chunk):
            x = pdf.l_margin + index * (THUMB_MM + 3)
            pdf.image(io.BytesIO(data), x=x, y=y, w=THUMB_MM, keep_aspect_ratio=True, h=tallest)
        pdf.set_y(y + tallest + 2)
