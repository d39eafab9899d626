"""Writing push messages: who gets told of what, in which words, with which TTL and urgency.

Every function here only ADDS rows to `db.session`: the caller's transaction (the report's,
the SOS's, the dispatch's) commits them together with the event, or not at all. The worker's
`push` drain (`patrol.push.worker`) sends them after commit, through `OUTBOX`: the server's
one outbox (`patrol.outbox`) over the `push_messages` table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import force_locale, gettext
from werkzeug.routing import BuildError

from patrol.auth.models import User
from patrol.auth.roles import GUARD, REVIEWER_ROLES
from patrol.db import db, utcnow
from patrol.labels import CATEGORY_LABELS
from patrol.outbox import Outbox, Policy
from patrol.push.models import PushMessage, PushSubscription
from patrol.reports.models import Report
from patrol.shifts.models import CheckIn, Shift
from patrol.sites.models import Checkpoint, Property


@dataclass(frozen=True)
class Flow:
    ttl_s: int
    urgency: str


# SOS and acute alerts matter now or never: high urgency (wakes a sleeping phone), a short TTL
# (a push service holding an SOS for an hour would deliver stale panic). An extra round is
# still worth knowing about hours later.
FLOWS = {
    "sos": Flow(ttl_s=10 * 60, urgency="high"),
    "sos_ack": Flow(ttl_s=10 * 60, urgency="high"),
    "acute": Flow(ttl_s=30 * 60, urgency="high"),
    "dispatch": Flow(ttl_s=4 * 3600, urgency="normal"),
    # A round not reported (rounds package): worth reading until the morning review.
    "round_unreported": Flow(ttl_s=6 * 3600, urgency="normal"),
    "test": Flow(ttl_s=5 * 60, urgency="normal"),
    # An alarm drill (patrol.drills) is answered now or shows as unanswered: like an SOS.
    "drill": Flow(ttl_s=10 * 60, urgency="high"),
    # The server's alarms for a guard (patrol.alarms): a "Jag är OK" timer that ran out and a
    # silence matter now or never, like an SOS, and say what they are.
    "timer": Flow(ttl_s=10 * 60, urgency="high"),
    "silence": Flow(ttl_s=10 * 60, urgency="high"),
}

# A shift left open longer than this is forgotten, not "on shift" (the longest is 9.5 h).
OPEN_SHIFT_LIMIT = timedelta(hours=16)


# --- recipients -------------------------------------------------------------------------------


def reviewer_ids() -> set[int]:
    """Active supervisors and admins."""
    return set(
        db.session.scalars(sa.select(User.id).where(User.role.in_(REVIEWER_ROLES), User.active))
    )


def open_shifts() -> list[Shift]:
    """Shifts of active guards that are running now."""
    since = utcnow() - OPEN_SHIFT_LIMIT
    return list(
        db.session.scalars(
            sa.select(Shift)
            .join(User, User.id == Shift.guard_id)
            .where(
                Shift.ended_at.is_(None),
                Shift.started_at >= since,
                User.role == GUARD,
                User.active,
            )
        )
    )


def shift_area_id(shift: Shift) -> int | None:
    """Where a guard on shift is: the area of the latest check-in or report of the shift;
    None before the first one (the guard could be anywhere)."""
    checkin = db.session.execute(
        sa.select(Property.area_id, CheckIn.occurred_at)
        .join(Checkpoint, Checkpoint.id == CheckIn.checkpoint_id)
        .join(Property, Property.id == Checkpoint.property_id)
        .where(CheckIn.shift_id == shift.id)
        .order_by(CheckIn.occurred_at.desc())
        .limit(1)
    ).first()
    report = db.session.execute(
        sa.select(Property.area_id, Report.occurred_at)
        .join(Property, Property.id == Report.property_id)
        .where(Report.shift_id == shift.id)
        .order_by(Report.occurred_at.desc())
        .limit(1)
    ).first()
    latest = max((r for r in (checkin, report) if r), key=lambda r: r[1], default=None)
    return latest[0] if latest else None


def guards_on_shift(area_id: int | None = None) -> set[int]:
    """Guards on shift; with an area: those last seen there, and those not seen anywhere yet
    (better one alert too many than a guard walking into an acute scene unaware)."""
    ids = set()
    for shift in open_shifts():
        if area_id is None:
            ids.add(shift.guard_id)
            continue
        where = shift_area_id(shift)
        if where is None or where == area_id:
            ids.add(shift.guard_id)
    return ids


# --- writing messages -------------------------------------------------------------------------


def queue_push(
    user_ids: Iterable[int],
    kind: str,
    render: Callable[[User], dict],
    *,
    exclude: int | None = None,
) -> list[PushMessage]:
    """One PushMessage per subscription of these users. `render(user)` writes the payload and is
    called under the subscription's language (once per language and role). Adds to the
    session; never commits."""
    targets = set(user_ids) - {exclude}
    if not targets:
        return []
    flow = FLOWS[kind]
    subscriptions = db.session.scalars(
        sa.select(PushSubscription)
        .where(PushSubscription.user_id.in_(targets))
        .order_by(PushSubscription.id)
    ).all()
    messages = []
    rendered: dict[tuple[str, bool], dict] = {}
    now = utcnow()
    for sub in subscriptions:
        locale = sub.locale if sub.locale in current_app.config["LANGUAGES"] else "sv"
        key = (locale, sub.user.is_reviewer)
        if key not in rendered:
            with force_locale(locale):
                rendered[key] = {"type": kind, **render(sub.user)}
        message = PushMessage(
            subscription_id=sub.id,
            user_id=sub.user_id,
            kind=kind,
            payload=rendered[key],
            ttl_s=flow.ttl_s,
            urgency=flow.urgency,
            status="pending",
            attempts=0,
            created_at=now,
            next_attempt_at=now,
        )
        db.session.add(message)
        messages.append(message)
    if messages:
        wake_workers()
    return messages


def push_policy() -> Policy:
    """Push gives up after PUSH_MAX_ATTEMPTS, or at each message's TTL (the worker passes it as
    the deadline): a push service would drop it then anyway."""
    config = current_app.config
    return Policy(
        lease=config["PUSH_CLAIM_LEASE"],
        retry_base_s=config["PUSH_RETRY_BASE_S"],
        retry_max_s=config["PUSH_RETRY_MAX_S"],
        max_attempts=config["PUSH_MAX_ATTEMPTS"],
    )


WAKE_CHANNEL = "patrol_push"
OUTBOX = Outbox(PushMessage, channel=WAKE_CHANNEL, policy=push_policy)


def wake_workers() -> None:
    """A listening push drain starts sending at this transaction's commit, not at its next
    poll (a NOTIFY on PostgreSQL)."""
    OUTBOX.wake()


# --- the flows ------------------------------------------------------------------------------


def on_report_created(report: Report) -> None:
    """`report_created` listener: an acute report alerts supervisors, admins and the other
    guards on shift in the same area, in the report's own transaction."""
    if report.level != "acute":
        return
    prop = report.property or db.session.get(Property, report.property_id)
    guard_id = report.shift.guard_id if report.shift else None
    recipients = reviewer_ids() | guards_on_shift(prop.area_id)

    def render(user: User) -> dict:
        category = str(CATEGORY_LABELS.get(report.category, report.category))
        return {
            "title": gettext(
                "Acute event: %(category)s, %(property)s", category=category, property=prop.name
            ),
            "body": (report.description or "")[:200] or prop.address,
            "url": report_link(report) if user.is_reviewer else "/",
            "tag": f"acute-{report.id}",
            "id": str(report.id),
        }

    queue_push(recipients, "acute", render, exclude=guard_id)


