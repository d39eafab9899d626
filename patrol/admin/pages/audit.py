"""Admin pages: the audit trail, newest first, a page at a time, filtered by who, what (the
kind of thing changed, the action) and a date range, and the same list as a CSV file.

The filters are a plain GET form (they work without JavaScript and the URL can be sent on);
every value goes through patrol/params.py's readers, and one that cannot be read is a clear
message on the page (400), never a 500 or a silently ignored filter.
"""

from __future__ import annotations

from datetime import time, timedelta

import sqlalchemy as sa
from flask import Response, render_template, request
from flask_babel import gettext
from sqlalchemy.orm import selectinload

from patrol.admin.pages import bp, int_arg
from patrol.audit import AuditEvent
from patrol.auth.models import User
from patrol.csvfile import CsvFile
from patrol.db import db
from patrol.nights import local_datetime
from patrol.params import iso_date, row_id

AUDIT_PAGE_SIZE = 100
# The export is the filtered list, whole, up to this many rows (a year of a busy set-up).
AUDIT_EXPORT_LIMIT = 50_000
FILTERS = ("who", "entity", "action", "from", "to")


def entity_choices() -> dict[str, str]:
    return {
        "organization": gettext("owner"),
        "area": gettext("area"),
        "property": gettext("property"),
        "checkpoint": gettext("checkpoint"),
        "user": gettext("user"),
        "route": gettext("route"),
        "checklist": gettext("checklist"),
        "second_factor_roles": gettext("sign-in in two steps"),
        "incident": gettext("threat or violence incident"),
        "import": gettext("CSV import"),
        "integration_token": gettext("API token"),
        "webhook_subscription": gettext("webhook"),
    }


def action_choices() -> dict[str, str]:
    return {
        "create": gettext("Created"),
        "update": gettext("Changed"),
        "plan": gettext("New plan version"),
        "pause": gettext("Paused"),
        "resume": gettext("Resumed"),
        "activate": gettext("Activated"),
        "deactivate": gettext("Deactivated"),
        "rotate_token": gettext("QR code replaced"),
        "reset_password": gettext("Password reset"),
        "logout_everywhere": gettext("Logged out everywhere"),
        "reset_factors": gettext("Second factors reset"),
        "close": gettext("Closed"),
        "import": gettext("CSV import"),
        "revoke": gettext("Revoked"),
        "use": gettext("Used"),
        "retry": gettext("Sent again"),
    }


def read_filters() -> tuple[dict, dict[str, str], list]:
    """(the filters as typed, {field: message} for those that cannot be read, the query's
    conditions)."""
    typed = {name: (request.args.get(name) or "").strip() for name in FILTERS}
    errors: dict[str, str] = {}
    where = []
    if typed["who"]:
        who = row_id(typed["who"])
        if who is None:
            errors["who"] = gettext("Choose from the list.")
        else:
            where.append(AuditEvent.actor_id == who)
    if typed["entity"]:
        if typed["entity"] not in entity_choices():
            errors["entity"] = gettext("Choose from the list.")
        else:
            where.append(AuditEvent.entity == typed["entity"])
    if typed["action"]:
        if typed["action"] not in action_choices():
            errors["action"] = gettext("Choose from the list.")
        else:
            where.append(AuditEvent.action == typed["action"])
    days = {}
    for name in ("from", "to"):
        try:
            days[name] = iso_date(typed[name])
        except ValueError:
            errors[name] = gettext("Write a date as YYYY-MM-DD, e.g. 2026-10-25.")
    if days.get("from") and days.get("to") and days["from"] > days["to"]:
        errors["to"] = gettext("The last day comes before the first.")
    if not errors:
        # Stockholm calendar days, both ends included.
        if days.get("from"):
            where.append(AuditEvent.at >= local_datetime(days["from"], time(0)))
        if days.get("to"):
            where.append(AuditEvent.at < local_datetime(days["to"] + timedelta(days=1), time(0)))
    return typed, errors, where


def filtered(where: list):
    return (
        sa.select(AuditEvent)
        .where(*where)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )


def value_text(value) -> str:
    """One value of a change as a reader sees it: lists joined, nothing as "–"."""
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list):
        return ", ".join(value_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {value_text(v)}" for k, v in value.items())
    return str(value)


def change_text(name: str, pair) -> str:
    """ "field: before → after", or "field: value" where it did not change (a new row's
    values, the unchanged values of a new plan version)."""
    if not isinstance(pair, list | tuple) or len(pair) != 2:
        return f"{name}: {value_text(pair)}"
    before, after = pair
    if before is None or before == after:
        return f"{name}: {value_text(after)}"
    return f"{name}: {value_text(before)} → {value_text(after)}"


def actors() -> list[User]:
    """Who appears in the trail (the "who" filter's choices)."""
    return db.session.scalars(
        sa.select(User)
        .where(User.id.in_(sa.select(AuditEvent.actor_id).where(AuditEvent.actor_id.is_not(None))))
        .order_by(User.display_name)
    ).all()


def filter_args(typed: dict) -> dict:
    return {name: value for name, value in typed.items() if value}


@bp.get("/audit")
def audit():
    page = int_arg("page") or 1
    typed, errors, where = read_filters()
    events = []
    if not errors:
        events = db.session.scalars(
            filtered(where).offset((page - 1) * AUDIT_PAGE_SIZE).limit(AUDIT_PAGE_SIZE + 1)
        ).all()
    return render_template(
        "admin/audit.html",
        events=events[:AUDIT_PAGE_SIZE],
        page=page,
        more=len(events) > AUDIT_PAGE_SIZE,
        filters=typed,
        filter_args=filter_args(typed),
        filter_errors=errors,
        actors=actors(),
        entity_choices=entity_choices(),
        action_choices=action_choices(),
        value_text=value_text,
    ), (400 if errors else 200)


@bp.get("/audit.csv")
def audit_csv():
    """The filtered list as a CSV file (the project's one writer: times with their offset,
    text that Excel would run as a formula made plain)."""
    typed, errors, where = read_filters()
    if errors:
        return audit()
    events = db.session.scalars(filtered(where).limit(AUDIT_EXPORT_LIMIT)).all()
    actions, entities = action_choices(), entity_choices()
    out = CsvFile(
        [
            gettext("When"),
            gettext("Who"),
            gettext("Action"),
            gettext("Kind"),
            gettext("Id"),
            gettext("Name"),
            gettext("Changes"),
        ]
    )
    for e in events:
        out.row(
            [
                e.at,
                e.actor.display_name if e.actor else gettext("system"),
                actions.get(e.action, e.action),
                entities.get(e.entity, e.entity),
                e.entity_id,
                e.entity_name,
                "\n".join(change_text(name, pair) for name, pair in (e.changes or {}).items()),
            ]
        )
    return Response(
        out.bytes(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="nattpatrull-andringslogg.csv"',
            "Cache-Control": "no-store",
        },
    )
