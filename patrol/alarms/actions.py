"""The server's lone-worker rules (alone at night, points 1-4), run by the worker once a minute
(they read and write the database: actions, in the package convention).

- Silence: an open shift not heard from (any record, a heartbeat) for its area's silence
  minutes raises a silence alarm; an "Utan täckning" window makes it wait until the window's
  end, and when the window ends with nothing heard since it began, the alarm goes at once.
  The alarm ends by itself when the phone is heard again (ended_at; both times stay).
- Timers: a "Jag är OK" timer past its due time, not stopped, raises a timer alarm like an SOS,
  with the last position the phone sent with it.
- Escalation: an SOS, timer or silence alarm not acknowledged within its area's time goes to
  every supervisor and admin by push and mail (escalated_at); as long again without
  acknowledgement, to the alarm receiver by signed webhook (receiver_at).

Every alarm is an SOS alert row of its kind (patrol.push.models.SosAlert): one lifecycle.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import force_locale, gettext
from sqlalchemy.exc import IntegrityError

from patrol.alarms.models import CheckinTimer, NoCoverage
from patrol.auth.models import User
from patrol.auth.roles import REVIEWER_ROLES
from patrol.db import db, utcnow
from patrol.mail.rules import queue_mail
from patrol.nights import ZONE, local_time, night_of
from patrol.push.models import SosAlert
from patrol.push.queue import (
    OPEN_SHIFT_LIMIT,
    guards_on_shift,
    position_text,
    queue_push,
    reviewer_ids,
)
from patrol.schedule.models import JobRun
from patrol.schedule.rules import Job
from patrol.shifts.models import CheckIn, Shift
from patrol.sites.models import Area, Checkpoint, Property, alarm_minutes
from patrol.webhooks.deliveries import enqueue

# Anything received within this of a window's own record belongs to sending it, not to a sign
# of life from inside the window.
WINDOW_SLACK = timedelta(seconds=30)
WRITE_METHODS = {"PUT", "POST", "DELETE", "PATCH"}
# Looks at the silence rule per pass: a second look sees the other pass's alarm, committed.
SILENCE_ATTEMPTS = 3


# --- heard ---------------------------------------------------------------------------------------


def mark_heard(guard_id: int, now: datetime | None = None) -> None:
    """The guard's phone was heard: every open shift of theirs counts it (committed)."""
    now = now or utcnow()
    db.session.execute(
        sa.update(Shift)
        .where(
            Shift.guard_id == guard_id,
            Shift.ended_at.is_(None),
            Shift.started_at >= now - OPEN_SHIFT_LIMIT,
        )
        .values(last_heard_at=now)
    )
    db.session.commit()


# The UPDATE that marks a guard's open shifts heard, built once with bound parameters.
HEARD = (
    sa.update(Shift)
    .where(
        Shift.guard_id == sa.bindparam("heard_guard_id"),
        Shift.ended_at.is_(None),
        Shift.started_at >= sa.bindparam("since"),
    )
    .values(last_heard_at=sa.bindparam("heard_at"))
)


def heard_guard_id() -> int | None:
    """The user whose phone this request counts as heard: a write under /api/v1/ by a user
    the request already loaded (never an anonymous request or an API token); else None."""
    from flask import g, request

    if request.method not in WRITE_METHODS or not request.path.startswith("/api/v1/"):
        return None
    user = g.get("_login_user")
    state = sa.inspect(user, raiseerr=False) if user is not None else None
    identity = state.identity if state is not None else None
    return identity[0] if identity else None


def heard_params(guard_id: int) -> dict:
    now = utcnow()
    return {"heard_guard_id": guard_id, "since": now - OPEN_SHIFT_LIMIT, "heard_at": now}


def heard_in_commit(session) -> None:
    """`before_commit` of every session: a request's own commit carries the sign of life, so a
    record costs one durable commit, not two (the mark used to be a transaction of its own
    after every write). Flushed first, so a shift ended in this commit is not marked, as
    before. `heard_after_request` writes the mark alone only when no commit carried it (a
    refused record, a record sent again)."""
    from flask import g, has_request_context

    if not has_request_context() or g.get("phone_heard"):
        return
    guard_id = heard_guard_id()
    if guard_id is None:
        return
    session.flush()
    session.connection().execute(HEARD, heard_params(guard_id))
    g.phone_heard_pending = True


def heard_committed(_session) -> None:
    """`after_commit`: the mark written in `heard_in_commit` is durable now."""
    from flask import g, has_request_context

    if has_request_context() and g.pop("phone_heard_pending", False):
        g.phone_heard = True


