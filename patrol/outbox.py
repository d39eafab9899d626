"""The server's one outbox (architecture §3): claim, lease, retry with backoff, give up; and the
registry of drains that `flask --app app worker` runs.

Every message the server sends to somebody else (an email, a Web Push message, and later an
alarm or an integration webhook) is a row written in the same transaction as the event that
causes it, and sent after commit by a worker. What differs between them is only how one row is
delivered; everything around the delivery is here, once:

- **Claim.** One statement takes a batch of due rows:

      UPDATE <table> SET status='sending', claimed_by=<me>, claimed_until=<now+lease>,
                         attempts=attempts+1
      WHERE id IN (SELECT id FROM <table> WHERE <due> ORDER BY next_attempt_at, id LIMIT n
                   FOR UPDATE SKIP LOCKED)
      RETURNING id

  On PostgreSQL, SKIP LOCKED lets parallel workers take disjoint batches without waiting on each
  other; SQLite ignores FOR UPDATE, and there the UPDATE takes the database's single write lock,
  which serialises claims just as well. The claim commits before anything leaves the server, so
  no lock is held while a mail server or a push service is slow.
- **Lease.** A claimed row not finished by `claimed_until` is due again: a worker that died
  mid-batch delays its rows by one lease and loses none (at least once on a crash, exactly once
  otherwise). Each outcome is written only while the claim is still ours, so a worker that
  overran its lease cannot overwrite the outcome of the worker that took the row over.
- **Retry.** A temporary failure puts the row back with exponential backoff and jitter (half to
  all of `base * 2^(attempts-1)`, capped): many workers retrying after one outage spread out.
- **Give up.** When the attempts are used up, or the next attempt would fall after the row's
  deadline (its creation plus `give_up_after`, or a deadline of its own such as a push
  message's TTL), the row is failed with its last error kept for the operator.

A feature keeps its own table (its own payload columns and status enum; `OutboxColumns` brings
the common ones), makes one `Outbox` over it, and registers a `Drain` from its `init_app`. The
worker knows drains only through this registry, so a new kind of delivery is a table, an
`Outbox`, a delivery function and one `register_drain` call.

This is a shared module: it imports no feature.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Mapped, Session, mapped_column

from patrol.db import UTCDateTime, db, utcnow
from patrol.status import Probe, register_probe

log = logging.getLogger(__name__)

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"

# A last_error is kept whole up to this (or the column's own length, if shorter).
ERROR_LIMIT = 2000


def worker_id() -> str:
    """This process, as it signs its claims: host and pid (several hosts may run workers)."""
    return f"{socket.gethostname()}:{os.getpid()}"


class OutboxColumns:
    """The columns `Outbox` works over, for a new outbox table (mix into the model; a model may
    redeclare one to keep an older length). The table adds its own `id`, its payload and a
    `status` enum holding at least pending, sending, sent and failed, and should index
    (status, next_attempt_at), which is what a claim searches."""

    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Which worker holds the row (or made its last attempt), and until when.
    claimed_by: Mapped[str | None] = mapped_column(sa.String(120))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)


@dataclass(frozen=True)
class Policy:
    """How one outbox retries. Read from the app's settings at each use, so that an operator's
    (or a test's) setting applies without a restart of the app object."""

    lease: timedelta
    retry_base_s: float
    retry_max_s: float
    # None: no limit of that kind.
    max_attempts: int | None = None
    give_up_after: timedelta | None = None


class Outbox:
    """Claim, lease, retry and give-up over one outbox table (see the module's docstring)."""

    def __init__(self, model, channel: str, policy: Callable[[], Policy]):
        self.model = model
        # The PostgreSQL NOTIFY channel that wakes this outbox's drain at commit.
        self.channel = channel
        self.policy = policy
        length = getattr(model.__table__.c.last_error.type, "length", None)
        self.error_limit = min(length or ERROR_LIMIT, ERROR_LIMIT)

    def __repr__(self) -> str:
        return f"Outbox({self.model.__tablename__})"

    # --- writing -----------------------------------------------------------------------------

    def wake(self, session: Session | None = None) -> None:
        """Call in the transaction that adds rows: on PostgreSQL a NOTIFY is delivered at commit
        (never if the transaction rolls back), so a listening drain sends at once instead of at
        its next poll. Elsewhere a no-op."""
        session = session or db.session
        if session.get_bind().dialect.name == "postgresql":
            session.execute(sa.select(sa.func.pg_notify(self.channel, "")))

    # --- claiming ----------------------------------------------------------------------------

    def claim(
        self, by: str, batch: int = 20, *, session: Session | None = None, commit: bool = True
    ) -> list[int]:
        """Claim up to `batch` due rows for `by`; their ids, oldest due first.

        Must be the first statement of its transaction (a row read before it in the same
        transaction could hide a commit of another worker), hence the rollback. `commit=False`
        leaves the claim's transaction open, which only a test wants (to hold the row locks
        while a second connection claims)."""
        session = session or db.session
        session.rollback()
        model = self.model
        now = utcnow()
        due = (
            sa.select(model.id)
            .where(
                sa.or_(
                    sa.and_(model.status == PENDING, model.next_attempt_at <= now),
                    sa.and_(model.status == SENDING, model.claimed_until < now),
                )
            )
            .order_by(model.next_attempt_at, model.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        claimed = session.scalars(
            sa.update(model)
            .where(model.id.in_(due.scalar_subquery()))
            .values(
                status=SENDING,
                claimed_by=by,
                claimed_until=now + self.policy().lease,
                attempts=model.attempts + 1,
            )
            .returning(model.id),
            execution_options={"synchronize_session": False},
        ).all()
        if commit:
            session.commit()
        return sorted(claimed)

    def finish(self, row_id, by: str, *, session: Session | None = None, **values) -> bool:
        """Write an outcome if the claim is still `by`'s (it may have expired and moved on to
        another worker); False when it was not. `claimed_by` stays: it tells which worker made
        the last attempt. The caller commits."""
        session = session or db.session
        model = self.model
        result = session.execute(
            sa.update(model)
            .where(model.id == row_id, model.claimed_by == by)
            .values(claimed_until=None, **values),
            execution_options={"synchronize_session": False},
        )
        return result.rowcount == 1

    def sent(self, row_id, by: str, **values) -> bool:
        """Delivered: the row is done for good."""
        return self.finish(row_id, by, status=SENT, sent_at=utcnow(), **values)

    def fail(self, row_id, by: str, error: str, **values) -> bool:
        """Refused for good (retrying would only be refused again): failed, error kept."""
        return self.finish(
            row_id, by, status=FAILED, last_error=error[: self.error_limit], **values
        )

    # --- retrying ----------------------------------------------------------------------------

    def backoff_s(self, attempts: int) -> float:
        """Seconds before the next attempt after `attempts` failed ones: exponential with jitter
        (half to all of base * 2^(attempts-1), capped at the policy's maximum)."""
        policy = self.policy()
        delay = min(policy.retry_max_s, policy.retry_base_s * 2 ** max(0, attempts - 1))
        return random.uniform(0.5, 1.0) * delay

    def retry(
        self,
        row,
        by: str,
        error: str,
        *,
        delay_s: float | None = None,
        deadline: datetime | None = None,
        **values,
    ) -> str | None:
        """A temporary failure: back to pending with backoff (or `delay_s`, e.g. a server's
        Retry-After), or failed when the attempts are used up or the next attempt would fall
        after the deadline (the earlier of `deadline` and created_at + give_up_after). The last
        error is kept either way. Returns the status written, or None when the claim was no
        longer `by`'s and nothing was written (the caller commits)."""
        policy = self.policy()
        now = utcnow()
        delay = self.backoff_s(row.attempts) if delay_s is None else delay_s
        next_at = now + timedelta(seconds=delay)
        deadlines = [d for d in (deadline,) if d is not None]
        if policy.give_up_after is not None:
            deadlines.append(row.created_at + policy.give_up_after)
        out_of_attempts = policy.max_attempts is not None and row.attempts >= policy.max_attempts
        if out_of_attempts or (deadlines and next_at > min(deadlines)):
            if not self.fail(row.id, by, error, **values):
                return None
            log.warning(
                "%s %s given up after %s attempt(s): %s",
                self.model.__tablename__,
                row.id,
                row.attempts,
                error,
            )
            return FAILED
        written = self.finish(
            row.id,
            by,
            status=PENDING,
            next_attempt_at=next_at,
            last_error=error[: self.error_limit],
            **values,
        )
        return PENDING if written else None

    # --- for the drain loop ------------------------------------------------------------------

    def next_due(self) -> datetime | None:
        """When the next row becomes claimable (a pending row's next attempt, or a claim's lease
        end); None when nothing is waiting."""
        model = self.model
        times = [
            db.session.scalar(
                sa.select(sa.func.min(model.next_attempt_at)).where(model.status == PENDING)
            ),
            db.session.scalar(
                sa.select(sa.func.min(model.claimed_until)).where(model.status == SENDING)
            ),
        ]
        db.session.rollback()
        times = [t if t.tzinfo else t.replace(tzinfo=UTC) for t in times if t is not None]
        return min(times, default=None)

    def backlog(self) -> dict:
        """What waits: rows pending or being sent, the age in seconds of the oldest of them,
        and rows given up in the last day (for /readyz, /metrics and the desk's status line)."""
        model = self.model
        now = utcnow()
        waiting_rows = model.status.in_((PENDING, SENDING))
        waiting, oldest, failed = db.session.execute(
            sa.select(
                sa.func.count().filter(waiting_rows),
                sa.func.min(model.created_at).filter(waiting_rows),
                sa.func.count().filter(
                    model.status == FAILED, model.created_at >= now - timedelta(days=1)
                ),
            )
        ).one()
        db.session.rollback()
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        return {
            "waiting": waiting,
            "oldest_waiting_s": round((now - oldest).total_seconds()) if oldest else 0,
            "failed_last_day": failed,
        }

    def prune(self, keep: timedelta, statuses: tuple[str, ...] = (SENT, FAILED)) -> int:
        """Delete finished rows created more than `keep` ago; returns how many went."""
        model = self.model
        result = db.session.execute(
            sa.delete(model).where(model.status.in_(statuses), model.created_at < utcnow() - keep),
            execution_options={"synchronize_session": False},
        )
        db.session.commit()
        return result.rowcount


# --- the drains the worker runs ------------------------------------------------------------------


@dataclass(frozen=True)
class Drain:
    """Work that `flask --app app worker` does in the background, registered by a feature.

    `run(by, batch)` does one pass (claim a batch, deliver it, record the outcomes) as worker
    `by` and returns how many rows it handled (0: nothing due). A drain over an `Outbox` names
    it, so that the loop can sleep until its next row is due and wake on its NOTIFY."""

    name: str
    run: Callable[[str, int], int]
    outbox: Outbox | None = None
    batch: int = 20
    # The setting with the seconds between passes when idle.
    poll_setting: str = "WORKER_POLL_S"
    # Why the drain cannot run in this app (e.g. no VAPID key), or None when it can.
    missing: Callable[[], str | None] | None = None
    # Housekeeping done about once an hour by a running drain (e.g. deleting old rows).
    tidy: Callable[[], object] | None = None
    # The endpoint of a page that lists this outbox's failures for a person to act on (the desk's
    # status line links it when rows failed); None: failures are routine (a push subscription
    # that is gone) and only counted.
    failures_page: str | None = None


TIDY_EVERY_S = 3600
_REGISTRY = "patrol_drains"


# An outbox whose oldest waiting row is older than this is behind (the desk's status line).
BACKLOG_STALE = timedelta(minutes=15)


def register_drain(app: Flask, drain: Drain) -> Drain:
    """Add a drain to this app's worker (features do this in their `init_app`); a drain over an
    outbox also reports its backlog to /readyz, /metrics and the desk (`patrol.status`)."""
    app.extensions.setdefault(_REGISTRY, {})[drain.name] = drain
    if drain.outbox is not None:
        register_probe(app, f"outbox_{drain.name}", lambda: backlog_probe(drain))
    return drain


def backlog_probe(drain: Drain) -> Probe:
    details = drain.outbox.backlog()
    if drain.failures_page:
        details["failures_page"] = drain.failures_page
    late = details["oldest_waiting_s"] > BACKLOG_STALE.total_seconds()
    return Probe(
        ok=not late,
        details=details,
        problem=(
            f"{drain.name}: {details['waiting']} waiting, the oldest for "
            f"{details['oldest_waiting_s'] // 60} min: is `flask --app app worker` running?"
            if late
            else None
        ),
        blocking=False,
    )


def registered_drains(app: Flask) -> dict[str, Drain]:
    return dict(app.extensions.get(_REGISTRY, {}))


def lane_name(drain: Drain) -> str:
    """How a drain's claims are signed in this process: each drain has its own lane (thread),
    and no two lanes may finish each other's claims."""
    return f"{worker_id()}:{drain.name}"


def drain_until_idle(drain: Drain, by: str | None = None) -> int:
    """Pass after pass until nothing is due; how many rows were handled (inside an app
    context)."""
    by = by or lane_name(drain)
    handled = 0
    while (count := drain.run(by, drain.batch)) > 0:
        handled += count
    return handled


def run_drain(
    app: Flask,
    drain: Drain,
    stop: threading.Event,
    *,
    poll: float | None = None,
    by: str | None = None,
) -> int:
    """Drain until `stop` is set: pass after pass while there is work, then sleep until the
    outbox's next row is due, the poll interval passes, or a NOTIFY (PostgreSQL) wakes it.

    Each drain runs this in its own thread, so a mail server that takes its time never holds
    back an SOS's push message. An error in one pass is logged and the pass tried again after
    the poll interval: the lane never dies. Returns how many rows it handled."""
    handled = 0
    with app.app_context():
        poll = poll or float(app.config[drain.poll_setting])
        by = by or lane_name(drain)
        waiter = Waiter(app.config["DATABASE_URL"], drain.outbox.channel if drain.outbox else None)
        next_tidy = 0.0
        try:
            while not stop.is_set():
                try:
                    if drain.tidy is not None and time.monotonic() >= next_tidy:
                        drain.tidy()
                        next_tidy = time.monotonic() + TIDY_EVERY_S
                    count = drain.run(by, drain.batch)
                except Exception:  # logged for the operator; the lane keeps going
                    log.exception("drain %s: pass failed", drain.name)
                    db.session.rollback()
                    stop.wait(min(poll, 5.0))
                    continue
                handled += count
                if count:
                    continue
                waiter.wait(seconds_until_due(drain, poll), stop)
        finally:
            waiter.close()
            db.session.close()
    return handled


def seconds_until_due(drain: Drain, poll: float) -> float:
    if drain.outbox is None:
        return poll
    next_at = drain.outbox.next_due()
    if next_at is None:
        return poll
    return max(0.0, min(poll, (next_at - utcnow()).total_seconds()))


class Waiter:
    """Sleeps until the next poll, or until a NOTIFY on the outbox's channel (PostgreSQL) wakes
    it early."""

    def __init__(self, database_url: str, channel: str | None):
        self.conn = None
        url = sa.make_url(database_url)
        if channel and url.get_backend_name() == "postgresql":
            import psycopg

            conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
            self.conn = psycopg.connect(conninfo, autocommit=True)
            self.conn.execute(f"LISTEN {channel}")

    def wait(self, seconds: float, stop: threading.Event) -> None:
        if seconds <= 0:
            return
        if self.conn is None:
            stop.wait(seconds)
            return
        deadline = time.monotonic() + seconds
        # Short slices so that `stop` is honoured promptly.
        while not stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            for _ in self.conn.notifies(timeout=min(left, 0.5), stop_after=1):
                return

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def durations_from_seconds(app: Flask, *names: str) -> None:
    """Settings that are durations, given in seconds from the environment, as timedeltas."""
    for name in names:
        if isinstance(app.config[name], int | float | str):
            app.config[name] = timedelta(seconds=float(app.config[name]))
