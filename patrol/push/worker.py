"""The push worker: drains `push_messages` after commit, with retries, never twice.

Claiming is one statement:

    UPDATE push_messages SET status='sending', claimed_by=<me>, claimed_until=<now+lease>
    WHERE id IN (SELECT id FROM push_messages WHERE <due> ORDER BY ... LIMIT n
                 FOR UPDATE SKIP LOCKED)
    RETURNING id

On PostgreSQL, SKIP LOCKED lets parallel workers claim disjoint batches without waiting on
each other; on SQLite (which ignores FOR UPDATE) the UPDATE takes the database's single write
lock, which serialises claims just as well. The claim commits before any request leaves, so no
lock is held while a push service is slow. Each outcome is written only if the claim is still
ours. A worker that dies mid-batch leaves claims that expire after the lease; those messages
are then sent again (at least once on a crash; exactly once otherwise).
"""

from __future__ import annotations

import email.utils
import json
import logging
import os
import random
import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import requests
import sqlalchemy as sa
from flask import Flask, current_app
from pywebpush import WebPushException, webpush

from patrol.db import db, utcnow
from patrol.push.hosts import allowed_extra_hosts, endpoint_allowed
from patrol.push.keys import VapidSigner, signer
from patrol.push.models import PushMessage, PushSubscription
from patrol.push.queue import WAKE_CHANNEL

log = logging.getLogger(__name__)

# Statuses a push service uses for "try again later".
RETRYABLE = {408, 425, 429, 500, 502, 503, 504}
# The subscription no longer exists: forget it.
GONE = {404, 410}
PRUNE_EVERY_S = 3600


@dataclass
class Outcome:
    status: str  # sent | retry | gone | failed
    http_status: int | None = None
    error: str | None = None
    retry_after_s: float | None = None


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds or an HTTP date (RFC 9110 10.2.3); None when absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def send_one(
    message: PushMessage, sub: PushSubscription, vapid: VapidSigner, session: requests.Session
) -> Outcome:
    """One POST to the push service through pywebpush; the answer as an Outcome."""
    extra = allowed_extra_hosts(current_app.config.get("PUSH_ALLOWED_HOSTS"))
    if not endpoint_allowed(sub.endpoint, extra):
        return Outcome("failed", error="endpoint host no longer allowed")
    data = json.dumps(message.payload, ensure_ascii=False, separators=(",", ":"))
    try:
        response = webpush(
            sub.info(),
            data,
            vapid_private_key=vapid.vapid,
            # A fresh dict every call: pywebpush writes aud/exp into it.
            vapid_claims=vapid.claims(),
            ttl=message.ttl_s,
            headers={"Urgency": message.urgency},
            timeout=current_app.config["PUSH_REQUEST_TIMEOUT_S"],
            requests_session=session,
        )
    except WebPushException as error:
        code = error.status_code
        text = str(error)[:500]
        if code in GONE:
            return Outcome("gone", code, text)
        if code in RETRYABLE:
            return Outcome("retry", code, text, parse_retry_after(error.retry_after))
        if code is None:
            return Outcome("retry", None, text)
        return Outcome("failed", code, text)
    except requests.RequestException as error:
        return Outcome("retry", None, f"{type(error).__name__}: {error}"[:500])
    return Outcome("sent", response.status_code)


