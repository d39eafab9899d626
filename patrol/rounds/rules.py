"""Planned rounds: what a night expects, what was walked, and what looks wrong.

This module is pure (plain dataclasses in, plain dataclasses out, no database, no clock of its
own: `now` is always passed in), so every rule is unit-tested on its own. `queries.py` loads
what these rules need from the database; `thresholds.py` holds their limits, `labels.py` the
words for their codes, `phone.py` the routes the phone caches.

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext

from patrol.i18n import span_text
from patrol.nights import hhmm, local_datetime
from patrol.rounds.thresholds import THRESHOLDS, Thresholds

NOON = time(12, 0)


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
