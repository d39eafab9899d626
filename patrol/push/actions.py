"""What the push routes do: save a device's subscription, create and present extra rounds,
acknowledge an SOS. Shared by the JSON API and the supervisor's page."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext
from flask_login import current_user

from patrol.auth.models import User
from patrol.auth.roles import GUARD
from patrol.db import db, utcnow
from patrol.errors import ApiError, field_error
from patrol.push import queue
from patrol.push.models import Dispatch, PushSubscription, SosAlert
from patrol.signals import sos_acknowledged
from patrol.sites.models import Property
from patrol.status import Probe
from patrol.sync import put_record

# How long an extra round stays on the guards' lists.
DISPATCH_WINDOW = timedelta(hours=16)


# --- subscriptions --------------------------------------------------------------------------


def save_subscription(
    data: dict, locale: str, user_agent: str | None
) -> tuple[PushSubscription, int]:
    """Create (201) or take over (200) the subscription of this device's endpoint.

    Two racing first subscriptions of one endpoint: the loser's insert fails on the unique
    endpoint, and one more try finds and updates the winner's row. A second failure is not a
    race any more: it answers 409 instead of trying for ever."""
    try:
        return _upsert_subscription(data, locale, user_agent)
    except sa.exc.IntegrityError:
        db.session.rollback()
    try:
        return _upsert_subscription(data, locale, user_agent)
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise ApiError(
            409, gettext("This device's subscription could not be saved. Try again.")
        ) from None


def _upsert_subscription(data: dict, locale: str, user_agent: str | None):
    sub = db.session.scalar(
        sa.select(PushSubscription).where(PushSubscription.endpoint == data["endpoint"])
    )
    status = 200
    if sub is None:
        sub = PushSubscription(endpoint=data["endpoint"])
        db.session.add(sub)
        status = 201
    # The same device again (fresh keys after pushsubscriptionchange, another user logged in):
    # one subscription per device, owned by whoever subscribed last.
    sub.user_id = current_user.id
    sub.p256dh = data["keys"]["p256dh"]
    sub.auth = data["keys"]["auth"]
    sub.locale = locale
    sub.user_agent = user_agent
    db.session.commit()
    return sub, status


# --- extra rounds ---------------------------------------------------------------------------


def dispatch_view(dispatch: Dispatch, only_guard: int | None = None) -> dict:
    """An extra round as the API and the alerts page show it: each guard's answers."""
    guards = {
        u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(dispatch.guard_ids)))
    }
    state: dict[int, dict] = {}
    for response in dispatch.responses:
        state.setdefault(response.guard_id, {})[response.action] = response.occurred_at
    rows = []
    for guard_id in dispatch.guard_ids:
        if only_guard is not None and guard_id != only_guard:
            continue
        rows.append(
            {
                "guard_id": guard_id,
                "name": guards[guard_id].display_name if guard_id in guards else "?",
                "acknowledged_at": state.get(guard_id, {}).get("acknowledged"),
                "completed_at": state.get(guard_id, {}).get("completed"),
            }
        )
    return {
        "id": dispatch.id,
        "property_id": dispatch.property_id,
        "property_name": dispatch.property.name,
        "address": dispatch.property.address,
        "message": dispatch.message,
        "created_at": dispatch.created_at,
        "created_by": dispatch.created_by.display_name,
        "guards": rows,
    }


def active_guard_ids(ids: list[int]) -> list[int]:
    found = set(
        db.session.scalars(
            sa.select(User.id).where(User.id.in_(ids), User.role == GUARD, User.active)
        )
    )
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise field_error("guard_ids", gettext("Not an active guard: %(ids)s", ids=unknown))
    return sorted(found)


def active_guards() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(User.role == GUARD, User.active).order_by(User.display_name)
        )
    )


def create_dispatch(dispatch_id: uuid.UUID, data: dict) -> tuple[Dispatch, int]:
    """Create (or confirm) an extra round and queue its push messages in the same
    transaction. Shared by the API and the supervisor's page."""
    prop = db.session.get(Property, data["property_id"])
    if prop is None:
        raise field_error("property_id", gettext("Unknown property."))
    chosen = data.get("guard_ids") or []
    guard_ids = active_guard_ids(chosen) if chosen else sorted(queue.guards_on_shift())
    if not guard_ids:
        raise field_error(
            "guard_ids", gettext("No guard is on shift now. Choose the guards to send.")
        )
    message = (data.get("message") or "").strip()
    wanted = {"property_id": prop.id, "message": message}
    if chosen:
        wanted["guard_ids"] = frozenset(guard_ids)

    def content(row: Dispatch) -> dict:
        got = {"property_id": row.property_id, "message": row.message}
        if chosen:
            got["guard_ids"] = frozenset(row.guard_ids)
        return got

    return put_record(
        Dispatch,
        dispatch_id,
        {
            "created_by_id": current_user.id,
            "property_id": prop.id,
            "message": message,
            "guard_ids": guard_ids,
        },
        owner_id=lambda r: r.created_by_id,
        content=content,
        wanted=wanted,
        on_create=queue.queue_dispatch,
    )


def recent_dispatches() -> list[Dispatch]:
    since = utcnow() - DISPATCH_WINDOW
    return list(
        db.session.scalars(
            sa.select(Dispatch).where(Dispatch.created_at >= since).order_by(Dispatch.created_at)
        )
    )


# --- SOS ------------------------------------------------------------------------------------


def open_sos_alerts() -> list[SosAlert]:
    """SOS alerts nobody has acknowledged yet, newest first (for the Natten page's top)."""
    return list(
        db.session.scalars(
            sa.select(SosAlert)
            .where(SosAlert.acknowledged_at.is_(None), SosAlert.ended_at.is_(None))
            .order_by(SosAlert.received_at.desc())
        )
    )


def acknowledge_sos(sos_id: uuid.UUID) -> SosAlert:
    """Mark an SOS as seen (once; later calls change nothing) and tell the guard."""
    alert = db.session.scalar(sa.select(SosAlert).where(SosAlert.id == sos_id).with_for_update())
    if alert is None:
        raise ApiError(404)
    if alert.acknowledged_at is None:
        alert.acknowledged_at = utcnow()
        alert.acknowledged_by_id = current_user.id
        db.session.flush()
        queue.queue_sos_acknowledged(alert, current_user)
        sos_acknowledged.send(alert, by=current_user._get_current_object())
    db.session.commit()
    return alert


def alarms_probe() -> Probe:
    """How many SOS alerts nobody has acknowledged, for /metrics and /readyz (an open alarm is
    not a fault of the machinery, so the probe is always ok)."""
    open_alarms = db.session.scalar(
        sa.select(sa.func.count()).where(
            SosAlert.acknowledged_at.is_(None), SosAlert.ended_at.is_(None)
        )
    )
    db.session.rollback()
    return Probe(ok=True, details={"open": open_alarms}, blocking=False)
