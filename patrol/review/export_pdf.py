"""The PDF "Nattrapport" for one night (fpdf2, pure Python): a summary, each shift's timeline,
and the reports with their photo thumbnails, acute first.

Swedish text needs a Unicode font. We register DejaVu Sans when the system has it (Debian:
fonts-dejavu-core, installed by scripts/test.sh) or when PATROL_PDF_FONT names a TTF file.
Without one we fall back to the PDF core font Helvetica, whose Latin-1 encoding still covers
å, ä, ö and é; other characters are transliterated (accents dropped) or shown as "?", never
silently lost to an exception.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import force_locale, format_datetime
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from patrol.db import utcnow
from patrol.labels import (
    CATEGORY_LABELS,
    FLAG_SHORT,
    LEVEL_LABELS,
    METHOD_LABELS,
    STATUS_LABELS,
)
from patrol.reports.storage import photo_store
from patrol.review.queries import night_checkins, night_rows

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
)
THUMB_MM = 38
NEWLINE = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}


def find_font(configured: str | None = None) -> tuple[Path, Path | None] | None:
    """(regular, bold or None) of a Unicode TTF font, or None."""
    candidates = [configured] if configured else []
    candidates += FONT_CANDIDATES
    for candidate in candidates:
        path = Path(candidate)
        if path.is_file():
            bold = path.with_name(path.stem + "-Bold" + path.suffix)
            return path, bold if bold.is_file() else None
    return None


def latin1(text: str) -> str:
    """Text for a core font: Latin-1 kept, other letters without their accents, rest '?'."""
    out = []
    for char in text:
        try:
            char.encode("latin-1")
            out.append(char)
        except UnicodeEncodeError:
            plain = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode()
            out.append(plain or {"–": "-", "—": "-", "’": "'", "·": "-"}.get(char, "?"))
    return "".join(out)


class NightPdf(FPDF):
    def __init__(self, title: str):
        super().__init__(format="A4")
        self.title_text = title
        self.set_auto_page_break(True, margin=15)
        self.set_margins(15, 15, 15)
        font = find_font(current_app.config.get("PDF_FONT"))
        if font:
            regular, bold = font
            self.add_font("Body", "", str(regular))
            self.add_font("Body", "B", str(bold or regular))
            self.family = "Body"
            self.clean = str
        else:
            self.family = "Helvetica"
            self.clean = latin1
        self.set_title(self.clean(title))
        self.set_creator("Nattpatrull")

    def header(self):
        self.set_font(self.family, "", 8)
        self.set_text_color(90)
        self.cell(0, 5, self.clean(self.title_text), align="L")
        self.cell(0, 5, f"{self.page_no()}", align="R", **NEWLINE)
        self.set_text_color(0)
        self.ln(2)

    def text_line(self, text: str, size: float = 10, bold: bool = False, height: float = 5):
        self.set_font(self.family, "B" if bold else "", size)
        self.multi_cell(0, height, self.clean(text), **NEWLINE)

    def heading(self, text: str, size: float = 13):
        self.ln(2)
        self.text_line(text, size=size, bold=True, height=7)


def night_report_pdf(night: date) -> bytes:
    shifts, rows = night_rows(night)
    checkins = night_checkins(night)
    by_shift = defaultdict(list)
    for checkin in checkins:
        by_shift[checkin.shift_id].append(("checkin", checkin.occurred_at, checkin))
    for row in rows:
        by_shift[row.report.shift_id].append(("report", row.report.occurred_at, row))

    with force_locale("sv"):
        pdf = NightPdf(f"Nattrapport {night.isoformat()}")
        pdf.add_page()
        pdf.text_line(f"Nattrapport – natten som började {night.isoformat()}", 18, True, 9)
        pdf.text_line(f"Skapad {format_datetime(utcnow(), 'yyyy-MM-dd HH:mm')} (Stockholmstid)", 9)

        levels = defaultdict(int)
        for row in rows:
            levels[row.level] += 1
        missing = sum(len(r.report.missing_photo_ids) for r in rows)
        pdf.heading("Sammanfattning")
        pdf.text_line(
            f"Pass: {len(shifts)}   Incheckningar: {len(checkins)}   Rapporter: {len(rows)}"
        )
        pdf.text_line(
            "   ".join(f"{LEVEL_LABELS[level]}: {levels[level]}" for level in LEVEL_LABELS)
        )
        unreviewed = sum(1 for r in rows if r.report.review_status == "new")
        pdf.text_line(f"Ej granskade: {unreviewed}   Foton som inte kommit fram: {missing}")
        flagged = sum(1 for c in checkins if c.flags)
        pdf.text_line(f"Incheckningar med flaggor: {flagged}")

        for shift in shifts:
            pdf.heading(
                f"Pass: {shift.guard.display_name}, "
                f"{format_datetime(shift.started_at, 'HH:mm')}–"
                + (format_datetime(shift.ended_at, "HH:mm") if shift.ended_at else "pågår"),
                12,
            )
            for kind, at, item in sorted(by_shift[shift.id], key=lambda e: (e[1], e[0])):
                time = format_datetime(at, "HH:mm")
                if kind == "checkin":
                    flags = ", ".join(str(FLAG_SHORT.get(f, f)) for f in item.flags)
                    text = (
                        f"{time}  Incheckning: {item.checkpoint.property.name}, "
                        f"{item.checkpoint.label} ({METHOD_LABELS[item.method]})"
                        + (f" – {flags}" if flags else "")
                    )
                else:
                    text = (
                        f"{time}  Rapport: {CATEGORY_LABELS[item.category]}, "
                        f"{LEVEL_LABELS[item.level]} – {item.report.property.name}"
                    )
                pdf.text_line(text, 9, height=4.5)

        pdf.add_page()
        pdf.heading("Rapporter (akuta först)", 14)
        store = photo_store()
        for row in rows:
            write_report(pdf, row, store)
        return bytes(pdf.output())


def write_report(pdf: NightPdf, row, store) -> None:
    report = row.report
    if pdf.will_page_break(40):
        pdf.add_page()
    acute = row.level == "acute"
    if acute:
        pdf.set_text_color(180, 0, 0)
    pdf.heading(
        f"{'AKUT: ' if acute else ''}{CATEGORY_LABELS[row.category]} · {LEVEL_LABELS[row.level]}",
        11,
    )
    pdf.set_text_color(0)
    place = report.property.name + (f", {report.checkpoint.label}" if report.checkpoint else "")
    pdf.text_line(
        f"{format_datetime(report.occurred_at, 'yyyy-MM-dd HH:mm')} · {place} · "
        f"{report.reporter.display_name} · Status: {STATUS_LABELS[report.review_status]}",
        9,
    )
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
    if report.missing_photo_ids:
        pdf.text_line(f"Foton som inte kommit fram: {len(report.missing_photo_ids)}", 9)
    thumbs = [p for p in report.photos if store.exists(p.thumbnail_key)]
    if thumbs:
        per_row = int((pdf.w - pdf.l_margin - pdf.r_margin) // (THUMB_MM + 3))
        for start in range(0, len(thumbs), per_row):
            chunk = thumbs[start : start + per_row]
            heights = [THUMB_MM * p.height / p.width if p.width else THUMB_MM for p in chunk]
            tallest = min(max(heights), THUMB_MM * 1.4)
            if pdf.will_page_break(tallest + 2):
                pdf.add_page()
            y = pdf.get_y() + 1
            for index, photo in enumerate(chunk):
                x = pdf.l_margin + index * (THUMB_MM + 3)
                pdf.image(
                    str(store.path(photo.thumbnail_key)),
                    x=x,
                    y=y,
                    w=THUMB_MM,
                    keep_aspect_ratio=True,
                    h=tallest,
                )
            pdf.set_y(y + tallest + 2)
