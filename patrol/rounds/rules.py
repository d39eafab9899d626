"""Planned rounds: what a night expects, what was walked, and what looks wrong.

The first half of this module is pure (plain dataclasses in, plain dataclasses out, no
database, no clock of its own: `now` is always passed in), so every rule is unit-tested on its
own. The second half loads what those rules need from the database in a fixed number of queries
(independent of the number of nights, routes and checkpoints) for the review pages, the exports
and the scheduled "ej rapporterad" alert.

**Plan versions, not snapshots.** A route's plan (its nights of the week, its window, its rounds
or interval, its tolerance and its ordered checkpoints) is kept as versions, each valid from a
night (`Schedule.valid_from`). A night's expectations are derived from the version in force that
night: the latest whose `valid_from` is on or before it. Versions are never edited once their
first night has begun: the admin pages write a new version valid from a night that has not
started. So last week's compliance is recomputed from last week's plan, however often the plan
changes later, and recomputing is always possible (a late record arriving at 09:00 changes the
figures, never the plan they are measured against). A snapshot taken when a night starts would
need a job that must have run before anyone looks, and a plan entered after that moment could
not apply to the same night; versions need nothing to run and stay exact.

**Windows and time.** A window is given as Stockholm wall-clock times; a time before noon belongs
to the morning after the night's evening (the night rule: the evening's date). The window's
instants are the wall times on their real dates turned into UTC, so on the two nights a year
when the clock changes a window across the switch is an hour shorter or longer, and an interval
schedule has the rounds that fit its real length.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from patrol.i18n import span_text
from patrol.nights import hhmm, local_datetime, night_of

NOON = time(12, 0)


# --- thresholds: every limit the rules use, in one place --------------------------------------


@dataclass(frozen=True)
class Thresholds:
    # A burst: this many check-ins at different checkpoints within this many seconds (nobody
    # walks between four stairwells in half a minute; someone scanning a sheet of codes does).
    burst_count: int = 4
    burst_seconds: int = 30
    # Faster than this between two consecutive check-ins is impossible on foot or by car in
    # the area (15 m/s = 54 km/h)...
    max_speed_m_s: float = 15.0
    # ...unless the two checkpoints are this close (positions of checkpoints are approximate).
    speed_min_distance_m: float = 150.0
    # A guard on shift not heard from for this long shows as "ej hörd" on "Just nu".
    not_heard_minutes: int = 60


THRESHOLDS = Thresholds()

SKIP_REASONS = {
    "locked": _l("Locked door or gate"),
    "cordon": _l("Cordoned off by police or rescue service"),
    "unsafe": _l("Unsafe to go there"),
    "blocked": _l("Blocked access (building work, vehicle)"),
    "other": _l("Other reason"),
}

OUTCOME_LABELS = {
    "on_time": _l("On time"),
    "late": _l("Late"),
    "skipped": _l("Skipped"),
    "missed": _l("Missed"),
    "pending": _l("Not yet due"),
}

ROUND_STATUS_LABELS = {
    "completed": _l("Completed"),
    "incomplete": _l("Incomplete"),
    "missed": _l("Missed"),
    "in_progress": _l("In progress"),
    "pending": _l("Not yet due"),
}


# --- plans and expected rounds ------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """One version of a route's plan, as the rules see it."""

    route_id: int
    valid_from: date
    # Nights of the week by the evening's weekday: 0 = Monday ... 6 = Sunday.
    weekdays: frozenset[int]
    window_start: time
    window_end: time
    rounds_per_night: int | None
    interval_minutes: int | None
    tolerance_minutes: int
    checkpoint_ids: tuple[int, ...]
    active: bool = True  # False: the route is paused from this version's night on


@dataclass(frozen=True)
class ExpectedRound:
    route_id: int
    night: date
    index: int  # 1-based, in time order
    opens: datetime  # UTC
    due: datetime  # a visit after this is late...
    closes: datetime  # ...and after this it does not count (due + tolerance)
    checkpoint_ids: tuple[int, ...]

    @property
    def key(self) -> str:
        """Names the round within its night (the scheduled alert's key)."""
        return f"{self.route_id}:{self.index}"


