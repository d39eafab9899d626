"""CSV of a range of nights, for Excel in Swedish: the reports (with links to their photos),
the check-ins (method, distance, flags), the work orders made from the nights' reports or the
SOS alerts with their lifecycle (pressed, received, acknowledged by whom).

Every file is UTF-8 with a BOM (so Excel detects the encoding), uses semicolons (the list
separator of Swedish Excel), has Swedish headers whatever the page language, writes times as
ÅÅÅÅ-MM-DD TT:MM in Stockholm time (which Excel reads as dates) and distances in whole metres
(no decimal separator to get wrong), and neutralises text that Excel would run as a formula."""

from __future__ import annotations

import csv
import io
from datetime import date

import sqlalchemy as sa
from flask import url_for
from flask_babel import force_locale
from sqlalchemy.orm import joinedload

from patrol.db import db
from patrol.i18n import local_time
from patrol.labels import (
    CATEGORY_LABELS,
    FLAG_SHORT,
    LEVEL_LABELS,
    METHOD_LABELS,
    PRIORITY_LABELS,
    STATUS_LABELS,
    WORK_ORDER_STATUS_LABELS,
)
from patrol.reports.models import Report
from patrol.review.models import WorkOrder
from patrol.review.places import map_url, place_of
from patrol.review.queries import night_sos, rows_where
from patrol.shifts.models import CheckIn, Shift, night_of
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

TIME = "yyyy-MM-dd HH:mm"


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


def excel_writer():
    out = io.StringIO()
    out.write("\ufeff")
    return out, csv.writer(out, delimiter=";", lineterminator="\r\n")


def night_range_csv(first: date, last: date) -> str:
    rows = rows_where(Report.night.between(first, last))
    rows.sort(key=lambda r: (r.report.night, r.report.occurred_at))
    out, writer = excel_writer()
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
                    local_time(report.occurred_at, TIME),
                    local_time(report.received_at, TIME),
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
    out, writer = excel_writer()
    writer.writerow(CHECKIN_HEADERS)
    with force_locale("sv"):
        for checkin in checkins:
            point = checkin.checkpoint
            writer.writerow(
                (
                    checkin.shift.night.isoformat(),
                    str(checkin.id),
                    local_time(checkin.occurred_at, TIME),
                    local_time(checkin.received_at, TIME),
                    safe_cell(checkin.shift.guard.display_name),
                    safe_cell(point.property.area.name),
                    safe_cell(point.property.name),
                    safe_cell(point.property.address),
                    safe_cell(point.label),
                    str(METHOD_LABELS[checkin.method]),
                    whole_metres(checkin.distance_m),
                    whole_metres(checkin.accuracy_m),
                    whole_metres(point.radius_m),
                    ", ".join(str(FLAG_SHORT.get(f, f)) for f in checkin.flags),
                    map_url(checkin.lat, checkin.lon) if checkin.lat is not None else "",
                    str(checkin.shift_id),
                )
            )
    return out.getvalue()


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
    out, writer = excel_writer()
    writer.writerow(WORK_ORDER_HEADERS)
    with force_locale("sv"):
        for order in orders:
            place = order.place or (order.checkpoint.label if order.checkpoint else "")
            writer.writerow(
                (
                    order.report.night.isoformat(),
                    order.id,
                    local_time(order.created_at, TIME),
                    safe_cell(order.created_by.display_name),
                    safe_cell(order.property.area.name),
                    safe_cell(order.property.name),
                    safe_cell(order.property.address),
                    safe_cell(place),
                    safe_cell(order.what),
                    str(PRIORITY_LABELS[order.priority]),
                    str(WORK_ORDER_STATUS_LABELS[order.status]),
                    local_time(order.done_at, TIME) if order.done_at else "",
                    safe_cell(order.done_by.display_name) if order.done_by else "",
                    safe_cell(order.done_note or ""),
                    url_for("review.report", report_id=order.report_id, _external=True),
                )
            )
    return out.getvalue()


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
)

# An SOS's seconds matter (how long until it arrived, until someone answered).
SOS_TIME = "yyyy-MM-dd HH:mm:ss"


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

    out, writer = excel_writer()
    writer.writerow(SOS_HEADERS)
    with force_locale("sv"):
        for alert in sorted(alerts, key=lambda a: (night(a), a.occurred_at)):
            place = place_of(alert)
            acknowledged = alert.acknowledged_at is not None
            writer.writerow(
                (
                    night(alert).isoformat(),
                    str(alert.id),
                    safe_cell(alert.guard.display_name),
                    local_time(alert.occurred_at, SOS_TIME),
                    local_time(alert.received_at, SOS_TIME),
                    "kvitterat" if acknowledged else "ej kvitterat",
                    local_time(alert.acknowledged_at, SOS_TIME) if acknowledged else "",
                    safe_cell(alert.acknowledged_by.display_name) if alert.acknowledged_by else "",
                    place.coordinates if place else "",
                    whole_metres(alert.accuracy_m) if place else "",
                    place.url if place else "",
                    safe_cell(alert.note or ""),
                    str(alert.shift_id) if alert.shift_id else "",
                    url_for("review.shift", shift_id=alert.shift_id, _external=True)
                    if alert.shift_id in shift_nights
                    else "",
                )
            )
    return out.getvalue()


def safe_cell(text: str) -> str:
    """Guard against CSV formula injection: a guard's text starting with = + - @ would run
    as a formula in Excel; a leading apostrophe makes it plain text."""
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text