def heard_after_request(response):
    """`after_request`: any record a guard's phone sends (a write under /api/v1/) counts as a
    sign of life, whatever the answer, unless the server itself failed. Usually the request's
    own commit carried the mark (`heard_in_commit`); otherwise it is written here.

    Written on a connection of its own, never through the request's session (which a view may
    have left needing a rollback), and only for a user the request already loaded."""
    from flask import g

    if g.get("phone_heard") or response.status_code >= 500:
        return response
    try:
        guard_id = heard_guard_id()
        if guard_id is None:
            return response  # anonymous, or a token: no guard's phone
        with db.engine.begin() as connection:
            connection.execute(HEARD, heard_params(guard_id))
    except Exception:  # a sign of life is never worth failing the guard's record for
        current_app.logger.exception("could not mark the phone heard")
    return response


def last_heard(shift: Shift) -> datetime:
    return max(t for t in (shift.last_heard_at, shift.received_at) if t is not None)


def answer_alarm(alarm_id: uuid.UUID, at: datetime) -> None:
    """A late "Jag är OK": shown on the alarm ("Väktaren svarade 02:14"); it stays open."""
    alarm = db.session.get(SosAlert, alarm_id)
    if alarm is not None and alarm.answered_at is None:
        alarm.answered_at = at


# --- the rules ---------------------------------------------------------------------------------


def open_shifts(now: datetime) -> list[Shift]:
    return list(
        db.session.scalars(
            sa.select(Shift).where(
                Shift.ended_at.is_(None), Shift.started_at >= now - OPEN_SHIFT_LIMIT
            )
        )
    )


def silence_deadline(shift: Shift, heard: datetime) -> datetime:
    """When the silence alarm goes for this shift, given when it was last heard."""
    limit = timedelta(minutes=alarm_minutes(shift.area, "silence_minutes"))
    window = db.session.scalar(
        sa.select(NoCoverage)
        .where(NoCoverage.shift_id == shift.id, NoCoverage.ended_at.is_(None))
        .order_by(NoCoverage.received_at.desc())
        .limit(1)
    )
    if window is None or window.ends_at + limit <= heard:
        return heard + limit
    if heard <= window.received_at + WINDOW_SLACK:
        return window.ends_at  # nothing since the guard went in: the alarm goes at its end
    return max(heard + limit, window.ends_at)


def last_checkin_place(shift: Shift) -> str | None:
    return db.session.scalar(
        sa.select(Property.name)
        .join(Checkpoint, Checkpoint.property_id == Property.id)
        .join(CheckIn, CheckIn.checkpoint_id == Checkpoint.id)
        .where(CheckIn.shift_id == shift.id)
        .order_by(CheckIn.occurred_at.desc())
        .limit(1)
    )


def check_silence(now: datetime) -> tuple[int, int]:
    """Raise silence alarms that are due and end those whose phone was heard; (raised, ended).

    One silence of a shift raises one alarm, whoever runs the rules: the database holds it
    (`uq_sos_alerts_open_silence`: at most one silence alarm per shift that has not ended). Two
    passes at once (two hosts, a pass that overran its minute) may both see no alarm yet; the
    second one's insert then fails, its transaction is rolled back (its pushes with it) and it
    looks again, finding the alarm the first one raised."""
    attempt = 1
    while True:
        try:
            return _check_silence(now)
        except IntegrityError:
            db.session.rollback()
            if attempt >= SILENCE_ATTEMPTS:
                raise
            attempt += 1


def _check_silence(now: datetime) -> tuple[int, int]:
    raised = ended = 0
    for shift in open_shifts(now):
        heard = last_heard(shift)
        for alarm in db.session.scalars(
            sa.select(SosAlert).where(
                SosAlert.shift_id == shift.id,
                SosAlert.kind == "silence",
                SosAlert.ended_at.is_(None),
            )
        ):
            if heard > alarm.occurred_at:
                alarm.ended_at = heard
                ended += 1
        deadline = silence_deadline(shift, heard)
        if deadline > now:
            continue
        already = db.session.scalar(
            sa.select(SosAlert.id).where(
                SosAlert.shift_id == shift.id,
                SosAlert.kind == "silence",
                SosAlert.occurred_at >= heard,
            )
        )
        if already is not None:
            continue
        raise_silence(shift, heard, deadline, now)
        raised += 1
    db.session.commit()
    return raised, ended


