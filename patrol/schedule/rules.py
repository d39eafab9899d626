"""The registry of scheduled jobs and the claim-and-run step the worker repeats.

A job is due for a night when `due_at(night)` (an aware datetime, or None for "not that night")
has passed. Nights follow the project's night rule (`patrol.nights.night_of`): the
evening's date in Stockholm. `run(night, key)` does the work inside an app context and
returns a short outcome line for the operator.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from patrol.db import db, utcnow
from patrol.logs import log_job
from patrol.nights import ZONE, night_of
from patrol.outbox import worker_id
from patrol.schedule.models import JobRun, WorkerBeat
from patrol.status import Probe

log = logging.getLogger(__name__)

# A claim older than this with no finish is taken to be from a worker that died mid-run.
STALE_CLAIM = timedelta(minutes=15)


@dataclass(frozen=True)
class Job:
    name: str
    # When the job is due for a night (None: nothing to do that night).
    due_at: Callable[[date], datetime | None]
    # Does the work; returns a line saying what it did.
    run: Callable[[date, str], str | None]
    # Keys the job runs for on a night (e.g. one per route); [""] for a job that runs once.
    keys: Callable[[date], Iterable[str]] = field(default=lambda night: [""])
    # How many nights back a worker that was down catches up.
    look_back_nights: int = 2


JOBS: dict[str, Job] = {}


def register(job: Job) -> Job:
    """Add a job to the registry (features do this in their `init_app`)."""
    JOBS[job.name] = job
    return job


def at_stockholm(day: date, clock: str) -> datetime:
    """`clock` ("HH:MM", a setting) on `day` in Stockholm: when a morning job is due."""
    hours, minutes = (int(part) for part in clock.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=ZONE)


def worker_name() -> str:
    """How this process signs its claims (the outbox's drains sign theirs the same way)."""
    return worker_id()


def nights_around(now: datetime, look_back: int) -> list[date]:
    """Tonight and the `look_back` nights before it, oldest first."""
    tonight = night_of(now)
    return [tonight - timedelta(days=n) for n in range(look_back, -1, -1)]


def claim(job: str, night: date, key: str, by: str) -> JobRun | None:
    """Insert the run's row (or take over a stale unfinished one); None when another has it."""
    run = JobRun(job=job, night=night, key=key, claimed_by=by, claimed_at=utcnow())
    db.session.add(run)
    try:
        db.session.commit()
        return run
    except IntegrityError:
        db.session.rollback()
    now = utcnow()
    taken = db.session.execute(
        sa.update(JobRun)
        .where(
            JobRun.job == job,
            JobRun.night == night,
            JobRun.key == key,
            JobRun.finished_at.is_(None),
            JobRun.claimed_at < now - STALE_CLAIM,
        )
        .values(claimed_by=by, claimed_at=now)
    )
    db.session.commit()
    if taken.rowcount != 1:
        return None
    return db.session.scalars(
        sa.select(JobRun).where(JobRun.job == job, JobRun.night == night, JobRun.key == key)
    ).one()


def run_due_jobs(by: str | None = None, jobs: Iterable[Job] | None = None) -> list[JobRun]:
    """Claim and run every job that is due and not yet claimed; returns the runs made.

    A job that raises is recorded with its error and not retried on its own: the operator sees
    it in `job_runs` (a half-sent batch of emails must not be sent twice by a blind retry; the
    jobs themselves queue into outboxes that retry each message).
    """
    by = by or worker_name()
    now = utcnow()
    done: list[JobRun] = []
    for job in list(jobs if jobs is not None else JOBS.values()):
        for night in nights_around(now, job.look_back_nights):
            due = job.due_at(night)
            if due is None or due > now:
                continue
            for key in job.keys(night):
                if _already_claimed(job.name, night, key):
                    continue
                run = claim(job.name, night, key, by)
                if run is None:
                    continue
                try:
                    run.outcome = job.run(night, key) or "ok"
                except Exception as error:  # recorded for the operator, never silent
                    db.session.rollback()
                    log.exception("scheduled job %s for %s failed", job.name, night)
                    run = db.session.get(JobRun, run.id)
                    run.outcome = f"error: {error}"[:2000]
                run.finished_at = utcnow()
                db.session.commit()
                log_job(
                    job.name,
                    "error" if run.outcome.startswith("error:") else "ok",
                    night=night.isoformat(),
                    key=key,
                    ms=round((utcnow() - run.claimed_at).total_seconds() * 1000),
                )
                done.append(run)
    return done


def _already_claimed(job: str, night: date, key: str) -> bool:
    """A cheap read first, so that a worker polling every few seconds does not insert and roll
    back a row for every finished run."""
    return (
        db.session.scalar(
            sa.select(JobRun.id).where(
                JobRun.job == job,
                JobRun.night == night,
                JobRun.key == key,
                sa.or_(
                    JobRun.finished_at.is_not(None), JobRun.claimed_at >= utcnow() - STALE_CLAIM
                ),
            )
        )
        is not None
    )


# --- the worker's heartbeat ----------------------------------------------------------------------

# A worker writes its beat at most this often, and is counted alive for WORKER_STALE after it.
BEAT_EVERY = timedelta(seconds=30)
WORKER_STALE = timedelta(minutes=2)


def beat(worker: str, last: datetime | None = None) -> datetime:
    """Record that `worker` is alive (at most every BEAT_EVERY: pass the time of the last beat);
    returns the time of the beat that stands."""
    now = utcnow()
    if last is not None and now - last < BEAT_EVERY:
        return last
    updated = db.session.execute(
        sa.update(WorkerBeat).where(WorkerBeat.worker == worker).values(seen_at=now)
    ).rowcount
    if not updated:
        db.session.add(WorkerBeat(worker=worker, started_at=now, seen_at=now))
    db.session.commit()
    return now


def worker_probe() -> Probe:
    """Whether a worker was heard within WORKER_STALE (push, mail and the scheduled jobs depend
    on one). Not blocking: the app host still serves the guards' syncs."""
    now = utcnow()
    last, alive = db.session.execute(
        sa.select(
            sa.func.max(WorkerBeat.seen_at),
            sa.func.count().filter(WorkerBeat.seen_at >= now - WORKER_STALE),
        )
    ).one()
    db.session.rollback()
    if last is None:
        return Probe(
            ok=False,
            details={"workers_alive": 0},
            problem="No worker has ever run: start `flask --app app worker`.",
            blocking=False,
        )
    if last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    age = round((now - last).total_seconds())
    details = {"workers_alive": alive, "last_seen_at": last.isoformat(), "last_seen_age_s": age}
    if alive:
        return Probe(ok=True, details=details, blocking=False)
    return Probe(
        ok=False,
        details=details,
        problem=f"No worker heard for {age // 60} min: push, mail and scheduled jobs are not running.",
        blocking=False,
    )
