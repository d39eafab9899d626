"""The owner's month as CSV and PDF, and the day crew's printable work list as PDF.

What an owner's export holds is what the portal shows: approved reports of the owner's own
properties with the text written for the owner, never a guard's name or position, a draft or a
supervisor's internal comment. Swedish headers whatever the page language (like the review
exports); the CSV is written by the project's one CSV writer (patrol.csvfile)."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import force_locale

from patrol.csvfile import CsvFile
from patrol.db import utcnow
from patrol.labels import CATEGORY_LABELS, LEVEL_LABELS, PRIORITY_LABELS
from patrol.mail.rules import public_url
from patrol.nights import local_time
from patrol.owners import rules
from patrol.pdf import NightPdf
from patrol.sites.models import Organization

CSV_HEADERS = (
    "Natt",
    "Tid",
    "Fastighet",
    "Adress",
    "Plats",
    "Kategori",
    "Nivå",
    "Text till fastighetsägaren",
    "Foton",
    "Arbetsorder",
    "Åtgärdad",
    "Länk",
)
TIME = "yyyy-MM-dd HH:mm"
# The month table of the PDF: a label column and one column per month (A4, 15 mm margins).
LABEL_MM = 66
MONTH_MM = 19
MONTHS_SV = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)


def month_name_sv(month: date) -> str:
    return f"{MONTHS_SV[month.month - 1]} {month.year}"


def order_state(order) -> tuple[str, datetime | None]:
    """The work order's state and when it was fixed (the CSV writes the time with its offset,
    the PDF as wall-clock text)."""
    if order is None:
        return "", None
    if order.status == "done":
        return "klar", order.done_at
    return "öppen", None


def month_csv(organization_id: int | None, month: date) -> str:
    writer = CsvFile(CSV_HEADERS)
    with force_locale("sv"):
        for row in rules.month_rows(organization_id, month):
            report = row.report
            state, done = order_state(row.work_order)
            writer.row(
                (
                    report.night.isoformat(),
                    report.occurred_at,
                    report.property.name,
                    report.property.address,
                    report.checkpoint.label if report.checkpoint else "",
                    str(CATEGORY_LABELS[row.category]),
                    str(LEVEL_LABELS[row.level]),
                    owner_text(row),
                    len(report.photos),
                    state,
                    done,
                    public_url("owners.report", report_id=report.id),
                )
            )
    return writer.text()


def owner_text(row) -> str:
    """The text written for the owner; never the internal comment or a draft."""
    return (row.review.owner_text or "") if row.review else ""


def month_pdf(organization: Organization | None, month: date) -> bytes:
    organization_id = organization.id if organization else None
    history = rules.month_history(organization_id, month)
    rows = rules.month_rows(organization_id, month)
    with force_locale("sv"):
        name = organization.name if organization else ""
        pdf = NightPdf(f"Månadsrapport {month_name_sv(month)} – {name}")
        pdf.add_page()
        pdf.text_line(f"Månadsrapport {month_name_sv(month)}", 18, True, 9)
        pdf.text_line(name, 12)
        pdf.text_line(f"Skapad {local_time(utcnow(), TIME)} (Stockholmstid)", 9)
        months = list(history[0].months) if history else []
        # As on the page: a table for each property with reports, one line for the quiet ones.
        quiet = [h for h in history if not h.has_reports]
        for item in (h for h in history if h.has_reports):
            if pdf.will_page_break(40):
                pdf.add_page()
            pdf.heading(item.property.name, 12)
            pdf.text_line(item.property.address, 9)
            table = [("Månad", [m.strftime("%Y-%m") for m in months], True)]
            table += [
                (str(LEVEL_LABELS[level]), [item.months[m].levels[level] for m in months], False)
                for level in LEVEL_LABELS
            ]
            table += [
                (str(CATEGORY_LABELS[c]), [item.months[m].categories[c] for m in months], False)
                for c in item.categories_seen
            ]
            table.append(("Totalt", [item.months[m].total for m in months], True))
            for label, values, bold in table:
                pdf.set_font(pdf.family, "B" if bold else "", 9)
                pdf.cell(LABEL_MM, 5, pdf.clean(label))
                for value in values:
                    pdf.cell(MONTH_MM, 5, str(value), align="R")
                pdf.ln(5)
        if quiet:
            pdf.heading("Inga godkända rapporter under de här månaderna", 12)
            pdf.text_line(", ".join(item.property.name for item in quiet), 10)
        pdf.add_page()
        pdf.heading(f"Godkända rapporter, {month_name_sv(month)}", 14)
        if not rows:
            pdf.text_line("Inga godkända rapporter denna månad.")
        for row in rows:
            report = row.report
            place = report.property.name + (
                f", {report.checkpoint.label}" if report.checkpoint else ""
            )
            pdf.heading(f"{CATEGORY_LABELS[row.category]} · {LEVEL_LABELS[row.level]}", 11)
            pdf.text_line(f"{local_time(report.occurred_at, TIME)} · {place}", 9)
            text = owner_text(row)
            if text:
                pdf.text_line(text, 10)
            state, done = order_state(row.work_order)
            if state:
                pdf.text_line(
                    f"Arbetsorder: {state}" + (f" {local_time(done, TIME)}" if done else ""), 9
                )
        return bytes(pdf.output())


def day_crew_pdf(area_name: str, groups: dict, printed_for: date) -> bytes:
    """The printable list of open work orders for an area, grouped by property."""
    with force_locale("sv"):
        pdf = NightPdf(f"Arbetsordrar {printed_for.isoformat()} – {area_name}")
        pdf.add_page()
        pdf.text_line(f"Arbetsordrar {printed_for.isoformat()}", 18, True, 9)
        pdf.text_line(area_name, 12)
        for prop, orders in groups.items():
            pdf.heading(prop.name, 12)
            pdf.text_line(prop.address, 9)
            for order in orders:
                place = order.place or (order.checkpoint.label if order.checkpoint else "")
                pdf.text_line(
                    f"[{PRIORITY_LABELS[order.priority]}] {order.what}"
                    + (f" – {place}" if place else ""),
                    10,
                )
                pdf.text_line(
                    f"Natten {order.report.night.isoformat()} · "
                    "Klar (datum, signatur): ____________________",
                    8,
                )
        return bytes(pdf.output())