# Stockholm wall time "HH:MM" of an instant, with the offset on the autumn night's repeated hour.
local_hhmm = hhmm


def night_clock(t: time) -> int:
    """Minutes since the night's noon: orders times within a night (19:30 < 23:00 < 04:00)."""
    return ((t.hour - 12) % 24) * 60 + t.minute


def wall_instant(night: date, t: time) -> datetime:
    """The UTC instant of Stockholm wall time `t` during `night` (before noon: the morning
    after). A time the spring switch skips (02:30) is read with the offset before the switch."""
    day = night if t >= NOON else night + timedelta(days=1)
    return local_datetime(day, t)


def window_of(plan: Plan, night: date) -> tuple[datetime, datetime]:
    """The plan's window on that night as UTC instants (real length across a clock change)."""
    return wall_instant(night, plan.window_start), wall_instant(night, plan.window_end)


def plan_in_force(versions: Sequence[Plan], night: date) -> Plan | None:
    """The version valid on `night`: the latest whose valid_from is not after it."""
    chosen = None
    for plan in versions:
        if plan.valid_from <= night and (chosen is None or plan.valid_from > chosen.valid_from):
            chosen = plan
    return chosen


def expected_rounds(plan: Plan | None, night: date) -> list[ExpectedRound]:
    """The rounds a plan expects on a night, in time order.

    `rounds_per_night = n`: the window is cut into n equal parts (by real elapsed time), one
    round in each. `interval_minutes = m`: a round starts every m minutes from the window's
    start while it starts inside the window; the last one ends with the window. Each round's
    visits are on time until the end of its part and late until `tolerance_minutes` after.
    """
    if (
        plan is None
        or not plan.active
        or night.weekday() not in plan.weekdays
        or not plan.checkpoint_ids
    ):
        return []
    start, end = window_of(plan, night)
    if end <= start:
        return []
    slots: list[tuple[datetime, datetime]] = []
    if plan.rounds_per_night:
        part = (end - start) / plan.rounds_per_night
        slots = [(start + part * i, start + part * (i + 1)) for i in range(plan.rounds_per_night)]
    elif plan.interval_minutes:
        step = timedelta(minutes=plan.interval_minutes)
        count = math.ceil((end - start) / step)
        slots = [(start + step * i, min(start + step * (i + 1), end)) for i in range(count)]
    tolerance = timedelta(minutes=plan.tolerance_minutes)
    return [
        ExpectedRound(
            route_id=plan.route_id,
            night=night,
            index=i + 1,
            opens=opens,
            due=due,
            closes=due + tolerance,
            checkpoint_ids=plan.checkpoint_ids,
        )
        for i, (opens, due) in enumerate(slots)
    ]


# --- matching what was reported to what was expected --------------------------------------------


@dataclass(frozen=True)
class Visit:
    """A check-in or a skip at a checkpoint, as the matching sees it."""

    checkpoint_id: int
    at: datetime
    kind: str  # "checkin" or "skip"
    record_id: object = None
    reason: str | None = None  # a skip's reason code
    reason_text: str | None = None
    guard_id: int | None = None


@dataclass
class CheckpointOutcome:
    checkpoint_id: int
    position: int  # 1-based place in the route
    outcome: str  # on_time, late, skipped, missed, pending
    visit: Visit | None = None


@dataclass
class RoundOutcome:
    round: ExpectedRound
    checkpoints: list[CheckpointOutcome]
    status: str  # completed, incomplete, missed, in_progress, pending

    @property
    def done(self) -> int:
        """Checkpoints visited or skipped ("4 av 9")."""
        return sum(1 for c in self.checkpoints if c.visit is not None)

    @property
    def next_checkpoint(self) -> CheckpointOutcome | None:
        return next((c for c in self.checkpoints if c.visit is None), None)

    @property
    def reported(self) -> bool:
        return self.done > 0

    @property
    def notes(self) -> list[CheckpointOutcome]:
        """What a supervisor reads about a round that was walked: the skipped, missed and late
        checkpoints (a round missed as a whole says it all in its status)."""
        if self.status == "missed":
            return []
        return [c for c in self.checkpoints if c.outcome in ("skipped", "missed", "late")]


