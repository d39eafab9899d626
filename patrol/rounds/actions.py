"""The "ej rapporterad" alert: a scheduled job with one key per expected round.

When a round's window has closed (tolerance included) and nothing at all was reported for it
(no check-in, no skip), supervisors and admins get a push message through the push outbox.
It may well have been walked offline: the figures are recomputed whenever late records arrive;
the alert only says that the server has heard nothing. The job row claimed per (night, round)
makes it fire once, across every worker host, and a worker that was down catches up.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import gettext

from patrol.audit import compared, created, labelled, write_audit
from patrol.auth.models import User
from patrol.db import db, utcnow
from patrol.nights import night_of
from patrol.push.queue import queue_push, reviewer_ids
from patrol.rounds.models import Route
from patrol.rounds.queries import load_plans, load_visits
from patrol.rounds.rules import (
    expected_rounds,
    local_hhmm,
    plan_in_force,
    route_night,
    wall_instant,
)
from patrol.schedule.rules import Job

JOB_NAME = "round_unreported"


def rounds_of(night: date):
    plans = load_plans()
    return [
        r
        for versions in plans.values()
        for r in expected_rounds(plan_in_force(versions, night), night)
    ]


def first_close(night: date) -> datetime | None:
    """The job is due for a night once its first round has closed."""
    closes = [r.closes for r in rounds_of(night)]
    return min(closes) if closes else None


def closed_round_keys(night: date) -> list[str]:
    """One key per round whose window has closed by now; later rounds get their turn later."""
    now = utcnow()
    return [r.key for r in rounds_of(night) if r.closes <= now]


def alert_if_unreported(night: date, key: str) -> str:
    route_id, index = (int(part) for part in key.split(":"))
    route = db.session.get(Route, route_id)
    if route is None:
        return "route gone"
    plans = load_plans([route_id]).get(route_id, [])
    plan = plan_in_force(plans, night)
    wanted = plan.checkpoint_ids if plan else ()
    visits = load_visits(night, night, wanted).get(night, [])
    outcome = route_night(plans, night, visits, utcnow())
    found = next((r for r in outcome.rounds if r.round.index == index), None)
    if found is None:
        return "round no longer planned"
    if found.reported:
        return f"reported ({found.done} of {len(found.checkpoints)})"

    def render(_user: User) -> dict:
        return {
            "title": gettext(
                "Round %(index)d of %(route)s not reported", index=index, route=route.name
            ),
            "body": gettext(
                "Its window %(opens)s–%(closes)s closed with nothing reported. "
                "It may have been walked offline.",
                opens=local_hhmm(found.round.opens),
                closes=local_hhmm(found.round.due),
            ),
            "url": f"/review/nights/{night.isoformat()}#route-{route_id}",
            "tag": f"round-{night.isoformat()}-{key}",
            "id": f"{night.isoformat()}:{key}",
        }

    messages = queue_push(reviewer_ids(), JOB_NAME, render)
    return f"unreported: {len(messages)} push messages queued"


UNREPORTED_JOB = Job(
    name=JOB_NAME,
    due_at=first_close,
    run=alert_if_unreported,
    keys=closed_round_keys,
    look_back_nights=2,
)


# --- saving a plan (the admin's route editor) -------------------------------------------------


def earliest_valid_from(
    route_id: int | None, now: datetime, window_start: time | None = None
) -> date:
    """The first night a new plan version may start: tonight while none of tonight's rounds of
    the plan in force has opened, else tomorrow. So no night that has begun is ever
    re-planned, and its compliance stays measured against the plan it started with. With
    `window_start` (the new plan's own), also tomorrow once that time has passed tonight: the
    editor's default must be a night the save accepts."""
    tonight = night_of(now)
    if route_id is not None:
        plan = plan_in_force(load_plans([route_id]).get(route_id, []), tonight)
        if any(r.opens <= now for r in expected_rounds(plan, tonight)):
            return tonight + timedelta(days=1)
    if window_start is not None and wall_instant(tonight, window_start) <= now:
        return tonight + timedelta(days=1)
    return tonight


def route_values(route: Route) -> dict:
    """A route and its newest plan version as the audit keeps them: every value, defaults
    included, the area and the stops by name beside their ids."""
    from patrol.sites.models import Area, Checkpoint

    area = db.session.get(Area, route.area_id)
    values = {
        "name": route.name,
        "area": labelled(area.name if area else None, route.area_id),
        "expected_minutes": route.expected_minutes,
        "active": route.active,
    }
    schedule = route.schedules[-1] if route.schedules else None
    if schedule is None:
        return values
    stops = []
    for stop in schedule.checkpoints:
        point = db.session.get(Checkpoint, stop.checkpoint_id)
        name = f"{point.label} ({point.short_code})" if point else None
        text = labelled(name, stop.checkpoint_id)
        stops.append(f"{text}: {stop.instructions}" if stop.instructions else text)
    return values | {
        "valid_from": schedule.valid_from,
        "weekdays": sorted(schedule.weekdays),
        "window_start": schedule.window_start,
        "window_end": schedule.window_end,
        "rounds_per_night": schedule.rounds_per_night,
        "interval_minutes": schedule.interval_minutes,
        "tolerance_minutes": schedule.tolerance_minutes,
        "stops": stops,
    }


def save_plan(route: Route | None, area_id: int, values: dict, by_user_id: int) -> Route:
    """Create the route or update its name, minutes and active flag, and write the plan
    version valid from `values["valid_from"]` (replacing a version for that same night,
    which has not begun). Commits, with its audit event in the same transaction: "create"
    for a new route, "pause" or "resume" when its active flag changes, else "plan" (a new
    plan version), each with every value before and after."""
    import sqlalchemy as sa

    from patrol.rounds.models import RouteCheckpoint, Schedule

    before = route_values(route) if route is not None else None
    if route is None:
        route = Route(area_id=area_id)
        db.session.add(route)
    route.name = values["name"]
    route.expected_minutes = values["expected_minutes"]
    route.active = values["active"]
    db.session.flush()
    same_night = db.session.scalar(
        sa.select(Schedule).where(
            Schedule.route_id == route.id, Schedule.valid_from == values["valid_from"]
        )
    )
    if same_night is not None:
        for stop in same_night.checkpoints:
            db.session.delete(stop)
        db.session.delete(same_night)
        db.session.flush()
    schedule = Schedule(
        route_id=route.id,
        valid_from=values["valid_from"],
        weekdays=values["weekdays"],
        window_start=values["window_start"],
        window_end=values["window_end"],
        rounds_per_night=values["rounds_per_night"],
        interval_minutes=values["interval_minutes"],
        tolerance_minutes=values["tolerance_minutes"],
        active=values["active"],
        created_by_id=by_user_id,
    )
    schedule.checkpoints = [
        RouteCheckpoint(position=i, checkpoint_id=cp, instructions=text or None)
        for i, (cp, text) in enumerate(values["stops"], start=1)
    ]
    db.session.add(schedule)
    db.session.flush()
    db.session.expire(route, ["schedules"])
    after = route_values(route)
    if before is None:
        action, changes = "create", created(after)
    else:
        action = "plan"
        if before["active"] and not after["active"]:
            action = "pause"
        elif not before["active"] and after["active"]:
            action = "resume"
        changes = compared(before, after)
    write_audit(action, "route", route.id, route.name, changes)
    db.session.commit()
    return route
