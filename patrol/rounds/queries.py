"""Planned rounds from the database: loads what the pure rules (patrol.rounds.rules) need in a
fixed number of queries, independent of the number of nights, routes and checkpoints, for the
review pages, the exports and the scheduled "ej rapporterad" alert."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from patrol.rounds.rules import (
    OUTCOMES,
    ROUND_STATUSES,
    Anomaly,
    CheckInFact,
    Plan,
    RouteNight,
    Visit,
    compliance_for,
    expected_rounds,
    find_anomalies,
    plan_in_force,
)

# --- from the database --------------------------------------------------------------------------


def plan_of(schedule) -> Plan:
    """A `Schedule` row (with its checkpoints loaded) as the rules see it."""
    return Plan(
        route_id=schedule.route_id,
        valid_from=schedule.valid_from,
        weekdays=frozenset(schedule.weekdays),
        window_start=schedule.window_start,
        window_end=schedule.window_end,
        rounds_per_night=schedule.rounds_per_night,
        interval_minutes=schedule.interval_minutes,
        tolerance_minutes=schedule.tolerance_minutes,
        checkpoint_ids=tuple(rc.checkpoint_id for rc in schedule.checkpoints),
        active=schedule.active,
    )


def load_plans(route_ids: Iterable[int] | None = None) -> dict[int, list[Plan]]:
    """Every plan version by route: two plain column queries (no ORM objects), whatever the
    number of routes and checkpoints."""
    import sqlalchemy as sa

    from patrol.db import db
    from patrol.rounds.models import RouteCheckpoint, Schedule

    schedules = sa.select(
        Schedule.id,
        Schedule.route_id,
        Schedule.valid_from,
        Schedule.weekdays,
        Schedule.window_start,
        Schedule.window_end,
        Schedule.rounds_per_night,
        Schedule.interval_minutes,
        Schedule.tolerance_minutes,
        Schedule.active,
    )
    stops = sa.select(RouteCheckpoint.schedule_id, RouteCheckpoint.checkpoint_id).join(
        Schedule, Schedule.id == RouteCheckpoint.schedule_id
    )
    if route_ids is not None:
        wanted = list(route_ids)
        schedules = schedules.where(Schedule.route_id.in_(wanted))
        stops = stops.where(Schedule.route_id.in_(wanted))
    rows = db.session.execute(schedules.order_by(Schedule.valid_from)).all()
    if not rows:
        return {}  # no plans at all: one query, so pages without rounds pay next to nothing
    checkpoints: dict[int, list[int]] = defaultdict(list)
    for schedule_id, checkpoint_id in db.session.execute(
        stops.order_by(RouteCheckpoint.schedule_id, RouteCheckpoint.position)
    ):
        checkpoints[schedule_id].append(checkpoint_id)
    plans: dict[int, list[Plan]] = defaultdict(list)
    for row in rows:
        plans[row.route_id].append(
            Plan(
                route_id=row.route_id,
                valid_from=row.valid_from,
                weekdays=frozenset(row.weekdays),
                window_start=row.window_start,
                window_end=row.window_end,
                rounds_per_night=row.rounds_per_night,
                interval_minutes=row.interval_minutes,
                tolerance_minutes=row.tolerance_minutes,
                checkpoint_ids=tuple(checkpoints.get(row.id, ())),
                active=row.active,
            )
        )
    return dict(plans)


def load_visits(first: date, last: date, checkpoint_ids: Iterable[int] | None = None):
    """Check-ins and skips of the shifts of nights first..last, by night (two queries)."""
    import sqlalchemy as sa

    from patrol.db import db
    from patrol.rounds.models import RoundSkip
    from patrol.shifts.models import CheckIn, Shift

    by_night: dict[date, list[Visit]] = defaultdict(list)
    wanted = None if checkpoint_ids is None else list(set(checkpoint_ids))
    # Record ids are not read: turning thousands of them into UUIDs would cost more than the
    # rest of the query, and no page needs them.
    checkins = (
        sa.select(
            CheckIn.checkpoint_id, CheckIn.occurred_at, CheckIn.flags, Shift.night, Shift.guard_id
        )
        .join(Shift, Shift.id == CheckIn.shift_id)
        .where(Shift.night.between(first, last))
    )
    if wanted is not None:
        checkins = checkins.where(CheckIn.checkpoint_id.in_(wanted))
    for row in db.session.execute(checkins):
        # A scan of an old sticker ("Byt QR-kod") is stored, flagged, as proof the guard was
        # there, but never counts for a round: anyone may hold a copy of a replaced sticker,
        # and the phone told the guard so ("Gammal QR-kod – räknas inte till rundan").
        if row.flags and "retired_token" in row.flags:
            continue
        by_night[row.night].append(
            Visit(row.checkpoint_id, row.occurred_at, "checkin", guard_id=row.guard_id)
        )
    skips = (
        sa.select(
            RoundSkip.checkpoint_id,
            RoundSkip.occurred_at,
            RoundSkip.reason_code,
            RoundSkip.reason_text,
            Shift.night,
            Shift.guard_id,
        )
        .join(Shift, Shift.id == RoundSkip.shift_id)
        .where(Shift.night.between(first, last))
    )
    if wanted is not None:
        skips = skips.where(RoundSkip.checkpoint_id.in_(wanted))
    for row in db.session.execute(skips):
        by_night[row.night].append(
            Visit(
                row.checkpoint_id,
                row.occurred_at,
                "skip",
                reason=row.reason_code,
                reason_text=row.reason_text,
                guard_id=row.guard_id,
            )
        )
    return by_night


@dataclass
class NightCompliance:
    night: date
    routes: list  # Route rows, by name
    by_route: dict[int, RouteNight]
    checkpoints: dict[int, CheckpointInfo]

    @property
    def rows(self) -> list[tuple[object, RouteNight]]:
        return [(r, self.by_route[r.id]) for r in self.routes if r.id in self.by_route]

    def totals(self) -> dict[str, int]:
        rounds = dict.fromkeys(ROUND_STATUSES, 0)
        outcomes = dict.fromkeys(OUTCOMES, 0)
        for rn in self.by_route.values():
            for k, v in rn.round_counts.items():
                rounds[k] += v
            for k, v in rn.outcome_counts.items():
                outcomes[k] += v
        return {
            "planned": sum(rounds.values()),
            **rounds,
            **{f"cp_{k}": v for k, v in outcomes.items()},
        }

    def windows(self) -> list[tuple[datetime, datetime]]:
        return [(r.round.opens, r.round.closes) for rn in self.by_route.values() for r in rn.rounds]


@dataclass(frozen=True)
class CheckpointInfo:
    """What the pages and exports show of a checkpoint."""

    id: int
    label: str
    property_name: str


def load_routes_and_checkpoints(route_ids: Iterable[int] | None = None):
    """Routes (by name) and every checkpoint's label and property (two queries)."""
    import sqlalchemy as sa

    from patrol.db import db
    from patrol.rounds.models import Route
    from patrol.sites.models import Checkpoint, Property

    query = sa.select(Route).order_by(Route.name)
    if route_ids is not None:
        query = query.where(Route.id.in_(list(route_ids)))
    routes = list(db.session.scalars(query))
    checkpoints = {
        row.id: CheckpointInfo(row.id, row.label, row.name)
        for row in db.session.execute(
            sa.select(Checkpoint.id, Checkpoint.label, Property.name).join(
                Property, Property.id == Checkpoint.property_id
            )
        )
    }
    return routes, checkpoints


