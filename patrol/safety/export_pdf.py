"""The safety walk's summary as a PDF to send to the participants (fpdf2, the night report's
page set-up and report blocks): the checklist with each item's result, every finding with
its photos, what became a work order, and what has been fixed since."""

from __future__ import annotations

from patrol.db import utcnow
from patrol.nights import local_time
from patrol.pdf import NightPdf
from patrol.review.export_pdf import write_report
from patrol.safety.walks import WalkSummary

STATUS_TEXT = {"ok": "OK", "shortcoming": "Brist", "unchecked": "Ej kontrollerad"}


def walk_report_pdf(summary: WalkSummary) -> bytes:
    walk = summary.walk
    title = f"Trygghetsvandring {walk.area.name} {walk.walk_date.isoformat()}"
    pdf = NightPdf(title)
    pdf.add_page()
    pdf.text_line(title, 18, bold=True, height=9)
    pdf.text_line(
        f"Skriven {local_time(utcnow(), 'yyyy-MM-dd HH:mm')} · "
        f"{len(summary.findings)} brister · {len(summary.work_orders)} arbetsordrar · "
        f"{summary.fixed} åtgärdade",
        9,
    )
    if walk.participants:
        pdf.heading("Deltagare")
        pdf.text_line(walk.participants, 10)

    pdf.heading("Checklista")
    for item in summary.items:
        line = f"{item.index + 1}. {item.text}: {STATUS_TEXT[item.status]}"
        if item.findings:
            line += f" ({len(item.findings)})"
        pdf.text_line(line, 10, bold=item.status == "shortcoming")

    pdf.heading("Arbetsordrar")
    if not summary.work_orders:
        pdf.text_line("Inga arbetsordrar ännu.", 10)
    for order in summary.work_orders:
        state = (
            f"åtgärdad {local_time(order.done_at, 'yyyy-MM-dd')}"
            + (f": {order.done_note}" if order.done_note else "")
            if order.status == "done"
            else "ej åtgärdad ännu"
        )
        pdf.text_line(
            f"#{order.id} {order.what} ({order.place or order.property.name}) – {state}", 10
        )

    if summary.findings:
        pdf.add_page()
        pdf.text_line("Brister med foton", 14, bold=True, height=7)
        for row in summary.findings:
            write_report(pdf, row)
    return bytes(pdf.output())
