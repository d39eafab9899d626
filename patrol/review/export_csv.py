"""CSV of a range of nights, for Excel in Swedish: the reports (with links to their photos),
the check-ins (method, distance, flags), the work orders made from the nights' reports or the
SOS alerts with their lifecycle (pressed, received, acknowledged by whom).

Every file is written by the project's one CSV writer (patrol.csvfile: BOM, semicolons, ISO
8601 times with their offset, every text cell escaped against formula injection), has Swedish
headers whatever the page language and distances in whole metres (no decimal separator to get
wrong)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import url_for
from flask_babel import force_locale
from sqlalchemy.orm import joinedload

from patrol.csvfile import CsvFile
from patrol.db import db
from patrol.labels import (
    CATEGORY_LABELS,
    FLAG_SHORT,
    LEVEL_LABELS,
    METHOD_LABELS,
    PRIORITY_LABELS,
    STATUS_LABELS,
    WORK_ORDER_STATUS_LABELS,
)
from patrol.nights import night_of
from patrol.reports.models import Report
from patrol.review.models import WorkOrder
from patrol.review.places import map_url, place_of
from patrol.review.queries import night_sos, rows_where
from patrol.shifts.models import CheckIn, Shift
from patrol.sites.models import Checkpoint, Property

# What can be exported: the `what=` of /review/export.csv and the file name's first word.
EXPORTS = {
    "reports": "rapporter",
    "checkins": "incheckningar",
    "work-orders": "arbetsordrar",
    "sos": "sos-larm",
}

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


def export_filename(what: str, first: date, last: date) -> str:
    """e.g. nattpatrull-incheckningar-2026-11-23.csv or ...-2026-11-20--2026-11-23.csv"""
    nights = first.isoformat() if first == last else f"{first.isoformat()}--{last.isoformat()}"
    return f"nattpatrull-{EXPORTS[what]}-{nights}.csv"


def export_csv(what: str, first: date, last: date) -> str:
    return {
        "reports": night_range_csv,
        "checkins": checkins_csv,
        "work-orders": work_orders_csv,
        "sos": sos_csv,
    }[what](first, last)


def night_range_csv(first: date, last: date) -> str:
    rows = rows_where(Report.night.between(first, last))
    rows.sort(key=lambda r: (r.report.night, r.report.occurred_at))
    writer = CsvFile(HEADERS)
    with force_locale("sv"):
        for row in rows:
            report = row.report
            review = row.review
            photo_links = [
                url_for("reports.get_photo", report_id=report.id, photo_id=p.id, _external=True)
                for p in report.photos
            ]
            writer.row(
                (
                    report.night.isoformat(),
                    str(report.id),
                    report.occurred_at,
                    report.received_at,
                    report.reporter.display_name,
                    report.property.area.name,
                    report.property.name,
                    report.property.address,
                    report.checkpoint.label if report.checkpoint else "",
                    str(CATEGORY_LABELS[report.category]),
                    str(LEVEL_LABELS[report.level]),
                    str(CATEGORY_LABELS[review.category]) if review and review.category else "",
                    str(LEVEL_LABELS[review.level]) if review and review.level else "",
                    report.description,
                    str(STATUS_LABELS[report.review_status]),
                    (review.comment or "") if review else "",
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
    return writer.text()


CHECKIN_HEADERS = (
    "Natt",
    "Incheckning-id",
    "Tid (telefon)",
    "Mottagen (server)",
    "Väktare",
    "Område",
    "Fastighet",
    "Adress",
    "Kontrollpunkt",
    "Metod",
    "Avstånd till kontrollpunkten (m)",
    "Noggrannhet (m)",
    "Radie (m)",
    "Flaggor",
    "Karta",
    "Pass-id",
)


def whole_metres(value: float | None) -> int | str:
    return "" if value is None else round(value)


def checkins_csv(first: date, last: date) -> str:
    """One row per check-in of the nights: method, distance from the checkpoint, flags."""
    checkins = db.session.scalars(
        sa.select(CheckIn)
        .options(
            joinedload(CheckIn.shift).joinedload(Shift.guard),
            joinedload(CheckIn.checkpoint)
            .joinedload(Checkpoint.property)
            .joinedload(Property.area),
        )
        .join(Shift, Shift.id == CheckIn.shift_id)
        .where(Shift.night.between(first, last))
        .order_by(Shift.night, CheckIn.occurred_at, CheckIn.id)
    ).all()
    writer = CsvFile(CHECKIN_HEADERS)
    with force_locale("sv"):
        for checkin in checkins:
            point = checkin.checkpoint
            writer.row(
                (
                    checkin.shift.night.isoformat(),
                    str(checkin.id),
                    checkin.occurred_at,
                    checkin.received_at,
                    checkin.shift.guard.display_name,
                    point.property.area.name,
                    point.property.name,
                    point.property.address,
                    point.label,
                    str(METHOD_LABELS[checkin.method]),
                    whole_metres(checkin.distance_m),
                    whole_metres(checkin.accuracy_m),
                    whole_metres(point.radius_m),
                    ", ".join(str(FLAG_SHORT.get(f, f)) for f in checkin.flags),
                    map_url(checkin.lat, checkin.lon) if checkin.lat is not None else "",
                    str(checkin.shift_id),
                )
            )
    return writer.text()


WORK_ORDER_HEADERS = (
    "Natt",
    "Arbetsorder",
    "Skapad",
    "Skapad av",
    "Område",
    "Fastighet",
    "Adress",
    "Plats",
    "Vad",
    "Prioritet",
    "Status",
    "Klar",
    "Klar av",
    "Anteckning",
    "Rapport",
)


def work_orders_csv(first: date, last: date) -> str:
    """One row per work order made from a report of the nights, open or done."""
    orders = db.session.scalars(
        sa.select(WorkOrder)
        .options(
            joinedload(WorkOrder.property).joinedload(Property.area),
            joinedload(WorkOrder.checkpoint),
            joinedload(WorkOrder.report),
            joinedload(WorkOrder.created_by),
            joinedload(WorkOrder.done_by),
        )
        .join(Report, Report.id == WorkOrder.report_id)
        # The report's night: a safety walk's finding has no shift.
        .where(Report.night.between(first, last))
        .order_by(Report.night, WorkOrder.created_at, WorkOrder.id)
    ).all()
    writer = CsvFile(WORK_ORDER_HEADERS)
    with force_locale("sv"):
        for order in orders:
            place = order.place or (order.checkpoint.label if order.checkpoint else "")
            writer.row(
                (
                    order.report.night.isoformat(),
                    order.id,
                    order.created_at,
                    order.created_by.display_name,
                    order.property.area.name,
                    order.property.name,
                    order.property.address,
                    place,
                    order.what,
                    str(PRIORITY_LABELS[order.priority]),
                    str(WORK_ORDER_STATUS_LABELS[order.status]),
                    order.done_at if order.done_at else "",
                    order.done_by.display_name if order.done_by else "",
                    order.done_note or "",
                    url_for("review.report", report_id=order.report_id, _external=True),
                )
            )
    return writer.text()


SOS_HEADERS = (
    "Natt",
    "SOS-id",
    "Väktare",
    "Tryckt (telefon)",
    "Mottaget (server)",
    "Status",
    "Kvitterat",
    "Kvitterat av",
    "Position",
    "Noggrannhet (m)",
    "Karta",
    "Anteckning",
    "Pass-id",
    "Passlogg",
    # Alone at night: the alarm's kind and the rest of its lifecycle.
    "Larmtyp",
    "Väktaren svarade",
    "Hörd igen",
    "Eskalerat till arbetsledarna",
    "Larmmottagaren",
)

ALARM_KIND_WORDS = {"sos": "SOS", "timer": "Jag är OK-timer", "silence": "tystnad"}


def sos_csv(first: date, last: date) -> str:
    """One row per SOS alert of the nights (queries.night_sos decides which night an alert
    belongs to), open or acknowledged, with the moments of its lifecycle."""
    alerts = night_sos(first, last)
    shift_ids = {a.shift_id for a in alerts if a.shift_id is not None}
    shift_nights = (
        dict(
            db.session.execute(
                sa.select(Shift.id, Shift.night).where(Shift.id.in_(shift_ids))
            ).all()
        )
        if shift_ids
        else {}
    )

    def night(alert):
        return shift_nights.get(alert.shift_id) or night_of(alert.occurred_at)

    writer = CsvFile(SOS_HEADERS)
    with force_locale("sv"):
        for alert in sorted(alerts, key=lambda a: (night(a), a.occurred_at)):
            place = place_of(alert)
            acknowledged = alert.acknowledged_at is not None
            writer.row(
                (
                    night(alert).isoformat(),
                    str(alert.id),
                    alert.guard.display_name,
                    alert.occurred_at,
                    alert.received_at,
                    "kvitterat" if acknowledged else "ej kvitterat",
                    alert.acknowledged_at if acknowledged else "",
                    alert.acknowledged_by.display_name if alert.acknowledged_by else "",
                    place.coordinates if place else "",
                    whole_metres(alert.accuracy_m) if place else "",
                    place.url if place else "",
                    alert.note or "",
                    str(alert.shift_id) if alert.shift_id else "",
                    url_for("review.shift", shift_id=alert.shift_id, _external=True)
                    if alert.shift_id in shift_nights
                    else "",
                    ALARM_KIND_WORDS.get(alert.kind or "sos", alert.kind),
                    alert.answered_at or "",
                    alert.ended_at or "",
                    alert.escalated_at or "",
                    alert.receiver_at or "",
                )
            )
    return writer.text()
