"""Webhook subscriptions (issue 26, point 5): made on /admin/integrations with a secret shown
once, fed by the shared signals (a work order made and done, a report approved with its level,
the night reviewed, an SOS raised and acknowledged), scoped to the subscription's owner, sent
through the webhook core to a real HTTP receiver that checks every signature, retried with
backoff (500 three times, then 200; the server's clock moved between attempts), and logged per
subscription with "Skicka igen"."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from patrol.auth.models import User
from patrol.db import db, set_clock
from patrol.outbox import drain_until_idle
from patrol.reports.models import Report
from patrol.review import actions
from patrol.sites.models import Property
from patrol.webhooks.deliveries import DRAIN
from patrol.webhooks.models import WebhookDelivery
from tests.support.integrations import TokenClient, make_token, subscribe
from tests.support.owners import GUARD_NAME, INTERNAL, NIGHT, add_report, build_world
from tests.support.receiver import WebhookReceiver

BUILT = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock(seeded):
    """The server's and the receivers' one clock, moved by the test."""
    now = {"at": BUILT}

    def move(moment):
        now["at"] = moment
        set_clock(seeded, moment)

    move(BUILT)
    move.now = lambda: now["at"]
    yield move
    set_clock(seeded, None)


@pytest.fixture
def receivers():
    started = []

    def start(secret: str = "") -> WebhookReceiver:
        receiver = WebhookReceiver(secret=secret).start()
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.stop()


def bodies(receiver) -> list[dict]:
    assert all(r.signature_ok for r in receiver.requests)
    return [json.loads(r.body) for r in receiver.requests]


def test_each_event_reaches_the_subscribers_who_may_see_it_signed(seeded, api_as, clock, receivers):
    world = build_world(seeded)
    admin = api_as("admin")
    a_hook, all_hook = receivers(), receivers()
    with seeded.app_context():
        a_sub = subscribe(admin, a_hook, clock, "Ägare A:s system", world["org_a"], list(EVENTS))
        subscribe(admin, all_hook, clock, "Driftcentralen", None, list(EVENTS))
        a_sub_id = a_sub.id
    clock(T0)
    with seeded.app_context():
        supervisor = db.session.get(User, world["supervisor"])
        shift = db.session.get(Report, world["a_lamp"]).shift
        report_a = add_report(
            shift, db.session.get(Property, world["prop_a"]), "door_lock", "acute", "Port", T0
        )
        report_b = add_report(
            shift, db.session.get(Property, world["prop_b"]), "lighting", "acute", "Lampa", T0
        )
        db.session.commit()
        report_a_id = str(report_a.id)
        actions.approve(report_a, supervisor, INTERNAL, "Dörren var uppbruten.")
        order = actions.create_work_order(report_a, supervisor, "Laga låset", "Port", "high")
        actions.approve(report_b, supervisor, "", "Trasig belysning")
    # The day crew's system marks A's order done with its token.
    writer = TokenClient(seeded, make_token(seeded, world["org_a"], ["work-orders:write"]))
    done = writer.put(
        f"/api/v1/integrations/work-orders/{order.id}/status",
        json={"status": "done", "note": "Nytt lås"},
    )
    assert done.status_code == 200
    # An SOS at A's property, acknowledged by the supervisor.
    with seeded.app_context():
        prop_a = db.session.get(Property, world["prop_a"])
        lat, lon = prop_a.lat, prop_a.lon
    guard = api_as("guard")
    sos_id = str(uuid.uuid4())
    raised = guard.put(
        f"/api/v1/sos/{sos_id}",
        json={"occurred_at": T0.isoformat(), "lat": lat, "lon": lon, "accuracy_m": 8},
    )
    assert raised.status_code == 201, raised.json
    assert api_as("supervisor").post(f"/api/v1/sos/{sos_id}/acknowledge").status_code == 200
    with seeded.app_context(), seeded.test_request_context():
        actions.mark_night_reviewed(NIGHT, db.session.get(User, world["supervisor"]))
        assert drain_until_idle(DRAIN) >= 12

    a_events = bodies(a_hook)
    names = [b["event"] for b in a_events]
    assert names == [
        "report.approved",
        "work_order.created",
        "work_order.completed",
        "alarm.raised",
        "alarm.acknowledged",
        "night.reviewed",
    ]
    approved = a_events[0]["data"]
    assert approved["id"] == report_a_id and approved["level"] == "acute"
    assert approved["text"] == "Dörren var uppbruten."
    assert a_events[1]["data"]["what"] == "Laga låset"
    assert (
        a_events[2]["data"]["status"] == "done" and a_events[2]["data"]["done_note"] == "Nytt lås"
    )
    assert a_events[3]["data"]["id"] == sos_id and a_events[3]["data"]["status"] == "open"
    assert a_events[4]["data"]["status"] == "acknowledged"
    night = a_events[5]["data"]
    assert night["night"] == NIGHT.isoformat() and night["version"] == 1
    assert night["approved_reports"] == 3 and len(night["root"]) == 64 and night["key_id"]
    # The subscription of every owner also hears B's report; A's never does.
    everything = bodies(all_hook)
    assert [b["event"] for b in everything].count("report.approved") == 2
    assert str(report_b.id) not in json.dumps(a_events)
    for raw in (r.body for r in a_hook.requests + all_hook.requests):
        text = raw.decode()
        assert GUARD_NAME not in text and INTERNAL not in text and '"lat"' not in text
    # Each delivery names itself and its event in headers, for the receiver's de-duplication.
    first = a_hook.requests[0]
    assert first.headers["Nattpatrull-Event"] == "report.approved"
    with seeded.app_context():
        delivery = db.session.get(WebhookDelivery, int(first.headers["Nattpatrull-Delivery"]))
        assert delivery.target == f"subscription:{a_sub_id}"


EVENTS = (
    "work_order.created",
    "work_order.completed",
    "report.approved",
    "night.reviewed",
    "alarm.raised",
    "alarm.acknowledged",
)


def test_a_receiver_failing_three_times_then_answering_200_gets_it_with_backoff(
    seeded, api_as, clock, receivers
):
    world = build_world(seeded)
    admin = api_as("admin")
    hook = receivers()
    with seeded.app_context():
        subscribe(admin, hook, clock, "Ärendesystem", world["org_a"], ["report.approved"])
    hook.script.extend([500, 500, 500])
    clock(T0)
    with seeded.app_context():
        actions.approve(
            db.session.get(Report, world["a_draft"]),
            db.session.get(User, world["supervisor"]),
            "",
            "Uppbruten dörr",
        )
        for _ in range(3):
            drain_until_idle(DRAIN)
            db.session.expire_all()
            row = db.session.scalar(sa.select(WebhookDelivery))
            assert row.status == "pending" and row.response_status == 500
            assert drain_until_idle(DRAIN) == 0  # not due again at once: backoff
            clock(row.next_attempt_at)
        drain_until_idle(DRAIN)
        db.session.expire_all()
        row = db.session.scalar(sa.select(WebhookDelivery))
        assert (row.status, row.attempts, row.response_status) == ("sent", 4, 200)
    assert [r.status for r in hook.requests] == [500, 500, 500, 200]
    assert all(r.signature_ok for r in hook.requests)
    assert len({r.body for r in hook.requests}) == 1


def test_the_delivery_log_sends_a_failed_one_again_and_a_stopped_subscription_sends_nothing(
    seeded, api_as, clock, receivers
):
    world = build_world(seeded)
    admin = api_as("admin")
    hook = receivers()
    with seeded.app_context():
        sub = subscribe(admin, hook, clock, "Larmcentral", None, ["report.approved"])
        sub_id = sub.id
    hook.script.append(410)  # refused for good
    clock(T0)
    with seeded.app_context():
        supervisor = db.session.get(User, world["supervisor"])
        actions.approve(db.session.get(Report, world["a_draft"]), supervisor, "", "Text")
        drain_until_idle(DRAIN)
        db.session.expire_all()
        row = db.session.scalar(sa.select(WebhookDelivery))
        assert (row.status, row.response_status) == ("failed", 410)
        row_id = row.id
    log = admin.get(f"/admin/integrations/subscriptions/{sub_id}").get_data(as_text=True)
    assert "HTTP 410" in log and "Skicka igen" in log
    assert admin.post(f"/admin/integrations/deliveries/{row_id}/retry").status_code == 303
    with seeded.app_context():
        drain_until_idle(DRAIN)
        db.session.expire_all()
        assert db.session.get(WebhookDelivery, row_id).status == "sent"
    log = admin.get(f"/admin/integrations/subscriptions/{sub_id}").get_data(as_text=True)
    assert "levererad" in log and "Skicka igen" not in log
    # Stopped: no new deliveries, and one still waiting is not sent unsigned.
    with seeded.app_context():
        supervisor = db.session.get(User, world["supervisor"])
        actions.approve(db.session.get(Report, world["a_lamp"]), supervisor, "", "igen")
    assert admin.post(f"/admin/integrations/subscriptions/{sub_id}/revoke").status_code == 303
    with seeded.app_context():
        supervisor = db.session.get(User, world["supervisor"])
        actions.approve(db.session.get(Report, world["a_graffiti"]), supervisor, "", "igen")
        drain_until_idle(DRAIN)
        db.session.expire_all()
        rows = db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
        assert [r.status for r in rows] == ["sent", "failed"]
        assert "no secret" in rows[1].last_error
    assert len(hook.requests) == 2
    # A supervisor reads neither the log nor the page; an alarm delivery is not this page's.
    supervisor_client = api_as("supervisor")
    assert supervisor_client.get(f"/admin/integrations/subscriptions/{sub_id}").status_code == 403
    assert (
        supervisor_client.post(f"/admin/integrations/deliveries/{row_id}/retry").status_code == 403
    )


def test_a_delivery_waiting_for_its_retry_keeps_its_body_when_the_record_changes(
    seeded, api_as, clock, receivers
):
    """The body is the record as it was at the event (the core keeps the bytes)."""
    world = build_world(seeded)
    admin = api_as("admin")
    hook = receivers()
    with seeded.app_context():
        subscribe(admin, hook, clock, "System", world["org_a"], ["work_order.created"])
    hook.script.append(503)
    clock(T0)
    with seeded.app_context():
        supervisor = db.session.get(User, world["supervisor"])
        shift = db.session.get(Report, world["a_lamp"]).shift
        report = add_report(
            shift, db.session.get(Property, world["prop_a"]), "window", "preventive", "Ruta", T0
        )
        db.session.commit()
        actions.approve(report, supervisor, "", "Sprucken ruta")
        order = actions.create_work_order(report, supervisor, "Laga", "", "normal")
        drain_until_idle(DRAIN)
        order.what = "Ändrad text"
        db.session.commit()
        db.session.expire_all()
        row = db.session.scalar(sa.select(WebhookDelivery))
        clock(row.next_attempt_at + timedelta(seconds=1))
        drain_until_idle(DRAIN)
    sent = bodies(hook)
    assert [b["data"]["what"] for b in sent] == ["Laga", "Laga"]