class PushWorker:
    def __init__(self, app: Flask, worker_id: str | None = None, batch: int = 20):
        self.app = app
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.batch = batch
        self.http = requests.Session()
        self.sent = 0

    # --- claiming ---------------------------------------------------------------------------

    def claim(self) -> list[int]:
        session = db.session
        session.rollback()  # the claim must be the first statement of its transaction
        now = utcnow()
        lease = current_app.config["PUSH_CLAIM_LEASE"]
        due = (
            sa.select(PushMessage.id)
            .where(
                sa.or_(
                    sa.and_(PushMessage.status == "pending", PushMessage.next_attempt_at <= now),
                    sa.and_(PushMessage.status == "sending", PushMessage.claimed_until < now),
                )
            )
            .order_by(PushMessage.next_attempt_at, PushMessage.id)
            .limit(self.batch)
            .with_for_update(skip_locked=True)
        )
        claimed = session.scalars(
            sa.update(PushMessage)
            .where(PushMessage.id.in_(due.scalar_subquery()))
            .values(
                status="sending",
                claimed_by=self.worker_id,
                claimed_until=now + lease,
                attempts=PushMessage.attempts + 1,
            )
            .returning(PushMessage.id),
            execution_options={"synchronize_session": False},
        ).all()
        session.commit()
        return sorted(claimed)

    def finish(self, message_id: int, values: dict) -> bool:
        """Write an outcome if the claim is still ours (it may have expired and moved on).
        `claimed_by` stays: it records which worker made the last attempt."""
        result = db.session.execute(
            sa.update(PushMessage)
            .where(PushMessage.id == message_id, PushMessage.claimed_by == self.worker_id)
            .values(claimed_until=None, **values),
            execution_options={"synchronize_session": False},
        )
        return result.rowcount == 1

    # --- sending ----------------------------------------------------------------------------

    def backoff(self, attempts: int) -> float:
        """Exponential backoff with full jitter."""
        base = current_app.config["PUSH_RETRY_BASE_S"]
        cap = current_app.config["PUSH_RETRY_MAX_S"]
        return random.uniform(0.5, 1.0) * min(cap, base * 2 ** max(0, attempts - 1))

    def process(self, message_id: int, vapid: VapidSigner) -> str:
        session = db.session
        message = session.get(PushMessage, message_id, populate_existing=True)
        if message is None or message.claimed_by != self.worker_id:
            session.rollback()
            return "lost"
        now = utcnow()
        sub = message.subscription
        if sub is None:
            outcome = Outcome("gone", error="subscription removed")
        elif now > message.created_at + timedelta(seconds=message.ttl_s):
            outcome = Outcome("failed", error="expired before delivery (TTL)")
        else:
            session.commit()  # end the read transaction before the network call
            outcome = send_one(message, sub, vapid, self.http)
        values: dict = {"last_status": outcome.http_status, "last_error": outcome.error}
        if outcome.status == "sent":
            values.update(status="sent", sent_at=utcnow(), last_error=None)
            if sub is not None:
                session.execute(
                    sa.update(PushSubscription)
                    .where(PushSubscription.id == sub.id)
                    .values(last_success_at=utcnow())
                )
        elif outcome.status == "gone":
            values["status"] = "gone"
            if sub is not None:
                # 404/410: the browser dropped this subscription; later messages to it go too.
                session.execute(sa.delete(PushSubscription).where(PushSubscription.id == sub.id))
        elif outcome.status == "retry":
            delay = outcome.retry_after_s
            if delay is None:
                delay = self.backoff(message.attempts)
            delay = min(delay, current_app.config["PUSH_RETRY_AFTER_MAX_S"])
            next_at = utcnow() + timedelta(seconds=delay)
            expires = message.created_at + timedelta(seconds=message.ttl_s)
            if message.attempts >= current_app.config["PUSH_MAX_ATTEMPTS"] or next_at > expires:
                values["status"] = "failed"
            else:
                values.update(status="pending", next_attempt_at=next_at)
        else:
            values["status"] = "failed"
        if not self.finish(message_id, values):
            session.rollback()
            return "lost"
        session.commit()
        if values["status"] == "sent":
            self.sent += 1
        else:
            log.info("push %s: %s %s", message_id, values["status"], outcome.error or "")
        return values["status"]

    def run_once(self) -> int:
        """Claim and process one batch; returns how many were claimed."""
        vapid = signer()
        if vapid is None:
            raise RuntimeError("no VAPID key: run `flask --app app push-keys` first")
        ids = self.claim()
        for message_id in ids:
            self.process(message_id, vapid)
        return len(ids)

    def prune(self) -> int:
        """Delete finished messages older than PUSH_KEEP (their payloads may hold a guard's
        position); returns how many went."""
        before = utcnow() - current_app.config["PUSH_KEEP"]
        result = db.session.execute(
            sa.delete(PushMessage).where(
                PushMessage.status.in_(("sent", "gone", "failed")),
                PushMessage.created_at < before,
            ),
            execution_options={"synchronize_session": False},
        )
        db.session.commit()
        return result.rowcount

    def seconds_until_due(self, poll: float) -> float:
        next_at = db.session.scalar(
            sa.select(sa.func.min(PushMessage.next_attempt_at)).where(
                PushMessage.status.in_(("pending", "sending"))
            )
        )
        db.session.rollback()
        if next_at is None:
            return poll
        if next_at.tzinfo is None:
            next_at = next_at.replace(tzinfo=UTC)
        return max(0.0, min(poll, (next_at - utcnow()).total_seconds()))

    def run(self, poll: float = 1.0, stop: threading.Event | None = None) -> None:
        """Drain forever (until `stop` is set): batch after batch, then wait for a NOTIFY
        (PostgreSQL) or the poll interval."""
        stop = stop or threading.Event()
        with self.app.app_context():
            waiter = Waiter(current_app.config["DATABASE_URL"])
            next_prune = 0.0
            try:
                while not stop.is_set():
                    if time.monotonic() >= next_prune:
                        self.prune()
                        next_prune = time.monotonic() + PRUNE_EVERY_S
                    try:
                        claimed = self.run_once()
                    except sa.exc.OperationalError as error:
                        log.warning("push worker: database unavailable: %s", error)
                        db.session.rollback()
                        stop.wait(min(poll, 5.0))
                        continue
                    if claimed >= self.batch:
                        continue
                    waiter.wait(self.seconds_until_due(poll), stop)
            finally:
                waiter.close()
                db.session.close()


class Waiter:
    """Sleeps until the next poll, or until a NOTIFY on PostgreSQL wakes it early."""

    def __init__(self, database_url: str):
        self.conn = None
        url = sa.make_url(database_url)
        if url.get_backend_name() == "postgresql":
            import psycopg

            conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
            self.conn = psycopg.connect(conninfo, autocommit=True)
            self.conn.execute(f"LISTEN {WAKE_CHANNEL}")

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
