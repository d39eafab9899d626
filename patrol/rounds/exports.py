"""Compliance in the night's exports: a section for the night's PDF (the review package calls
`write_pdf_section`) and a CSV with one row per expected checkpoint visit and its outcome
(`/review/nights/<date>/rounds.csv`), written by the project's one CSV writer
(patrol.csvfile), with Swedish headers whatever the page language."""

from __future__ import annotations

from datetime import date

from flask_babel import force_locale

from patrol.csvfile import CsvFile
from patrol.rounds.labels import OUTCOME_LABELS, ROUND_STATUS_LABELS, SKIP_REASONS
from patrol.rounds.queries import compliance_rows, night_compliance
from patrol.rounds.rules import local_hhmm

CSV_HEADERS = (
    "Natt",
    "Runda",
    "Rundans nummer",
    "Öppnar",
    "I tid till",
    "Rundans utfall",
    "Ordning",
    "Fastighet",
    "Kontrollpunkt",
    "Utfall",
    "Tid",
    "Skäl",
    "Skäl (fritext)",
)


def compliance_csv(night: date) -> str:
    writer = CsvFile(CSV_HEADERS)
    with force_locale("sv"):
        # Resolved once: a lazy label looks its catalog up on every use.
        outcomes = {k: str(v) for k, v in OUTCOME_LABELS.items()}
        statuses = {k: str(v) for k, v in ROUND_STATUS_LABELS.items()}
        reasons = {k: str(v) for k, v in SKIP_REASONS.items()}
        for row in compliance_rows(night):
            writer.row(
                (
                    row["night"],
                    row["route"],
                    row["round"],
                    row["round_opens"],
                    row["round_due"],
                    statuses[row["round_status"]],
                    row["position"],
                    row["property"],
                    row["checkpoint"],
                    outcomes[row["outcome"]],
                    row["at"],
                    reasons[row["skip_reason"]] if row["skip_reason"] else "",
                    row["skip_text"],
                )
            )
    return writer.text()


def write_pdf_section(pdf, night: date) -> None:
    """The compliance figures per route, for the night's PDF (Swedish, like the rest of it).
    `pdf` is the review package's NightPdf (heading, text_line)."""
    compliance = night_compliance(night)
    rows = compliance.rows
    pdf.heading("Rundor")
    if not rows:
        pdf.text_line("Inga rundor var planerade den här natten.")
        return
    totals = compliance.totals()
    pdf.text_line(
        f"Planerade: {totals['planned']}   Genomförda: {totals['completed']}   "
        f"Ofullständiga: {totals['incomplete']}   Missade: {totals['missed']}"
    )
    for route, rn in rows:
        rc, oc = rn.round_counts, rn.outcome_counts
        pdf.text_line(
            f"{route.name}: {rn.planned} planerade, {rc['completed']} genomförda, "
            f"{rc['incomplete']} ofullständiga, {rc['missed']} missade – kontrollpunkter "
            f"{oc['on_time']} i tid, {oc['late']} sena, {oc['skipped']} överhoppade, "
            f"{oc['missed']} missade",
            9,
            bold=True,
            height=4.5,
        )
        for r in rn.rounds:
            notes = []
            for c in r.notes:
                cp = compliance.checkpoints.get(c.checkpoint_id)
                note = f"{OUTCOME_LABELS[c.outcome]}: {cp.label if cp else c.checkpoint_id}"
                if c.outcome == "skipped":
                    note += f" ({SKIP_REASONS[c.visit.reason]}"
                    note += f": {c.visit.reason_text})" if c.visit.reason_text else ")"
                notes.append(note)
            pdf.text_line(
                f"  Runda {r.round.index} {local_hhmm(r.round.opens)}–"
                f"{local_hhmm(r.round.due)}: {ROUND_STATUS_LABELS[r.status]} "
                f"({r.done} av {len(r.checkpoints)})" + (" – " + "; ".join(notes) if notes else ""),
                9,
                height=4.5,
            )