def raise_silence(shift: Shift, heard: datetime, deadline: datetime, now: datetime) -> SosAlert:
    guard = db.session.get(User, shift.guard_id)
    minutes = round((deadline - heard).total_seconds() / 60)
    place = last_checkin_place(shift)
    if place:
        detail = gettext(
            "last heard %(heard)s, last check-in %(place)s", heard=local_time(heard), place=place
        )
    else:
        detail = gettext("last heard %(heard)s, no check-in yet", heard=local_time(heard))
    text = gettext(
        "Silent for %(n)d min: %(name)s (%(detail)s)",
        n=minutes,
        name=guard.display_name,
        detail=detail,
    )
    alarm = SosAlert(
        id=uuid.uuid4(),
        guard_id=shift.guard_id,
        shift_id=shift.id,
        kind="silence",
        occurred_at=deadline,
        received_at=now,
        note=text,
    )
    db.session.add(alarm)
    db.session.flush()
    # The same recipients as an acute alert: supervisors, admins, the guards on shift there.
    recipients = reviewer_ids() | guards_on_shift(shift.area_id)
    queue_push(
        recipients, "silence", lambda user: alarm_payload(alarm, user, text), exclude=guard.id
    )
    return alarm


def check_timers(now: datetime) -> int:
    """Timers past their due time, not stopped, without an alarm yet: raise one each."""
    raised = 0
    for timer in db.session.scalars(
        sa.select(CheckinTimer)
        .where(
            CheckinTimer.stopped_at.is_(None),
            CheckinTimer.alarm_id.is_(None),
            CheckinTimer.due_at <= now,
        )
        .with_for_update()
    ):
        guard = db.session.get(User, timer.guard_id)
        text = gettext(
            'The "I am OK" timer ran out: %(name)s (%(task)s)',
            name=guard.display_name,
            task=timer.task,
        )
        alarm = SosAlert(
            id=uuid.uuid4(),
            guard_id=timer.guard_id,
            shift_id=timer.shift_id,
            kind="timer",
            occurred_at=timer.due_at,
            received_at=now,
            lat=timer.lat,
            lon=timer.lon,
            accuracy_m=timer.accuracy_m,
            note=text,
        )
        db.session.add(alarm)
        db.session.flush()
        timer.alarm_id = alarm.id
        recipients = reviewer_ids() | guards_on_shift()
        queue_push(
            recipients,
            "timer",
            lambda user, a=alarm, t=text: alarm_payload(a, user, t),
            exclude=guard.id,
        )
        raised += 1
    db.session.commit()
    return raised


def escalation_minutes(alarm: SosAlert) -> int:
    shift = db.session.get(Shift, alarm.shift_id) if alarm.shift_id else None
    area = shift.area if shift is not None else None
    name = "silence_escalation_minutes" if alarm.kind == "silence" else "sos_escalation_minutes"
    return alarm_minutes(area, name)


def check_escalation(now: datetime) -> tuple[int, int]:
    """Escalate open alarms past their area's time: (to supervisors, to the receiver)."""
    told = sent = 0
    for alarm in db.session.scalars(
        sa.select(SosAlert)
        .where(
            SosAlert.acknowledged_at.is_(None),
            SosAlert.ended_at.is_(None),
            SosAlert.receiver_at.is_(None),
        )
        .order_by(SosAlert.received_at)
        .with_for_update()
    ):
        step = timedelta(minutes=escalation_minutes(alarm))
        if alarm.escalated_at is None:
            if now >= alarm.received_at + step:
                escalate_to_supervisors(alarm, now)
                told += 1
        elif now >= alarm.escalated_at + step:
            url = current_app.config.get("ALARM_WEBHOOK_URL")
            if url:
                enqueue("alarm", url, "alarm.escalated", receiver_payload(alarm), occurred_at=now)
                alarm.receiver_at = now
                sent += 1
    db.session.commit()
    return told, sent


def alarm_title(alarm: SosAlert, guard: User) -> str:
    if alarm.kind == "silence":
        return gettext("Silence alarm: %(name)s", name=guard.display_name)
    if alarm.kind == "timer":
        return gettext('"I am OK" timer ran out: %(name)s', name=guard.display_name)
    return gettext("SOS: %(name)s needs help", name=guard.display_name)


