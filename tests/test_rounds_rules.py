"""Unit tests for the round rules: windows across midnight and the clock change, late vs
missed, round completion with skips, plan versions, and the anomaly checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from patrol.nights import ZONE as STOCKHOLM
from patrol.rounds.rules import (
    CheckInFact,
    Plan,
    Visit,
    expected_rounds,
    find_anomalies,
    match_round_visits,
    plan_in_force,
    route_night,
    window_of,
)
from patrol.rounds.thresholds import THRESHOLDS

WEEKDAYS = frozenset(range(7))


def plan(**changes) -> Plan:
    values = {
        "route_id": 1,
        "valid_from": date(2026, 1, 1),
        "weekdays": WEEKDAYS,
        "window_start": time(19, 30),
        "window_end": time(4, 0),
        "rounds_per_night": None,
        "interval_minutes": 90,
        "tolerance_minutes": 15,
        "checkpoint_ids": (11, 12, 13),
    }
    values.update(changes)
    return Plan(**values)


def local(y, mo, d, h, mi=0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=STOCKHOLM)


# --- windows ---------------------------------------------------------------------------------


def test_a_window_crosses_midnight_into_the_morning_after():
    opens, closes = window_of(plan(), date(2026, 11, 23))
    assert opens == local(2026, 11, 23, 19, 30)
    assert closes == local(2026, 11, 24, 4, 0)
    assert closes - opens == timedelta(hours=8, minutes=30)


def test_the_autumn_switch_night_is_an_hour_longer_and_fits_one_more_round():
    # Clocks go back at 03:00 on Sunday 25 October 2026: the night of the 24th.
    normal = window_of(plan(), date(2026, 10, 17))
    switch = window_of(plan(), date(2026, 10, 24))
    assert normal[1] - normal[0] == timedelta(hours=8, minutes=30)
    assert switch[1] - switch[0] == timedelta(hours=9, minutes=30)
    assert len(expected_rounds(plan(), date(2026, 10, 17))) == 6  # 19:30 … 03:00
    assert len(expected_rounds(plan(), date(2026, 10, 24))) == 7


def test_the_spring_switch_night_is_an_hour_shorter():
    # Clocks go forward at 02:00 on Sunday 29 March 2026: the night of the 28th.
    opens, closes = window_of(plan(), date(2026, 3, 28))
    assert closes - opens == timedelta(hours=7, minutes=30)
    rounds = expected_rounds(plan(rounds_per_night=3, interval_minutes=None), date(2026, 3, 28))
    assert [r.due - r.opens for r in rounds] == [timedelta(hours=2, minutes=30)] * 3
    assert rounds[-1].due == closes


def test_rounds_per_night_cut_the_window_in_equal_parts_with_tolerance():
    rounds = expected_rounds(plan(rounds_per_night=2, interval_minutes=None), date(2026, 11, 23))
    assert [(r.index, r.opens, r.due) for r in rounds] == [
        (1, local(2026, 11, 23, 19, 30), local(2026, 11, 23, 23, 45)),
        (2, local(2026, 11, 23, 23, 45), local(2026, 11, 24, 4, 0)),
    ]
    assert rounds[0].closes == local(2026, 11, 24, 0, 0)


def test_nights_of_the_week_follow_the_evening():
    # Seeds: weekdays until 04:00, Friday and Saturday nights until 05:00.
    weekdays = plan(weekdays=frozenset({0, 1, 2, 3, 6}))
    weekend = plan(weekdays=frozenset({4, 5}), window_end=time(5, 0))
    friday = date(2026, 11, 27)
    assert expected_rounds(weekdays, friday) == []
    assert expected_rounds(weekend, friday)[-1].due == local(2026, 11, 28, 5, 0)
    assert expected_rounds(weekend, date(2026, 11, 29)) == []  # Sunday evening


def test_the_plan_in_force_is_the_latest_valid_on_that_night():
    old = plan(valid_from=date(2026, 1, 1), checkpoint_ids=(11, 12))
    new = plan(valid_from=date(2026, 11, 20), checkpoint_ids=(11, 12, 13))
    assert plan_in_force([new, old], date(2026, 11, 19)) is old
    assert plan_in_force([new, old], date(2026, 11, 20)) is new
    assert plan_in_force([new, old], date(2025, 12, 31)) is None


# --- matching --------------------------------------------------------------------------------

NIGHT = date(2026, 11, 23)
TWO_ROUNDS = plan(rounds_per_night=2, interval_minutes=None)  # 19:30–23:45, 23:45–04:00


def checkin(cp, at, rid=None) -> Visit:
    return Visit(cp, at.astimezone(UTC), "checkin", rid or f"c{cp}-{at:%H%M}")


def test_on_time_late_and_missed():
    visits = [
        checkin(11, local(2026, 11, 23, 20, 0)),  # on time for round 1
        checkin(12, local(2026, 11, 23, 23, 50)),  # after 23:45 but within the 15 min tolerance
    ]
    morning = local(2026, 11, 24, 7, 0)
    outcomes, extra = match_round_visits(expected_rounds(TWO_ROUNDS, NIGHT), visits, morning)
    first, second = outcomes
    assert [c.outcome for c in first.checkpoints] == ["on_time", "late", "missed"]
    assert first.status == "incomplete"
    assert second.status == "missed"
    assert [c.outcome for c in second.checkpoints] == ["missed"] * 3
    assert extra == []


def test_a_round_completes_with_a_skip_and_counts_the_skip():
    visits = [
        checkin(11, local(2026, 11, 23, 20, 0)),
        Visit(12, local(2026, 11, 23, 20, 5).astimezone(UTC), "skip", "s1", reason="locked"),
        checkin(13, local(2026, 11, 23, 20, 10)),
    ]
    rn = route_night([TWO_ROUNDS], NIGHT, visits, local(2026, 11, 24, 7, 0))
    assert rn.rounds[0].status == "completed"
    assert rn.round_counts["completed"] == 1 and rn.round_counts["missed"] == 1
    assert rn.outcome_counts == {
        "on_time": 2,
        "late": 0,
        "skipped": 1,
        "missed": 3,
        "pending": 0,
    }


def test_before_a_round_closes_it_is_pending_or_in_progress_never_missed():
    visits = [checkin(11, local(2026, 11, 23, 20, 0))]
    at_2100 = local(2026, 11, 23, 21, 0)
    outcomes, _ = match_round_visits(expected_rounds(TWO_ROUNDS, NIGHT), visits, at_2100)
    assert outcomes[0].status == "in_progress"
    assert outcomes[0].done == 1 and outcomes[0].next_checkpoint.checkpoint_id == 12
    assert outcomes[1].status == "pending"
    assert {c.outcome for c in outcomes[1].checkpoints} == {"pending"}


def test_a_visit_counts_once_and_a_second_walk_fills_the_next_round():
    walk = [
        checkin(cp, local(2026, 11, 23, 20, m), f"a{cp}") for cp, m in ((11, 0), (12, 5), (13, 9))
    ]
    again = [
        checkin(cp, local(2026, 11, 24, 1, m), f"b{cp}") for cp, m in ((11, 0), (12, 5), (13, 9))
    ]
    double = [checkin(11, local(2026, 11, 23, 20, 30), "dup")]
    outcomes, extra = match_round_visits(
        expected_rounds(TWO_ROUNDS, NIGHT), walk + again + double, local(2026, 11, 24, 7, 0)
    )
    assert [o.status for o in outcomes] == ["completed", "completed"]
    assert [v.record_id for v in extra] == ["dup"]


def test_a_visit_outside_every_window_is_extra():
    visits = [checkin(11, local(2026, 11, 23, 18, 0))]
    outcomes, extra = match_round_visits(
        expected_rounds(TWO_ROUNDS, NIGHT), visits, local(2026, 11, 24, 7, 0)
    )
    assert len(extra) == 1
    assert outcomes[0].status == "missed"


def test_a_plan_change_leaves_earlier_nights_unchanged():
    last_week = date(2026, 11, 16)
    visits = [checkin(cp, local(2026, 11, 16, 20, cp - 10)) for cp in (11, 12, 13)]
    morning = local(2026, 11, 17, 7, 0)
    before = route_night([TWO_ROUNDS], last_week, visits, morning)
    changed = plan(
        valid_from=date(2026, 11, 20),
        rounds_per_night=4,
        interval_minutes=None,
        checkpoint_ids=(11, 12, 13, 14),
        window_start=time(21, 0),
    )
    after = route_night([TWO_ROUNDS, changed], last_week, visits, morning)
    assert after.round_counts == before.round_counts
    assert after.outcome_counts == before.outcome_counts
    assert route_night([TWO_ROUNDS, changed], date(2026, 11, 23), [], morning).planned == 4


# --- anomalies -------------------------------------------------------------------------------

BASE = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)


def fact(i, seconds, cp, lat=55.59, lon=13.0, flags=(), **kw) -> CheckInFact:
    return CheckInFact(
        id=i,
        at=BASE + timedelta(seconds=seconds),
        checkpoint_id=cp,
        checkpoint_label=f"CP{cp}",
        checkpoint_lat=lat,
        checkpoint_lon=lon,
        flags=tuple(flags),
        **kw,
    )


def test_a_burst_needs_enough_distinct_checkpoints_within_the_limit():
    n, limit = THRESHOLDS.burst_count, THRESHOLDS.burst_seconds
    burst = [fact(i, i * (limit // n), cp=i) for i in range(n)]
    found = find_anomalies(burst, [])
    assert [a.kind for a in found] == ["burst"]
    assert found[0].detail["count"] == n
    assert "CP0" in found[0].describe()
    # The same number spread over more than the limit is a brisk walk, not a burst.
    spread = [fact(i, i * (limit // (n - 1) + 1), cp=i) for i in range(n)]
    assert find_anomalies(spread, []) == []
    # Scanning one checkpoint again and again is not a burst of checkpoints.
    same = [fact(i, i, cp=1) for i in range(n + 2)]
    assert find_anomalies(same, []) == []


def test_impossible_speed_between_consecutive_check_ins():
    # 0.01° latitude is about 1.1 km: in 60 s that is 67 km/h, over the limit.
    fast = [fact(1, 0, 1, lat=55.59), fact(2, 60, 2, lat=55.60)]
    found = find_anomalies(fast, [])
    assert [a.kind for a in found] == ["speed"]
    assert found[0].detail["kmh"] > THRESHOLDS.max_speed_m_s * 3.6
    assert "km/h" in found[0].describe()
    # The same distance in ten minutes is a drive.
    assert find_anomalies([fact(1, 0, 1, lat=55.59), fact(2, 600, 2, lat=55.60)], []) == []
    # Close checkpoints are never a speed anomaly (positions are approximate).
    near = [fact(1, 0, 1, lat=55.59), fact(2, 1, 2, lat=55.5905)]
    assert find_anomalies(near, []) == []


def test_flags_and_windows_become_anomalies_in_words():
    window = [(BASE, BASE + timedelta(hours=1))]
    checkins = [
        fact(1, 60, 1, flags=["out_of_radius"], distance_m=240.0),
        fact(2, 600, 1, flags=["clock_skew"], clock_offset_s=-780.0),
        fact(3, 7200, 1),
    ]
    found = find_anomalies(checkins, window)
    assert [a.kind for a in found] == ["out_of_radius", "clock_skew", "outside_window"]
    assert "240" in found[0].describe()
    assert "13" in found[1].describe()
    assert "CP1" in found[2].describe()


def test_pausing_a_route_is_a_version_too():
    paused = plan(valid_from=date(2026, 11, 20), active=False)
    versions = [TWO_ROUNDS, paused]
    morning = local(2026, 11, 24, 7, 0)
    assert route_night(versions, date(2026, 11, 19), [], morning).planned == 2
    assert route_night(versions, date(2026, 11, 20), [], morning).planned == 0
    assert route_night(versions, NIGHT, [], morning).planned == 0
