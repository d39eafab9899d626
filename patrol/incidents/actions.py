"""The incidents' list, their follow-up, and the CSV."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import joinedload

from patrol.audit import compared, write_audit
from patrol.auth.models import User
from patrol.csvfile import csv_text
from patrol.db import db, utcnow
from patrol.labels import INCIDENT_ROLE_LABELS, LEVEL_LABELS
from patrol.reports.models import IncidentDetails, Report
from patrol.shifts.models import Shift
from patrol.sites.models import Property

MAX_FOLLOW_UP = 8000
SHOW = ("open", "closed", "all")


def incidents(show: str = "all") -> list[Report]:
    """Threat and violence reports with their details, newest first."""
    query = (
        sa.select(Report)
        .join(IncidentDetails, IncidentDetails.report_id == Report.id)
        .options(
            joinedload(Report.incident).joinedload(IncidentDetails.closed_by),
            joinedload(Report.property).joinedload(Property.area),
            joinedload(Report.shift).joinedload(Shift.guard),
        )
        .where(Report.is_incident)
        .order_by(Report.occurred_at.desc())
    )
    if show == "open":
        query = query.where(IncidentDetails.closed_at.is_(None))
    elif show == "closed":
        query = query.where(IncidentDetails.closed_at.is_not(None))
    return list(db.session.scalars(query).unique())


def incident(report_id: uuid.UUID) -> Report | None:
    report = db.session.get(Report, report_id)
    if report is None or not report.is_incident or report.incident is None:
        return None
    return report


def read_follow_up(form) -> tuple[dict, dict]:
    values = {
        "investigation": (form.get("investigation") or "").strip().replace("\x00", ""),
        "measures": (form.get("measures") or "").strip().replace("\x00", ""),
        "close": form.get("close") == "1",
    }
    errors = {}
    for name in ("investigation", "measures"):
        if len(values[name]) > MAX_FOLLOW_UP:
            errors[name] = gettext("At most %(n)d characters.", n=MAX_FOLLOW_UP)
    if values["close"] and not values["measures"]:
        errors["measures"] = gettext("Write the measures before closing the incident.")
    return values, errors


def save_follow_up(report: Report, values: dict, by: User) -> None:
    """The investigation and measures, and closing: one audit event per save."""
    details = report.incident
    before = {
        "investigation": details.investigation,
        "measures": details.measures,
        "closed_at": details.closed_at,
        "closed_by": details.closed_by.display_name if details.closed_by else None,
    }
    details.investigation = values["investigation"]
    details.measures = values["measures"]
    if values["close"] and details.closed_at is None:
        details.closed_at = utcnow()
        details.closed_by_id = by.id
    after = {
        "investigation": details.investigation,
        "measures": details.measures,
        "closed_at": details.closed_at,
        "closed_by": by.display_name if details.closed_by_id == by.id else before["closed_by"],
    }
    write_audit(
        "close" if values["close"] and before["closed_at"] is None else "update",
        "incident",
        entity_name=f"{report.property.name} {report.occurred_at:%Y-%m-%d} ({report.id})",
        changes=compared(before, after),
    )
    db.session.commit()


def roles_text(roles: list[str]) -> str:
    return ", ".join(str(INCIDENT_ROLE_LABELS.get(r, r)) for r in roles)


def incidents_csv(rows: list[Report]) -> str:
    headers = [
        gettext("Report"),
        gettext("Occurred"),
        gettext("Property"),
        gettext("Address"),
        gettext("Guard"),
        gettext("Level"),
        gettext("What happened"),
        gettext("Exposed"),
        gettext("Injuries"),
        gettext("Police report number"),
        gettext("Witnesses"),
        gettext("Investigation"),
        gettext("Measures"),
        gettext("Closed"),
        gettext("Closed by"),
    ]
    return csv_text(
        headers,
        (
            [
                str(r.id),
                r.occurred_at,
                r.property.name,
                r.property.address,
                r.reporter.display_name if r.reporter else "",
                LEVEL_LABELS.get(r.level, r.level),
                r.description,
                roles_text(r.incident.exposed_roles),
                r.incident.injuries
                if r.incident.injuries is not None
                else gettext("(removed after the retention period)"),
                r.incident.police_report_number,
                roles_text(r.incident.witness_roles),
                r.incident.investigation,
                r.incident.measures,
                r.incident.closed_at,
                r.incident.closed_by.display_name if r.incident.closed_by else "",
            ]
            for r in rows
        ),
    )
