"""The worker's `push` drain: sends `push_messages` after commit, with retries, never twice.

Claiming, the lease, backoff with jitter and giving up are the server's one outbox
(`patrol.outbox`, over this table as `patrol.push.queue.OUTBOX`): SKIP LOCKED on PostgreSQL,
the single write lock on SQLite, the claim committed before any request leaves, each outcome
written only while the claim is still ours. What is push's own is here: one POST per message
through pywebpush, what the push service's answer means (sent, retry after Retry-After or
backoff, the subscription gone, refused), a message's TTL as its deadline, and deleting old
messages (their payloads may hold a guard's position). `flask --app app worker` runs this drain
in its own thread beside the others; `flask --app app push-worker` runs it alone.
"""

from __future__ import annotations

import email.utils
import json
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import requests
import sqlalchemy as sa
from flask import Flask, current_app
from pywebpush import WebPushException, webpush

from patrol.db import db, utcnow
from patrol.outbox import Drain, lane_name
from patrol.push.hosts import allowed_extra_hosts, endpoint_allowed
from patrol.push.keys import VapidSigner, signer
from patrol.push.models import PushMessage, PushSubscription
from patrol.push.queue import OUTBOX

log = logging.getLogger(__name__)

# Statuses a push service uses for "try again later".
RETRYABLE = {408, 425, 429, 500, 502, 503, 504}
# The subscription no longer exists: forget it.
GONE = {404, 410}
NO_KEY = "no VAPID key: push messages wait until `flask --app app push-keys` is run"


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
    """Sends push messages as one worker (`worker_id` signs its claims). Keeps one HTTP session,
    so that a lane reuses its connections to the push services."""

    def __init__(self, app: Flask, worker_id: str | None = None, batch: int = 20):
        self.app = app
        self.worker_id = worker_id or lane_name(DRAIN)
        self.batch = batch
        self.http = requests.Session()
        self.sent = 0

    def claim(self) -> list[int]:
        return OUTBOX.claim(self.worker_id, self.batch)

    def process(self, message_id: int, vapid: VapidSigner) -> str:
        session = db.session
        message = session.get(PushMessage, message_id, populate_existing=True)
        if message is None or message.claimed_by != self.worker_id:
            session.rollback()
            return "lost"
        now = utcnow()
        expires = message.created_at + timedelta(seconds=message.ttl_s)
        sub = message.subscription
        if sub is None:
            outcome = Outcome("gone", error="subscription removed")
        elif now > expires:
            outcome = Outcome("failed", error="expired before delivery (TTL)")
        else:
            session.commit()  # end the read transaction before the network call
            outcome = send_one(message, sub, vapid, self.http)
        by, extra = self.worker_id, {"last_status": outcome.http_status}
        if outcome.status == "sent":
            if sub is not None:
                session.execute(
                    sa.update(PushSubscription)
                    .where(PushSubscription.id == sub.id)
                    .values(last_success_at=utcnow())
                )
            status = "sent" if OUTBOX.sent(message_id, by, last_error=None, **extra) else None
        elif outcome.status == "gone":
            if sub is not None:
                # 404/410: the browser dropped this subscription; later messages to it go too.
                session.execute(sa.delete(PushSubscription).where(PushSubscription.id == sub.id))
            written = OUTBOX.finish(
                message_id, by, status="gone", last_error=outcome.error, **extra
            )
            status = "gone" if written else None
        elif outcome.status == "retry":
            delay = outcome.retry_after_s
            if delay is not None:
                delay = min(delay, current_app.config["PUSH_RETRY_AFTER_MAX_S"])
            status = OUTBOX.retry(
                message, by, outcome.error or "", delay_s=delay, deadline=expires, **extra
            )
        else:
            written = OUTBOX.fail(message_id, by, outcome.error or "", **extra)
            status = "failed" if written else None
        if status is None:
            session.rollback()
            return "lost"
        session.commit()
        if status == "sent":
            self.sent += 1
        else:
            log.info("push %s: %s %s", message_id, status, outcome.error or "")
        return status

    def run_once(self) -> int:
        """Claim and process one batch; returns how many were claimed."""
        vapid = signer()
        if vapid is None:
            raise RuntimeError(NO_KEY)
        ids = self.claim()
        for message_id in ids:
            self.process(message_id, vapid)
        return len(ids)

    def prune(self) -> int:
        """Delete finished messages older than PUSH_KEEP (their payloads may hold a guard's
        position); returns how many went."""
        return prune_old()


def prune_old() -> int:
    return OUTBOX.prune(current_app.config["PUSH_KEEP"], ("sent", "gone", "failed"))


_lanes = threading.local()


def drain_push(by: str, batch: int) -> int:
    """One pass of the `push` drain. Each lane (thread) keeps its PushWorker, and with it its
    HTTP connections, from pass to pass."""
    app = current_app._get_current_object()
    worker = getattr(_lanes, "worker", None)
    if worker is None or (worker.app, worker.worker_id, worker.batch) != (app, by, batch):
        worker = _lanes.worker = PushWorker(app, worker_id=by, batch=batch)
    return worker.run_once()


def missing_key() -> str | None:
    return None if signer() is not None else NO_KEY


# The worker's `push` drain (registered by `patrol.push.init_app`). It polls every
# PUSH_WORKER_POLL_S and wakes at once on PostgreSQL: an SOS must not wait for a poll.
DRAIN = Drain(
    name="push",
    run=drain_push,
    outbox=OUTBOX,
    poll_setting="PUSH_WORKER_POLL_S",
    missing=missing_key,
    tidy=prune_old,
)
