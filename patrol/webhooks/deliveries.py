"""Queueing and sending signed webhooks.

`enqueue` writes a delivery row in the caller's transaction (so a rolled-back event sends
nothing and a committed one cannot lose its webhook). `drain` is the worker's `webhooks` drain:
it claims due rows through the server's one outbox (`patrol.outbox`: SKIP LOCKED on PostgreSQL,
a lease, backoff with jitter, giving up), commits the claim, then POSTs with no lock held.

What an answer means:
- 2xx: delivered.
- 408, 425, 429, 5xx, a timeout or a connection error: tried again with backoff (a 429's or
  503's Retry-After is honoured, within the backoff's cap).
- any other status, a redirect included (a webhook is never redirected: the signature would
  travel to a host the operator did not name), or no secret for the target: failed for good,
  the reason kept for the delivery log and its "Skicka igen".

A feature owns its targets: it registers, with `register_target`, how the worker finds the
secret of a delivery at send time ("alarm": PATROL_ALARM_WEBHOOK_SECRET; "subscription": the
subscription's own secret).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

import requests
import sqlalchemy as sa
from flask import current_app

from patrol.db import db, utcnow
from patrol.outbox import Drain, Outbox, Policy, lane_name
from patrol.webhooks import signature
from patrol.webhooks.models import WebhookDelivery

log = logging.getLogger(__name__)

BATCH = 10
RETRYABLE = {408, 425, 429, 500, 502, 503, 504}
# Kept of a receiver's answer, for the delivery log.
EXCERPT = 300
USER_AGENT = "Nattpatrull-Webhooks/1"

# kind ("alarm", "subscription") -> the secret of a delivery, or None when there is none.
_TARGETS: dict[str, Callable[[WebhookDelivery], str | None]] = {}


def register_target(kind: str, secret_for: Callable[[WebhookDelivery], str | None]) -> None:
    """Tell the drain where the secret of deliveries to `kind:...` targets is found."""
    _TARGETS[kind] = secret_for


def webhook_policy() -> Policy:
    config = current_app.config
    return Policy(
        lease=config["WEBHOOK_CLAIM_LEASE"],
        retry_base_s=config["WEBHOOK_RETRY_BASE_S"],
        retry_max_s=config["WEBHOOK_RETRY_MAX_S"],
        give_up_after=config["WEBHOOK_GIVE_UP_AFTER"],
    )


OUTBOX = Outbox(WebhookDelivery, channel="patrol_webhooks", policy=webhook_policy)


def _json_default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def body_bytes(event: str, payload: dict, occurred_at: datetime | None = None) -> bytes:
    """The body every webhook has: {"data": ..., "event": ..., "occurred_at": ...} as compact
    UTF-8 JSON with sorted keys (the bytes are what is signed; a receiver verifies them as
    received, never re-encoded)."""
    envelope = {
        "event": event,
        "occurred_at": (occurred_at or utcnow()).isoformat(),
        "data": payload,
    }
    return json.dumps(
        envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
    ).encode()


def enqueue(
    target: str,
    url: str,
    event: str,
    payload: dict,
    *,
    session=None,
    occurred_at: datetime | None = None,
) -> WebhookDelivery:
    """Queue one delivery in the caller's transaction (the caller commits)."""
    session = session or db.session
    kind = target.partition(":")[0]
    if kind not in _TARGETS:
        raise ValueError(f"no webhook target kind {kind!r} is registered")
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"a webhook goes to an http(s) address, not {url!r}")
    delivery = WebhookDelivery(
        target=target, url=url, event=event, body=body_bytes(event, payload, occurred_at)
    )
    session.add(delivery)
    session.flush()
    OUTBOX.wake(session)
    return delivery


def send_one(delivery: WebhookDelivery, secret: str, http: requests.Session) -> requests.Response:
    return http.post(
        delivery.url,
        data=delivery.body,
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            signature.HEADER: signature.header(secret, delivery.body, utcnow()),
            "Nattpatrull-Event": delivery.event,
            "Nattpatrull-Delivery": str(delivery.id),
        },
        timeout=(
            current_app.config["WEBHOOK_CONNECT_TIMEOUT_S"],
            current_app.config["WEBHOOK_READ_TIMEOUT_S"],
        ),
        allow_redirects=False,
    )


def retry_after_s(response: requests.Response) -> float | None:
    value = (response.headers.get("Retry-After") or "").strip()
    if not value.isdigit():
        return None
    return min(float(value), current_app.config["WEBHOOK_RETRY_MAX_S"])


def drain(by: str | None = None, batch: int = BATCH) -> int:
    """Claim one batch and send it; returns how many rows were claimed."""
    by = by or lane_name(DRAIN)
    ids = OUTBOX.claim(by, batch)
    if not ids:
        return 0
    rows = list(
        db.session.scalars(
            sa.select(WebhookDelivery)
            .where(WebhookDelivery.id.in_(ids), WebhookDelivery.claimed_by == by)
            .order_by(WebhookDelivery.id)
        )
    )
    secrets = {}
    for row in rows:
        secret_for = _TARGETS.get(row.target.partition(":")[0])
        secrets[row.id] = secret_for(row) if secret_for else None
    db.session.commit()  # no transaction open while a receiver takes its time
    with requests.Session() as http:
        for row in rows:
            deliver(row, secrets[row.id], by, http)
            db.session.commit()
    return len(ids)


def deliver(row: WebhookDelivery, secret: str | None, by: str, http: requests.Session) -> None:
    if not secret:
        OUTBOX.fail(row.id, by, f"no secret for {row.target}: not sent unsigned")
        return
    try:
        response = send_one(row, secret, http)
    except requests.RequestException as error:
        OUTBOX.retry(row, by, f"{type(error).__name__}: {error}", response_status=None)
        return
    excerpt = response.text[:EXCERPT] if response.content else ""
    if 200 <= response.status_code < 300:
        OUTBOX.sent(row.id, by, response_status=response.status_code, last_error=None)
    elif response.status_code in RETRYABLE:
        OUTBOX.retry(
            row,
            by,
            f"HTTP {response.status_code} {excerpt}".strip(),
            delay_s=retry_after_s(response),
            response_status=response.status_code,
        )
    else:
        why = "redirects are not followed" if 300 <= response.status_code < 400 else excerpt
        log.warning("webhook %s to %s refused: %s", row.id, row.target, response.status_code)
        OUTBOX.fail(
            row.id,
            by,
            f"HTTP {response.status_code} {why}".strip(),
            response_status=response.status_code,
        )


def tidy() -> int:
    """Delivered and failed rows go after WEBHOOK_KEEP (an alarm's body holds a position)."""
    return OUTBOX.prune(current_app.config["WEBHOOK_KEEP"])


# The worker's `webhooks` drain (registered by `patrol.webhooks.init_app`).
DRAIN = Drain(name="webhooks", run=drain, outbox=OUTBOX, batch=BATCH, tidy=tidy)


def retry_now(delivery_id: int) -> bool:
    """ "Skicka igen": a failed delivery goes back to the outbox, due now, with a fresh count
    of attempts and a new give-up deadline. False for one that is not failed (the caller
    commits)."""
    row = db.session.get(WebhookDelivery, delivery_id)
    if row is None or row.status != "failed":
        return False
    row.status = "pending"
    row.attempts = 0
    row.next_attempt_at = utcnow()
    row.created_at = utcnow()
    row.claimed_by = None
    row.claimed_until = None
    OUTBOX.wake()
    return True