def match_round_visits(
    rounds: Sequence[ExpectedRound], visits: Iterable[Visit], now: datetime
) -> tuple[list[RoundOutcome], list[Visit]]:
    """Each visit counts once, for the earliest round that still lacks that checkpoint and whose
    window (opening to closing, tolerance included) contains it. Returns the rounds' outcomes
    and the visits no round took (extra visits).

    Earliest-first is deterministic and errs towards "late" rather than "missed": a walk that
    starts a few minutes after a round's part has ended finishes that round late, and the next
    round is then expected in full.
    """
    rounds = sorted(rounds, key=lambda r: r.opens)
    taken: list[dict[int, Visit]] = [{} for _ in rounds]
    wanted = [set(r.checkpoint_ids) for r in rounds]
    extra: list[Visit] = []
    for visit in sorted(visits, key=lambda v: (v.at, v.kind)):
        for i, r in enumerate(rounds):
            if (
                visit.checkpoint_id in wanted[i]
                and visit.checkpoint_id not in taken[i]
                and r.opens <= visit.at <= r.closes
            ):
                taken[i][visit.checkpoint_id] = visit
                break
        else:
            extra.append(visit)
    outcomes = []
    for i, r in enumerate(rounds):
        checkpoints = []
        for position, checkpoint_id in enumerate(r.checkpoint_ids, start=1):
            visit = taken[i].get(checkpoint_id)
            checkpoints.append(
                CheckpointOutcome(checkpoint_id, position, visit_outcome(r, visit, now), visit)
            )
        outcomes.append(RoundOutcome(r, checkpoints, round_status(r, checkpoints, now)))
    return outcomes, extra


def visit_outcome(r: ExpectedRound, visit: Visit | None, now: datetime) -> str:
    if visit is None:
        return "pending" if now < r.closes else "missed"
    if visit.kind == "skip":
        return "skipped"
    return "on_time" if visit.at <= r.due else "late"


def round_status(r: ExpectedRound, checkpoints: list[CheckpointOutcome], now: datetime) -> str:
    """Completed: every checkpoint visited or skipped with a reason (late visits included).
    Missed: nothing at all reported by the time the round closed. Incomplete: some but not all.
    Before closing: in progress once anything is reported, else pending."""
    done = sum(1 for c in checkpoints if c.visit is not None)
    if done == len(checkpoints):
        return "completed"
    if now < r.closes:
        return "in_progress" if done else "pending"
    return "incomplete" if done else "missed"


ROUND_STATUSES = ("completed", "incomplete", "missed", "in_progress", "pending")
OUTCOMES = ("on_time", "late", "skipped", "missed", "pending")


@dataclass
class RouteNight:
    """A route's compliance on one night: its rounds, with figures for the pages and exports."""

    route_id: int
    night: date
    rounds: list[RoundOutcome]
    extra: list[Visit] = field(default_factory=list)

    @property
    def round_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ROUND_STATUSES, 0)
        for r in self.rounds:
            counts[r.status] += 1
        return counts

    @property
    def outcome_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(OUTCOMES, 0)
        for r in self.rounds:
            for c in r.checkpoints:
                counts[c.outcome] += 1
        return counts

    @property
    def planned(self) -> int:
        return len(self.rounds)


