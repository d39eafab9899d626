"""What a token may read: work orders, approved reports and alarms of its owner, as change
feeds with an opaque cursor.

Each feed is ordered by the moment a row last changed in a way the other side cares about
(`updated_at`: a work order made or done, a report approved, an SOS received or acknowledged)
and then by id, and a page continues strictly after the last row of the previous one. A row
that changes again later comes again, later in the feed: a client that keeps the last cursor
and asks again sees every change once, in order.

The owner's view is the owners' portal's (patrol.owners.rules.approved_of: approved reports of
the organization's properties, never an incident), so a token sees nothing an owner user of
the same organization could not. Nothing names a guard.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import joinedload

from patrol.db import db
from patrol.errors import field_error
from patrol.owners.rules import approved_of, name_for_owners
from patrol.push.models import SosAlert
from patrol.reports.models import Report
from patrol.review.models import ReportReview, WorkOrder
from patrol.shifts.models import CheckIn
from patrol.sites.models import Checkpoint, Property
from patrol.sync import distance_m

# An SOS belongs to the property nearest its position within this distance; without a
# position (or nothing that near), to the property of the guard's last check-in before it.
SOS_PROPERTY_RADIUS_M = 250.0


def visible_reports(organization_id: int | None):
    """SQL condition on Report: what the owner sees in the portal; for a token of every owner
    (None), what any owner sees (each property's own organization)."""
    if organization_id is None:
        # approved_of compares Property.organization_id with the value given: with the column
        # itself every property's own owner matches, and every other rule of the owners'
        # view (approved, never an incident) stays the portal's.
        return approved_of(Property.organization_id)
    return approved_of(organization_id)


# --- the cursor --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    at: datetime
    id: str


def encode_cursor(at: datetime, row_id) -> str:
    text = json.dumps({"t": at.astimezone(UTC).isoformat(), "i": str(row_id)}, sort_keys=True)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(text: str) -> Position:
    """The position a cursor names; a 422 on `cursor` for anything we did not make."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        data = json.loads(raw)
        at = datetime.fromisoformat(data["t"])
        row_id = data["i"]
        if at.tzinfo is None or not isinstance(row_id, str) or len(row_id) > 40:
            raise ValueError
        return Position(at.astimezone(UTC), row_id)
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError, AttributeError):
        raise field_error("cursor", gettext("Not a cursor from this API.")) from None


def after(updated, row_id_column, position: Position | None, since: datetime | None, id_type):
    """SQL: rows after the cursor's position (or at/after `since`)."""
    conditions = []
    if since is not None:
        conditions.append(updated >= since)
    if position is not None:
        try:
            cursor_id = id_type(position.id)
        except ValueError:
            raise field_error("cursor", gettext("Not a cursor from this API.")) from None
        conditions.append(
            sa.or_(
                updated > position.at, sa.and_(updated == position.at, row_id_column > cursor_id)
            )
        )
    return sa.and_(sa.true(), *conditions)


@dataclass
class Page:
    items: list
    # Where the next request continues: after this page's last row, or where this one began
    # when it was empty (keep it and ask again later for what changed since).
    next_cursor: str | None
    has_more: bool


# --- work orders -------------------------------------------------------------------------------

WORK_ORDER_UPDATED = sa.func.coalesce(WorkOrder.done_at, WorkOrder.created_at)


def work_order_view(order: WorkOrder) -> dict:
    return {
        "id": order.id,
        "status": order.status,
        "priority": order.priority,
        "what": order.what,
        "place": order.place,
        "property": property_view(order.property),
        "report_id": order.report_id,
        "night": order.report.night,
        "created_at": order.created_at,
        "done_at": order.done_at,
        "done_note": order.done_note,
        "done_by": name_for_owners(order.done_by) if order.done_at else None,
        "updated_at": order.done_at or order.created_at,
    }


def property_view(prop: Property | None) -> dict | None:
    if prop is None:
        return None
    return {
        "id": prop.id,
        "name": prop.name,
        "address": prop.address,
        "owner_ref": prop.owner_ref,
        "organization_id": prop.organization_id,
    }


def work_orders(
    organization_id: int | None, since: datetime | None, cursor: str | None, limit: int
) -> Page:
    position = decode_cursor(cursor) if cursor else None
    orders = list(
        db.session.scalars(
            sa.select(WorkOrder)
            .options(
                joinedload(WorkOrder.property),
                joinedload(WorkOrder.report),
                joinedload(WorkOrder.done_by),
            )
            .join(Report, Report.id == WorkOrder.report_id)
            .where(
                visible_reports(organization_id),
                after(WORK_ORDER_UPDATED, WorkOrder.id, position, since, int),
            )
            .order_by(WORK_ORDER_UPDATED, WorkOrder.id)
            .limit(limit + 1)
        ).unique()
    )
    return paged([work_order_view(o) for o in orders], limit, cursor)


def own_work_order(organization_id: int | None, order_id: int) -> WorkOrder | None:
    return db.session.scalar(
        sa.select(WorkOrder)
        .join(Report, Report.id == WorkOrder.report_id)
        .where(WorkOrder.id == order_id, visible_reports(organization_id))
    )


def paged(views: list[dict], limit: int, cursor: str | None) -> Page:
    more = len(views) > limit
    views = views[:limit]
    if views:
        cursor = encode_cursor(views[-1]["updated_at"], views[-1]["id"])
    return Page(views, cursor, more)


# --- approved reports --------------------------------------------------------------------------


def reports(
    organization_id: int | None, since: datetime | None, cursor: str | None, limit: int
) -> Page:
    position = decode_cursor(cursor) if cursor else None
    updated = ReportReview.reviewed_at
    rows = db.session.execute(
        sa.select(Report, ReportReview, WorkOrder.id)
        .options(joinedload(Report.property), joinedload(Report.photos))
        .join(ReportReview, ReportReview.report_id == Report.id)
        .outerjoin(WorkOrder, WorkOrder.report_id == Report.id)
        .where(
            visible_reports(organization_id),
            updated.is_not(None),
            after(updated, Report.id, position, since, uuid.UUID),
        )
        .order_by(updated, Report.id)
        .limit(limit + 1)
    ).unique()
    return paged([report_view(r, review, order_id) for r, review, order_id in rows], limit, cursor)


def report_view(report: Report, review: ReportReview, work_order_id: int | None) -> dict:
    return {
        "id": report.id,
        "night": report.night,
        "occurred_at": report.occurred_at,
        "property": property_view(report.property),
        "category": review.category or report.category,
        "level": review.level or report.level,
        "text": review.owner_text or "",
        "approved_at": review.reviewed_at,
        "photo_count": len(report.photos),
        "work_order_id": work_order_id,
        "updated_at": review.reviewed_at,
    }


# --- alarms ------------------------------------------------------------------------------------

SOS_UPDATED = sa.func.coalesce(SosAlert.acknowledged_at, SosAlert.received_at)


def sos_property(alert: SosAlert, properties: list[Property]) -> Property | None:
    """Where an SOS happened, in owner terms (see SOS_PROPERTY_RADIUS_M)."""
    if alert.lat is not None and alert.lon is not None:
        near = [
            (distance_m(alert.lat, alert.lon, p.lat, p.lon), p.id, p)
            for p in properties
            if p.lat is not None and p.lon is not None
        ]
        near = [n for n in near if n[0] <= SOS_PROPERTY_RADIUS_M]
        if near:
            return min(near)[2]
    if alert.shift_id is None:
        return None
    property_id = db.session.scalar(
        sa.select(Checkpoint.property_id)
        .join(CheckIn, CheckIn.checkpoint_id == Checkpoint.id)
        .where(CheckIn.shift_id == alert.shift_id, CheckIn.occurred_at <= alert.occurred_at)
        .order_by(CheckIn.occurred_at.desc())
        .limit(1)
    )
    return next((p for p in properties if p.id == property_id), None)


def alarm_view(alert: SosAlert, prop: Property | None) -> dict:
    return {
        "id": alert.id,
        "kind": "sos",
        "status": "acknowledged" if alert.acknowledged_at else "open",
        "occurred_at": alert.occurred_at,
        "received_at": alert.received_at,
        "acknowledged_at": alert.acknowledged_at,
        "property": property_view(prop),
        "updated_at": alert.acknowledged_at or alert.received_at,
    }


def alarm_for(organization_id: int | None, alert: SosAlert) -> dict | None:
    """The alarm as a token of this owner sees it, or None when it is not at their property
    (a token of every owner sees every alarm, with or without a property)."""
    if alert.kind != "sos":
        return None  # the server's lone-worker alarms (timer, silence) stay inside the company
    properties = list(db.session.scalars(sa.select(Property)))
    prop = sos_property(alert, properties)
    if organization_id is not None and (prop is None or prop.organization_id != organization_id):
        return None
    return alarm_view(alert, prop)


ALARM_BATCH = 200


def alarms(
    organization_id: int | None, since: datetime | None, cursor: str | None, limit: int
) -> Page:
    """SOS alerts, owner-scoped by the property each belongs to (decided here, so read in
    batches and filtered until the page is full)."""
    position = decode_cursor(cursor) if cursor else None
    properties = list(db.session.scalars(sa.select(Property)))
    views: list[dict] = []
    while len(views) <= limit:
        batch = list(
            db.session.scalars(
                sa.select(SosAlert)
                # A guard's SOS only: a timer or silence alarm says how a guard works (alone
                # at night, privacy), which is no owner's business.
                .where(SosAlert.kind == "sos")
                .where(after(SOS_UPDATED, SosAlert.id, position, since, uuid.UUID))
                .order_by(SOS_UPDATED, SosAlert.id)
                .limit(ALARM_BATCH)
            )
        )
        for alert in batch:
            prop = sos_property(alert, properties)
            if organization_id is None or (prop and prop.organization_id == organization_id):
                views.append(alarm_view(alert, prop))
        if len(batch) < ALARM_BATCH:
            break
        last = batch[-1]
        position = Position(last.acknowledged_at or last.received_at, str(last.id))
    return paged(views, limit, cursor)