def escalate_to_supervisors(alarm: SosAlert, now: datetime) -> None:
    alarm.escalated_at = now
    guard = db.session.get(User, alarm.guard_id)
    title = gettext("Not acknowledged: %(title)s", title=alarm_title(alarm, guard))
    body = alarm.note or position_text(alarm.lat, alarm.lon, alarm.accuracy_m)
    # The push kind is the alarm's (sos, timer, silence: patrol.push.queue.FLOWS).
    queue_push(reviewer_ids(), alarm.kind, lambda user: alarm_payload(alarm, user, body, title))
    supervisors = db.session.scalars(
        sa.select(User).where(User.role.in_(REVIEWER_ROLES), User.active, User.email.is_not(None))
    ).all()
    addresses = sorted({u.email for u in supervisors if u.email})
    if addresses:
        link = alarms_link()
        text = "\n".join(
            [
                title,
                "",
                body,
                position_text(alarm.lat, alarm.lon, alarm.accuracy_m),
                gettext("Raised %(time)s", time=local_time(alarm.received_at, "HH:mm:ss")),
                "",
                gettext("Acknowledge it on the alert board: %(link)s", link=link),
            ]
        )
        queue_mail("alarm_escalation", addresses, title, text)


def alarms_link() -> str:
    base = (current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    try:
        return base + url_for("push.alerts_page")
    except RuntimeError:
        return base + "/push/alerts"


def alarm_payload(alarm: SosAlert, user: User, body: str, title: str | None = None) -> dict:
    guard = alarm.guard or db.session.get(User, alarm.guard_id)
    try:
        url = (url_for("push.alerts_page") if user.is_reviewer else "/") + f"#sos-{alarm.id}"
    except RuntimeError:
        url = ("/push/alerts" if user.is_reviewer else "/") + f"#sos-{alarm.id}"
    return {
        "title": title or alarm_title(alarm, guard),
        "body": body[:200],
        "url": url,
        "tag": f"sos-{alarm.id}",
        "id": str(alarm.id),
        "alarm": alarm.kind,
        "lat": alarm.lat,
        "lon": alarm.lon,
    }


def receiver_payload(alarm: SosAlert) -> dict:
    """What the alarm receiver gets: enough to act on without logging in."""
    guard = alarm.guard or db.session.get(User, alarm.guard_id)
    shift = db.session.get(Shift, alarm.shift_id) if alarm.shift_id else None
    area = db.session.get(Area, shift.area_id) if shift and shift.area_id else None
    return {
        "alarm_id": str(alarm.id),
        "kind": alarm.kind,
        "guard": guard.display_name,
        "area": area.name if area else None,
        "duty_phone": (area.duty_phone if area else None)
        or current_app.config.get("DUTY_PHONE")
        or None,
        "occurred_at": alarm.occurred_at,
        "raised_at": alarm.received_at,
        "escalated_at": alarm.escalated_at,
        "text": alarm.note,
        "lat": alarm.lat,
        "lon": alarm.lon,
        "accuracy_m": alarm.accuracy_m,
        "last_heard_at": last_heard(shift) if shift else None,
    }


def alarm_secret(_delivery) -> str | None:
    return current_app.config.get("ALARM_WEBHOOK_SECRET") or None


# --- the job -------------------------------------------------------------------------------------


def check_alarms(now: datetime | None = None) -> str:
    """One pass of every rule (the worker's job once a minute; tests call it with a set clock)."""
    now = now or utcnow()
    # The texts stored on alarms and mailed are in the default language (push messages are
    # written in each device's own).
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        raised, ended = check_silence(now)
        timers = check_timers(now)
        told, sent = check_escalation(now)
    return (
        f"silence raised {raised} ended {ended}; timers {timers}; escalated {told}; receiver {sent}"
    )


def _night_start(night: date) -> datetime:
    return datetime.combine(night, time(12, 0), tzinfo=ZONE)


def _minute_key(night: date) -> list[str]:
    """This minute, once, for tonight only: the job's claim makes it run once across hosts."""
    now = utcnow()
    if night_of(now) != night:
        return []
    return [now.strftime("%Y-%m-%dT%H:%MZ")]


# The job's claims (one job_runs row a minute) are kept this many nights, then deleted.
KEEP_RUNS_NIGHTS = 3


def run_alarms_job(night: date, _key: str) -> str:
    outcome = check_alarms()
    db.session.execute(
        sa.delete(JobRun).where(
            JobRun.job == "alarms", JobRun.night < night - timedelta(days=KEEP_RUNS_NIGHTS)
        )
    )
    db.session.commit()
    return outcome


ALARMS_JOB = Job(
    name="alarms",
    due_at=_night_start,
    run=run_alarms_job,
    keys=_minute_key,
    look_back_nights=0,
)