def route_night(
    versions: Sequence[Plan], night: date, visits: Iterable[Visit], now: datetime
) -> RouteNight:
    """One route's night. Only visits at the checkpoints of the plan in force count (also as
    extra visits): another route's check-ins are none of this route's business."""
    route_id = versions[0].route_id if versions else 0
    plan = plan_in_force(versions, night)
    rounds = expected_rounds(plan, night)
    if not rounds:
        return RouteNight(route_id, night, [], [])
    wanted = set(plan.checkpoint_ids)
    outcomes, extra = match_round_visits(
        rounds, [v for v in visits if v.checkpoint_id in wanted], now
    )
    return RouteNight(route_id, night, outcomes, extra)


# --- anomalies --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckInFact:
    """What the anomaly checks need of one check-in."""

    id: object
    at: datetime
    checkpoint_id: int
    checkpoint_label: str
    checkpoint_lat: float | None
    checkpoint_lon: float | None
    flags: tuple[str, ...] = ()
    distance_m: float | None = None
    clock_offset_s: float | None = None


@dataclass(frozen=True)
class Anomaly:
    kind: str  # burst, speed, out_of_radius, clock_skew, outside_window
    at: datetime
    checkin_ids: tuple
    detail: dict

    def describe(self) -> str:
        """The anomaly in words, for the shift log (the user's language)."""
        d = self.detail
        if self.kind == "burst":
            return gettext(
                "%(count)d check-ins at different checkpoints within %(seconds)d seconds "
                "(%(first)s … %(last)s): faster than anyone can walk between them.",
                count=d["count"],
                seconds=d["seconds"],
                first=d["first"],
                last=d["last"],
            )
        if self.kind == "speed":
            return gettext(
                "%(metres)d m from %(from)s to %(to)s in %(seconds)d s: %(kmh)d km/h, "
                "not possible between two check-ins.",
                metres=round(d["metres"]),
                **{"from": d["from"]},
                to=d["to"],
                seconds=round(d["seconds"]),
                kmh=round(d["kmh"]),
            )
        if self.kind == "out_of_radius":
            return gettext(
                "Check-in at %(label)s %(metres)d m from the checkpoint, outside its radius.",
                label=d["label"],
                metres=round(d["metres"] or 0),
            )
        if self.kind == "clock_skew":
            return gettext(
                "The phone's clock was %(span)s off the server's at %(label)s.",
                span=span_text(d["offset_s"] or 0),
                label=d["label"],
            )
        return gettext(
            "Check-in at %(label)s outside every planned round window of the night.",
            label=d["label"],
        )


def speed_between(a: CheckInFact, b: CheckInFact) -> tuple[float, float] | None:
    """(metres, seconds) between two check-ins' checkpoints, when both positions are known."""
    from patrol.sync import distance_m

    if None in (a.checkpoint_lat, a.checkpoint_lon, b.checkpoint_lat, b.checkpoint_lon):
        return None
    metres = distance_m(a.checkpoint_lat, a.checkpoint_lon, b.checkpoint_lat, b.checkpoint_lon)
    return metres, (b.at - a.at).total_seconds()