def night_compliance(night: date, now: datetime | None = None) -> NightCompliance:
    """Every route's compliance on one night: what Natten, its PDF and its CSV show.

    A fixed number of queries, however many routes, rounds and check-ins the night has."""
    from patrol.db import utcnow

    now = now or utcnow()
    plans = load_plans()
    if not any(expected_rounds(plan_in_force(v, night), night) for v in plans.values()):
        return NightCompliance(night, [], {}, {})  # nothing planned: no more queries
    visits = load_visits(night, night)
    by_key = compliance_for(plans, visits, [night], now)
    routes, checkpoints = load_routes_and_checkpoints()
    return NightCompliance(night, routes, {k[0]: v for k, v in by_key.items()}, checkpoints)


@dataclass
class RouteHistory:
    route: object
    nights: list[RouteNight]  # newest first, only nights that expected rounds
    most_missed: list[tuple[object, int]]  # (checkpoint, times missed), most first
    checkpoints: dict[int, object]


def route_history(route, last_night: date, count: int = 30, now: datetime | None = None):
    """A route's compliance over the `count` nights up to `last_night` (fixed query count)."""
    from patrol.db import utcnow

    now = now or utcnow()
    first = last_night - timedelta(days=count - 1)
    plans = load_plans([route.id])
    versions = plans.get(route.id, [])
    wanted = {cp for plan in versions for cp in plan.checkpoint_ids}
    visits = load_visits(first, last_night, wanted)
    nights = [last_night - timedelta(days=n) for n in range(count)]
    by_key = compliance_for({route.id: versions} if versions else {}, visits, nights, now)
    route_nights = [by_key[(route.id, n)] for n in nights if (route.id, n) in by_key]
    missed: dict[int, int] = defaultdict(int)
    for rn in route_nights:
        for r in rn.rounds:
            for c in r.checkpoints:
                if c.outcome == "missed":
                    missed[c.checkpoint_id] += 1
    _, checkpoints = load_routes_and_checkpoints([route.id])
    most = sorted(missed.items(), key=lambda kv: (-kv[1], kv[0]))
    return RouteHistory(route, route_nights, [(checkpoints[k], n) for k, n in most], checkpoints)


