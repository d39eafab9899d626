"""The first page of version N+1 of a night's PDF: what changed since version N (issue 21).

Kept apart from export_pdf.py (the night's record itself): it only writes onto the record's
`NightPdf`, in the same black-and-white style, before the record's own pages."""

from __future__ import annotations

from patrol.nights import local_time
from patrol.review.versions import NightChanges


def write_changes_page(pdf, changes: NightChanges, version: int) -> None:
    """Version `version`'s first page: the records that came in after version N was kept,
    then the review actions taken since; the record follows on the next page."""
    previous = changes.since
    pdf.section(f"Version {version}: ändringar sedan version {previous.version}")
    pdf.text_line(
        f"Version {previous.version} sparades {local_time(previous.reviewed_at, 'yyyy-MM-dd HH:mm')}"
        f" av {previous.reviewed_by.display_name}. Tidigare versioner finns kvar oförändrade.",
        9,
    )
    pdf.heading("Kom in efter granskningen", 12)
    if not changes.arrived:
        pdf.text_line("Inget.", 10)
    else:
        pdf.text_line(f"Totalt: {changes.arrived_summary}", 10, True)
    for record in changes.arrived:
        occurred = record.occurred_at
        when = f"{local_time(occurred, 'yyyy-MM-dd HH:mm')}, " if occurred else ""
        pdf.text_line(
            f"• {record.label} ({when}mottagen {local_time(record.received_at, 'yyyy-MM-dd HH:mm')})",
            10,
        )
    pdf.heading("Ändrat efter granskningen", 12)
    if not changes.changed:
        pdf.text_line("Inget.", 10)
    for event in changes.changed:
        pdf.text_line(
            f"• {local_time(event.at, 'yyyy-MM-dd HH:mm')} {changes.change_label(event)}", 10
        )