def find_anomalies(
    checkins: Sequence[CheckInFact],
    windows: Sequence[tuple[datetime, datetime]],
    thresholds: Thresholds = THRESHOLDS,
) -> list[Anomaly]:
    """A shift's anomalies, in time order. `windows`: the night's planned round windows (opening
    to closing); with none planned, "outside any window" is not checked."""
    facts = sorted(checkins, key=lambda c: c.at)
    found: list[Anomaly] = []
    # Bursts: the longest runs of check-ins at distinct checkpoints inside the time limit.
    limit = timedelta(seconds=thresholds.burst_seconds)
    i = 0
    while i < len(facts):
        j = i
        while j + 1 < len(facts) and facts[j + 1].at - facts[i].at <= limit:
            j += 1
        run = facts[i : j + 1]
        if len({c.checkpoint_id for c in run}) >= thresholds.burst_count:
            found.append(
                Anomaly(
                    "burst",
                    run[0].at,
                    tuple(c.id for c in run),
                    {
                        "count": len(run),
                        "seconds": round((run[-1].at - run[0].at).total_seconds()),
                        "first": run[0].checkpoint_label,
                        "last": run[-1].checkpoint_label,
                    },
                )
            )
            i = j + 1
        else:
            i += 1
    for a, b in zip(facts, facts[1:], strict=False):
        if a.checkpoint_id == b.checkpoint_id:
            continue
        measured = speed_between(a, b)
        if measured is None:
            continue
        metres, seconds = measured
        if metres < thresholds.speed_min_distance_m:
            continue
        if seconds <= 0 or metres / seconds > thresholds.max_speed_m_s:
            found.append(
                Anomaly(
                    "speed",
                    b.at,
                    (a.id, b.id),
                    {
                        "metres": metres,
                        "seconds": max(seconds, 0),
                        "kmh": (metres / seconds * 3.6) if seconds > 0 else 999,
                        "from": a.checkpoint_label,
                        "to": b.checkpoint_label,
                    },
                )
            )
    for c in facts:
        label = {"label": c.checkpoint_label}
        if "out_of_radius" in c.flags:
            found.append(Anomaly("out_of_radius", c.at, (c.id,), label | {"metres": c.distance_m}))
        if "clock_skew" in c.flags:
            found.append(
                Anomaly("clock_skew", c.at, (c.id,), label | {"offset_s": c.clock_offset_s})
            )
        if windows and not any(opens <= c.at <= closes for opens, closes in windows):
            found.append(Anomaly("outside_window", c.at, (c.id,), label))
    found.sort(key=lambda a: a.at)
    return found


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


def compliance_for(
    plans: dict[int, list[Plan]],
    visits_by_night: dict[date, list[Visit]],
    nights: Iterable[date],
    now: datetime,
) -> dict[tuple[int, date], RouteNight]:
    """Every route's compliance on every night that expects rounds of it (pure)."""
    result = {}
    for night in nights:
        visits = visits_by_night.get(night, [])
        for route_id, versions in plans.items():
            rn = route_night(versions, night, visits, now)
            if rn.rounds:
                result[(route_id, night)] = rn
    return result


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


def phone_routes(now: datetime) -> list[dict]:
    """Active routes as the phone caches them (`/api/v1/sites`): each stop with its
    instructions, from the plan in force tonight, and the rounds of tonight and the next night
    (a phone that refreshes before noon still gets the coming evening's). Three queries."""
    import sqlalchemy as sa
    from sqlalchemy.orm import selectinload

    from patrol.db import db
    from patrol.rounds.models import Route, Schedule

    tonight = night_of(now)
    nights = (tonight, tonight + timedelta(days=1))
    routes = db.session.scalars(sa.select(Route).order_by(Route.name, Route.id)).all()
    schedules: dict[int, list] = defaultdict(list)
    for schedule in db.session.scalars(
        sa.select(Schedule)
        .where(Schedule.route_id.in_([r.id for r in routes]))
        .options(selectinload(Schedule.checkpoints))
        .order_by(Schedule.valid_from)
    ):
        schedules[schedule.route_id].append(schedule)
    result = []
    for route in routes:
        versions = schedules.get(route.id, [])
        in_force = {
            n: max(
                (s for s in versions if s.valid_from <= n), key=lambda s: s.valid_from, default=None
            )
            for n in nights
        }
        shown = in_force[tonight] or in_force[nights[1]]
        if shown is None or not any(s.active for s in in_force.values() if s is not None):
            continue
        rounds = [
            {"night": n, "index": r.index, "opens": r.opens, "due": r.due, "closes": r.closes}
            for n in nights
            for r in expected_rounds(plan_of(in_force[n]) if in_force[n] else None, n)
        ]
        result.append(
            {
                "id": route.id,
                "name": route.name,
                "area_id": route.area_id,
                "expected_minutes": route.expected_minutes,
                "stops": [
                    {
                        "checkpoint_id": rc.checkpoint_id,
                        "position": rc.position,
                        "instructions": rc.instructions,
                    }
                    for rc in shown.checkpoints
                ],
                "rounds": rounds,
            }
        )
    return result