def report_link(report: Report) -> str:
    """The supervisor's page of the report (review package), or the alert page's entry."""
    try:
        return url_for("review.report", report_id=report.id)
    except BuildError:
        return url_for("push.alerts_page") + f"#report-{report.id}"


def position_text(lat, lon, accuracy_m) -> str:
    if lat is None:
        return gettext("No position.")
    text = gettext("Position: %(lat).5f, %(lon).5f", lat=lat, lon=lon)
    if accuracy_m is not None:
        text += " " + gettext("(within %(metres)d m)", metres=round(accuracy_m))
    return text


def queue_sos(alert) -> None:
    """An SOS goes to supervisors, admins and every other guard on shift."""
    guard = alert.guard or db.session.get(User, alert.guard_id)
    recipients = reviewer_ids() | guards_on_shift()

    def render(user: User) -> dict:
        return {
            "title": gettext("SOS: %(name)s needs help", name=guard.display_name),
            "body": position_text(alert.lat, alert.lon, alert.accuracy_m),
            "url": (url_for("push.alerts_page") if user.is_reviewer else "/") + f"#sos-{alert.id}",
            "tag": f"sos-{alert.id}",
            "id": str(alert.id),
            "lat": alert.lat,
            "lon": alert.lon,
        }

    queue_push(recipients, "sos", render, exclude=alert.guard_id)


def supervisor_messages_for_sos(alert) -> int:
    """How many of the SOS's push messages went to supervisors' and admins' devices: zero
    means nobody who can acknowledge it was notified (no push set up), which the guard's phone
    must say rather than claim the supervisor was alerted."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(PushMessage)
        .join(User, User.id == PushMessage.user_id)
        .where(
            PushMessage.kind == "sos",
            PushMessage.payload["id"].as_string() == str(alert.id),
            User.role.in_(REVIEWER_ROLES),
        )
    )


def queue_sos_acknowledged(alert, by: User) -> None:
    """Tell the guard that someone has seen the SOS."""

    def render(_user: User) -> dict:
        return {
            "title": gettext("Your SOS was received"),
            "body": gettext("%(name)s has seen your alarm.", name=by.display_name),
            "by": by.display_name,
            "url": "/" + f"#sos-{alert.id}",
            "tag": f"sos-{alert.id}",
            "id": str(alert.id),
        }

    queue_push({alert.guard_id}, "sos_ack", render)


def queue_dispatch(dispatch) -> None:
    """An extra round goes to the guards it names."""
    prop = dispatch.property or db.session.get(Property, dispatch.property_id)

    def render(_user: User) -> dict:
        return {
            "title": gettext("Extra round: %(property)s", property=prop.name),
            "body": (dispatch.message or "")[:200] or prop.address,
            "url": "/" + f"#dispatch-{dispatch.id}",
            "tag": f"dispatch-{dispatch.id}",
            "id": str(dispatch.id),
        }

    queue_push(set(dispatch.guard_ids), "dispatch", render, exclude=dispatch.created_by_id)