def compliance_rows(night: date, now: datetime | None = None) -> list[dict]:
    """One row per expected checkpoint visit of the night, with its outcome (the CSV)."""
    compliance = night_compliance(night, now)
    rows = []
    for route, rn in compliance.rows:
        for r in rn.rounds:
            for c in r.checkpoints:
                checkpoint = compliance.checkpoints.get(c.checkpoint_id)
                visit = c.visit
                rows.append(
                    {
                        "night": night.isoformat(),
                        "route": route.name,
                        "round": r.round.index,
                        "round_opens": r.round.opens,
                        "round_due": r.round.due,
                        "round_status": r.status,
                        "position": c.position,
                        "property": checkpoint.property_name if checkpoint else "",
                        "checkpoint": checkpoint.label if checkpoint else "",
                        "outcome": c.outcome,
                        "at": visit.at if visit else None,
                        "skip_reason": (visit.reason if visit and visit.kind == "skip" else ""),
                        "skip_text": (visit.reason_text or "") if visit else "",
                    }
                )
    return rows


def shift_anomalies(shift) -> list[Anomaly]:
    """The anomalies of one shift's check-ins, against its night's planned windows."""
    import sqlalchemy as sa

    from patrol.db import db
    from patrol.shifts.models import CheckIn
    from patrol.sites.models import Checkpoint

    rows = db.session.execute(
        sa.select(CheckIn, Checkpoint)
        .join(Checkpoint, Checkpoint.id == CheckIn.checkpoint_id)
        .where(CheckIn.shift_id == shift.id)
    ).all()
    facts = [
        CheckInFact(
            id=c.id,
            at=c.occurred_at,
            checkpoint_id=cp.id,
            checkpoint_label=cp.label,
            checkpoint_lat=cp.lat,
            checkpoint_lon=cp.lon,
            flags=tuple(c.flags or ()),
            distance_m=c.distance_m,
            clock_offset_s=c.clock_offset_s,
        )
        for c, cp in rows
    ]
    plans = load_plans()
    windows = [
        (r.opens, r.closes)
        for versions in plans.values()
        for r in expected_rounds(plan_in_force(versions, shift.night), shift.night)
    ]
    return find_anomalies(facts, windows)
