"""CSV of the reports of a range of nights, for Excel: UTF-8 with a BOM (so Excel detects the
encoding), semicolons (the list separator of Swedish Excel), Swedish headers whatever the
page language, one row per report, and links to the photos."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import url_for
from flask_babel import force_locale, format_datetime

from patrol.labels import CATEGORY_LABELS, FLAG_SHORT, LEVEL_LABELS, STATUS_LABELS
from patrol.reports.models import Report
from patrol.review.queries import rows_where

HEADERS = (
    "Natt",
    "Rapport-id",
    "Tid (telefon)",
    "Mottagen (server)",
    "Väktare",
    "Område",
    "Fastighet",
    "Adress",
    "Kontrollpunkt",
    "Kategori (väktare)",
    "Nivå (väktare)",
    "Kategori (korrigerad)",
    "Nivå (korrigerad)",
    "Beskrivning",
    "Status",
    "Kommentar",
    "Behöver reparation",
    "Arbetsorder",
    "Flaggor",
    "Foton",
    "Foton som saknas",
    "Fotolänkar",
    "Länk",
)

TIME = "yyyy-MM-dd HH:mm"


def night_range_csv(first: date, last: date) -> str:
    rows = rows_where(Report.night.between(first, last))
    rows.sort(key=lambda r: (r.report.night, r.report.occurred_at))
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    with force_locale("sv"):
        for row in rows:
            report = row.report
            review = row.review
            photo_links = [
                url_for("reports.get_photo", report_id=report.id, photo_id=p.id, _external=True)
                for p in report.photos
            ]
            writer.writerow(
                (
                    report.night.isoformat(),
                    str(report.id),
                    format_datetime(report.occurred_at, TIME),
                    format_datetime(report.received_at, TIME),
                    report.reporter.display_name,
                    report.property.area.name,
                    report.property.name,
                    report.property.address,
                    report.checkpoint.label if report.checkpoint else "",
                    str(CATEGORY_LABELS[report.category]),
                    str(LEVEL_LABELS[report.level]),
                    str(CATEGORY_LABELS[review.category]) if review and review.category else "",
                    str(LEVEL_LABELS[review.level]) if review and review.level else "",
                    safe_cell(report.description),
                    str(STATUS_LABELS[report.review_status]),
                    safe_cell(review.comment or "") if review else "",
                    "ja" if report.needs_repair else "nej",
                    (
                        f"{row.work_order.id} ({'klar' if row.work_order.status == 'done' else 'öppen'})"
                    )
                    if row.work_order
                    else "",
                    ", ".join(str(FLAG_SHORT.get(f, f)) for f in report.flags),
                    len(report.photos),
                    len(report.missing_photo_ids),
                    " ".join(photo_links),
                    url_for("review.report", report_id=report.id, _external=True),
                )
            )
    return out.getvalue()


def safe_cell(text: str) -> str:
    """Guard against CSV formula injection: a guard's text starting with = + - @ would run
    as a formula in Excel; a leading apostrophe makes it plain text."""
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text
