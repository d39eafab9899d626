"""Signed webhooks (`patrol.webhooks`): the one scheme, and the one outbox under it, against a
real HTTP receiver on loopback that checks every signature, with the server's clock set by the
test (never a sleep)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from patrol.db import db, set_clock
from patrol.outbox import drain_until_idle
from patrol.webhooks import signature
from patrol.webhooks.deliveries import DRAIN, enqueue, register_target, retry_now
from patrol.webhooks.models import WebhookDelivery
from tests.support.receiver import WebhookReceiver

T0 = datetime(2026, 12, 8, 1, 12, tzinfo=UTC)
SECRET = "whsec-test-0123456789"


# --- the signature, as a receiver checks it -----------------------------------------------------


def test_signature_round_trip_and_what_it_refuses():
    body = b'{"event":"alarm.escalated"}'
    value = signature.header(SECRET, body, T0)
    assert value.startswith(f"t={int(T0.timestamp())},v1=")
    assert signature.verify(value, body, SECRET, now=T0)
    # four minutes later still good, six minutes later a replay
    assert signature.verify(value, body, SECRET, now=T0 + timedelta(minutes=4))
    assert not signature.verify(value, body, SECRET, now=T0 + timedelta(minutes=6))
    # one byte of the body, another secret, a missing part
    assert not signature.verify(value, body + b" ", SECRET, now=T0)
    assert not signature.verify(value, body, SECRET + "x", now=T0)
    assert not signature.verify(value.split(",")[0], body, SECRET, now=T0)
    assert not signature.verify("", body, SECRET, now=T0)


def test_signature_is_hmac_sha256_of_t_dot_body():
    """The scheme as documented, computed independently."""
    import hashlib
    import hmac

    body = "å".encode()
    t = int(T0.timestamp())
    expected = hmac.new(SECRET.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    assert signature.header(SECRET, body, T0) == f"t={t},v1={expected}"


def test_a_rotated_secret_may_sign_twice():
    body = b"{}"
    old = signature.header("old-secret", body, T0)
    new = signature.header(SECRET, body, T0)
    both = old + "," + new.split(",")[1]
    assert signature.verify(both, body, SECRET, now=T0)


# --- deliveries through the outbox --------------------------------------------------------------


@pytest.fixture
def receiver():
    receiver = WebhookReceiver(secret=SECRET).start()
    yield receiver
    receiver.stop()


@pytest.fixture
def hooked(app, receiver):
    """The app with a test target kind whose secret is the receiver's, and the clocks agreed."""
    register_target("test", lambda row: SECRET if row.target != "test:nosecret" else None)
    clock = {"now": T0}
    receiver.now = lambda: clock["now"]

    def move(moment):
        clock["now"] = moment
        set_clock(app, moment)

    with app.app_context():
        move(T0)
        yield move
        set_clock(app, None)


def rows():
    db.session.expire_all()  # the drain committed in its own steps; read what it wrote
    return db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)).all()


def test_a_delivery_arrives_signed_with_its_event_and_id(hooked, receiver):
    delivery = enqueue("test:1", receiver.url, "work_order.created", {"id": 7, "title": "Dörr"})
    db.session.commit()
    assert drain_until_idle(DRAIN) == 1

    [got] = receiver.requests
    assert got.signature_ok
    assert got.headers["Nattpatrull-Event"] == "work_order.created"
    assert got.headers["Nattpatrull-Delivery"] == str(delivery.id)
    assert got.headers["Content-Type"] == "application/json"
    assert json.loads(got.body) == {
        "event": "work_order.created",
        "occurred_at": T0.isoformat(),
        "data": {"id": 7, "title": "Dörr"},
    }
    [row] = rows()
    assert (row.status, row.response_status, row.attempts) == ("sent", 200, 1)


def test_a_receiver_failing_three_times_gets_the_same_body_with_backoff(hooked, receiver):
    receiver.script.extend([500, 503, 500])
    enqueue("test:1", receiver.url, "report.approved", {"level": "acute"})
    db.session.commit()

    now = T0
    for _ in range(3):
        drain_until_idle(DRAIN)
        [row] = rows()
        assert row.status == "pending"
        assert row.next_attempt_at > now  # backoff: not due again at once
        assert drain_until_idle(DRAIN) == 0
        now = row.next_attempt_at
        hooked(now)
    drain_until_idle(DRAIN)

    assert [r.status for r in receiver.requests] == [500, 503, 500, 200]
    assert all(r.signature_ok for r in receiver.requests)
    assert len({r.body for r in receiver.requests}) == 1  # the same bytes every time
    # each attempt signed anew, at its own time
    assert len({r.headers[signature.HEADER] for r in receiver.requests}) == 4
    [row] = rows()
    assert (row.status, row.attempts, row.response_status) == ("sent", 4, 200)


def test_a_refusal_fails_for_good_and_skicka_igen_sends_again(hooked, receiver):
    receiver.script.append(410)
    enqueue("test:1", receiver.url, "night.reviewed", {"night": "2026-12-07"})
    db.session.commit()
    drain_until_idle(DRAIN)
    [row] = rows()
    assert (row.status, row.response_status) == ("failed", 410)
    assert "HTTP 410" in row.last_error

    assert retry_now(row.id)
    db.session.commit()
    drain_until_idle(DRAIN)
    [row] = rows()
    assert (row.status, row.response_status, row.attempts) == ("sent", 200, 1)
    assert not retry_now(row.id)  # only a failed delivery goes back


def test_no_secret_means_not_sent_at_all(hooked, receiver):
    enqueue("test:nosecret", receiver.url, "alarm.escalated", {})
    db.session.commit()
    drain_until_idle(DRAIN)
    [row] = rows()
    assert row.status == "failed" and "no secret" in row.last_error
    assert receiver.requests == []


def test_an_unreachable_receiver_is_tried_again(hooked):
    enqueue("test:1", "http://127.0.0.1:9/hook", "alarm.escalated", {"n": 1})
    db.session.commit()
    drain_until_idle(DRAIN)
    [row] = rows()
    assert row.status == "pending" and row.response_status is None
    assert "ConnectionError" in row.last_error


def test_bad_targets_and_addresses_are_refused_when_queued(hooked):
    with pytest.raises(ValueError, match="no webhook target kind"):
        enqueue("unknown:1", "https://example.se/hook", "x", {})
    with pytest.raises(ValueError, match="http"):
        enqueue("test:1", "file:///etc/passwd", "x", {})


def test_two_workers_deliver_each_row_once(hooked, receiver):
    for n in range(12):
        enqueue("test:1", receiver.url, "alarm.escalated", {"n": n})
    db.session.commit()
    flask_app = current_app._get_current_object()
    counts = []

    def worker(name):
        with flask_app.app_context():
            counts.append(drain_until_idle(DRAIN, by=name))

    threads = [threading.Thread(target=worker, args=(f"host{i}:webhooks",)) for i in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    numbers = sorted(json.loads(r.body)["data"]["n"] for r in receiver.requests)
    assert numbers == list(range(12))
    assert sum(counts) == 12
    assert all(row.status == "sent" for row in rows())
