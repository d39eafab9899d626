"""Scheduled jobs: due by the server clock a test sets, claimed once across workers, caught up
after downtime, and taken over when a worker died mid-run."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from patrol.db import db, set_clock
from patrol.nights import ZONE
from patrol.schedule.models import JobRun
from patrol.schedule.rules import STALE_CLAIM, Job, run_due_jobs

STOCKHOLM = ZONE


def at_0645(night: date) -> datetime:
    """06:45 Stockholm on the morning after the night."""
    return datetime.combine(night + timedelta(days=1), datetime.min.time(), STOCKHOLM).replace(
        hour=6, minute=45
    )


def recording_job(calls: list, name: str = "morning", keys=None) -> Job:
    def run(night, key):
        calls.append((night, key))
        return f"did {night} {key}".strip()

    kwargs = {"keys": keys} if keys else {}
    return Job(name=name, due_at=at_0645, run=run, **kwargs)


def test_a_job_runs_when_its_time_has_come_and_only_once(app):
    calls: list = []
    job = recording_job(calls)
    with app.app_context():
        # 06:40: tonight is the 24th (its 06:45 has not come); the two nights before are caught up.
        set_clock(app, datetime(2026, 11, 25, 6, 40, tzinfo=STOCKHOLM))
        run_due_jobs(by="w1", jobs=[job])
        assert calls == [(date(2026, 11, 22), ""), (date(2026, 11, 23), "")]
        calls.clear()
        set_clock(app, datetime(2026, 11, 25, 6, 46, tzinfo=STOCKHOLM))
        runs = run_due_jobs(by="w1", jobs=[job])
        assert calls == [(date(2026, 11, 24), "")]
        assert all(run.finished_at is not None for run in runs)
        calls.clear()
        assert run_due_jobs(by="w2", jobs=[job]) == []
        assert calls == []


def test_a_worker_that_was_down_catches_up_on_missed_nights(app):
    calls: list = []
    job = recording_job(calls)
    with app.app_context():
        set_clock(app, datetime(2026, 11, 27, 12, 0, tzinfo=STOCKHOLM))
        run_due_jobs(by="w1", jobs=[job])
    # look_back_nights=2: the two nights before tonight, both long past 06:45.
    assert sorted(calls) == [(date(2026, 11, 25), ""), (date(2026, 11, 26), "")]


def test_a_job_runs_once_per_key(app):
    calls: list = []
    job = recording_job(calls, keys=lambda night: ["route-1", "route-2"])
    with app.app_context():
        set_clock(app, datetime(2026, 11, 25, 7, 0, tzinfo=STOCKHOLM))
        run_due_jobs(by="w1", jobs=[job])
        run_due_jobs(by="w1", jobs=[job])
    assert sorted(k for n, k in calls if n == date(2026, 11, 24)) == ["route-1", "route-2"]


def test_two_workers_racing_run_each_job_once(app):
    calls: list = []
    lock = threading.Lock()
    barrier = threading.Barrier(4)

    def run(night, key):
        with lock:
            calls.append((night, key))

    job = Job(name="race", due_at=at_0645, run=run)
    set_clock(app, datetime(2026, 11, 25, 7, 0, tzinfo=STOCKHOLM))

    def worker(name):
        with app.app_context():
            barrier.wait()
            run_due_jobs(by=name, jobs=[job])

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 07:00 on the 25th: the nights of the 22nd, 23rd and 24th are due, each run exactly once.
    assert sorted(calls) == [(date(2026, 11, d), "") for d in (22, 23, 24)]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == 3


def test_a_claim_left_by_a_dead_worker_is_taken_over_after_a_while(app):
    calls: list = []
    job = recording_job(calls)
    night = date(2026, 11, 24)
    claimed = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
    with app.app_context():
        db.session.add(
            JobRun(job="morning", night=night, key="", claimed_by="dead", claimed_at=claimed)
        )
        db.session.commit()
        set_clock(app, claimed + STALE_CLAIM - timedelta(seconds=1))
        run_due_jobs(by="w1", jobs=[job])
        assert (night, "") not in calls
        set_clock(app, claimed + STALE_CLAIM + timedelta(seconds=1))
        run_due_jobs(by="w1", jobs=[job])
        assert (night, "") in calls
        run = db.session.scalars(sa.select(JobRun).where(JobRun.night == night)).one()
        assert run.claimed_by == "w1" and run.outcome == "did 2026-11-24"


def test_a_failing_job_is_recorded_not_retried_blindly(app):
    def boom(night, key):
        raise RuntimeError("smtp down")

    job = Job(name="boom", due_at=at_0645, run=boom, look_back_nights=0)
    with app.app_context():
        # 06:00 on the 26th is still the night of the 25th, whose run is due at 06:45.
        set_clock(app, datetime(2026, 11, 26, 6, 0, tzinfo=STOCKHOLM))
        assert run_due_jobs(by="w1", jobs=[job]) == []
        set_clock(app, datetime(2026, 11, 26, 6, 50, tzinfo=STOCKHOLM))
        run_due_jobs(by="w1", jobs=[job])
        runs = db.session.scalars(sa.select(JobRun)).all()
        assert [r.outcome for r in runs] == ["error: smtp down"]
        assert run_due_jobs(by="w1", jobs=[job]) == []
