"""Push, server side: keys and configuration, subscriptions, the three flows (acute alert,
SOS, extra round) end to end through pywebpush to a push service on loopback, and the
delivery rules (TTL, Urgency, 404/410, 429 Retry-After, 5xx retries, a fresh VAPID claims dict).
"""

from __future__ import annotations

import stat
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from patrol import create_app
from patrol.db import db, engine_of
from patrol.push.keys import PushConfigError, check_subject
from patrol.push.models import PushMessage, PushSubscription, SosAlert
from patrol.push.worker import PushWorker
from patrol.signals import report_created
from patrol.sites.models import Area, Checkpoint, Property
from tests.support import push as push_fixtures
from tests.support.push import (
    SUBJECT,
    VAPID_PUBLIC,
    drain,
    first_property,
    iso,
    messages,
    new_id,
    now,
    push_config,
    put_report,
    start_shift,
    subscribe,
)
from tests.support.push_service import LoopbackPushService, Subscriber, verify_vapid

# Fixtures shared by the push tests.
push_app = push_fixtures.push_app
push_service = push_fixtures.push_service


def only(items):
    assert len(items) == 1, items
    return items[0]


# --- keys and configuration ------------------------------------------------------------------


def test_public_key_is_served_for_subscribing(push_app, client):
    response = client.get("/api/v1/push/key")
    assert response.status_code == 200
    assert response.json == {"public_key": VAPID_PUBLIC}


def test_without_a_key_the_public_key_answers_503(client):
    response = client.get("/api/v1/push/key")
    assert response.status_code == 503
    assert response.json["message"] == "Aviseringar är inte inställda på den här servern."


def test_push_keys_command_writes_a_private_key_file_once(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["push-keys"])
    assert result.exit_code == 0, result.output
    path = next(p for p in Path(app.instance_path).glob("vapid_private.pem"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    public = client.get("/api/v1/push/key").json["public_key"]
    assert public in result.output
    again = runner.invoke(args=["push-keys"])
    assert again.exit_code != 0 and "exists" in again.output
    assert client.get("/api/v1/push/key").json["public_key"] == public


@pytest.mark.parametrize(
    "subject",
    ["mailto:ops@localhost", "https://localhost", "https://localhost:8443", "mailto:a@127.0.0.1"],
)
def test_localhost_subject_is_refused_outside_development(subject, tmp_path):
    with pytest.raises(PushConfigError, match="localhost"):
        create_app(
            {
                "ENV": "production",
                "PUBLIC_URL": "https://patrull.example.se",
                "SECRET_KEY": "x" * 32,
                "VAPID_SUBJECT": subject,
                "DATABASE_URL": f"sqlite:///{tmp_path}/p.sqlite3",
            },
            instance_path=tmp_path,
        )
    assert check_subject(subject, "development") == subject


def test_subject_must_be_mailto_or_https():
    assert check_subject("https://vakt.example.se", "production") == "https://vakt.example.se"
    assert check_subject("mailto:drift@vakt.example.se", "production")
    for bad in ("http://vakt.example.se", "drift@vakt.example.se", "mailto:nobody"):
        with pytest.raises(PushConfigError):
            check_subject(bad, "production")
    with pytest.raises(PushConfigError):
        check_subject(None, "production")


# --- subscriptions ---------------------------------------------------------------------------


REFUSE_SUBSCRIPTIONS = {
    # A database that refuses every new subscription as a conflict, the way a lost race does.
    "sqlite": [
        "CREATE TRIGGER refuse_push_subscription BEFORE INSERT ON push_subscriptions "
        "BEGIN SELECT RAISE(ABORT, 'refused by test'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_push_subscription() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'refused by test' USING ERRCODE = 'unique_violation'; END $$",
        "CREATE TRIGGER refuse_push_subscription BEFORE INSERT ON push_subscriptions "
        "FOR EACH ROW EXECUTE FUNCTION refuse_push_subscription()",
    ],
}
ALLOW_SUBSCRIPTIONS = {
    "sqlite": ["DROP TRIGGER refuse_push_subscription"],
    "postgresql": [
        "DROP TRIGGER refuse_push_subscription ON push_subscriptions",
        "DROP FUNCTION refuse_push_subscription()",
    ],
}


def test_a_subscription_that_keeps_conflicting_is_tried_twice_then_answers_409(
    push_app, api_as, push_service
):
    """A lost race is retried once; a conflict that stays is not retried for ever (it used to
    recurse until the stack ran out and answer 500)."""
    guard = api_as("guard")
    engine = engine_of(push_app)
    with engine.begin() as conn:
        for statement in REFUSE_SUBSCRIPTIONS[engine.dialect.name]:
            conn.execute(sa.text(statement))
    try:
        response = guard.post("/api/v1/push/subscriptions", json=Subscriber(push_service).to_json())
    finally:
        with engine.begin() as conn:
            for statement in ALLOW_SUBSCRIPTIONS[engine.dialect.name]:
                conn.execute(sa.text(statement))
    assert response.status_code == 409
    assert response.json["message"] == "Enhetens prenumeration kunde inte sparas. Försök igen."
    with push_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PushSubscription)) == 0
    # With the conflict gone the same request goes through.
    assert (
        guard.post(
            "/api/v1/push/subscriptions", json=Subscriber(push_service).to_json()
        ).status_code
        == 201
    )


def test_subscribe_again_updates_and_unsubscribe_deletes(push_app, api_as, push_service):
    guard = api_as("guard")
    sub = Subscriber(push_service)
    body = sub.to_json()
    assert guard.post("/api/v1/push/subscriptions", json=body).status_code == 201
    fresh = Subscriber(push_service)  # new keys, same endpoint (the browser renewed them)
    body["keys"] = fresh.to_json()["keys"]
    assert guard.post("/api/v1/push/subscriptions", json=body).status_code == 200
    with push_app.app_context():
        row = only(db.session.scalars(sa.select(PushSubscription)).all())
        assert row.p256dh == fresh.p256dh and row.locale == "sv"
    # Another user cannot remove this device's subscription; its owner can.
    other = api_as("guard2")
    assert (
        other.delete("/api/v1/push/subscriptions", json={"endpoint": sub.endpoint}).status_code
        == 204
    )
    assert len(messages(push_app)) == 0
    with push_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PushSubscription)) == 1
    assert (
        guard.delete("/api/v1/push/subscriptions", json={"endpoint": sub.endpoint}).status_code
        == 204
    )
    with push_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PushSubscription)) == 0


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://evil.example.com/push/1",
        "http://169.254.169.254/latest/meta-data",
        "https://fcm.googleapis.com.evil.example/fcm/send/1",
        "http://fcm.googleapis.com/fcm/send/1",
        "https://fcm.googleapis.com:8443/fcm/send/1",
        "https://user:pw@fcm.googleapis.com/fcm/send/1",
        "http://127.0.0.1:1/push/other-port",
        "not a url",
    ],
)
def test_endpoints_outside_the_push_services_are_refused(push_app, api_as, push_service, endpoint):
    guard = api_as("guard")
    body = Subscriber(push_service).to_json() | {"endpoint": endpoint}
    response = guard.post("/api/v1/push/subscriptions", json=body)
    assert response.status_code == 422
    assert "endpoint" in response.json["errors"]
    assert response.json["message"]


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/abc:def",
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
        "https://web.push.apple.com/QGuQyavXutnMH",
        "https://wns2-db5p.notify.windows.com/w/?token=BQYAAA",
    ],
)
def test_the_browsers_push_services_are_accepted(push_app, api_as, push_service, endpoint):
    body = Subscriber(push_service).to_json() | {"endpoint": endpoint}
    assert api_as("guard").post("/api/v1/push/subscriptions", json=body).status_code == 201


def test_bad_keys_and_logged_out_are_refused(push_app, api_as, push_service, client):
    body = Subscriber(push_service).to_json()
    assert client.post("/api/v1/push/subscriptions", json=body).status_code == 401
    guard = api_as("guard")
    bad = body | {"keys": {"p256dh": "AAAA", "auth": body["keys"]["auth"]}}
    response = guard.post("/api/v1/push/subscriptions", json=bad)
    assert response.status_code == 422 and "keys.p256dh" in response.json["errors"]
    response = guard.post("/api/v1/push/subscriptions", json={"endpoint": body["endpoint"]})
    assert response.status_code == 422 and "keys" in response.json["errors"]


# --- acute alert -----------------------------------------------------------------------------


def test_acute_report_reaches_supervisor_and_guards_on_shift_decrypted(
    push_app, api_as, push_service
):
    guard, guard2, supervisor = api_as("guard"), api_as("guard2"), api_as("supervisor")
    shift = start_shift(guard)
    start_shift(guard2)
    to_supervisor = subscribe(supervisor, push_service, "supervisor")
    to_guard2 = subscribe(guard2, push_service, "guard2")
    to_reporter = subscribe(guard, push_service, "reporter")
    prop = first_property(push_app)

    put_report(guard, shift, prop, level="preventive", category="lighting")
    assert messages(push_app) == []  # only acute reports alert
    report_id = put_report(guard, shift, prop)
    queued = messages(push_app, status="pending")
    assert {m.subscription_id for m in queued} and len(queued) == 2

    drain(push_app)
    assert push_service.received(to_reporter.path) == []
    for subscriber in (to_supervisor, to_guard2):
        request = only(push_service.received(subscriber.path))
        payload = subscriber.decrypt(request)
        assert payload["type"] == "acute"
        assert payload["title"] == f"Akut händelse: Brand eller rök, {prop['name']}"
        assert payload["body"] == "Rök i trapphus B."
        assert payload["url"] == (
            f"/review/reports/{report_id}" if subscriber is to_supervisor else "/"
        )
        assert payload["tag"] == f"acute-{report_id}"
        assert request.headers["TTL"] == "1800"
        assert request.headers["Urgency"] == "high"
        claims = verify_vapid(request, VAPID_PUBLIC, push_service.origin)
        assert claims["sub"] == SUBJECT
    assert {m.status for m in messages(push_app)} == {"sent"}
    # The page the supervisor's notification opens shows the report.
    page = supervisor.get(f"/review/reports/{report_id}")
    assert page.status_code == 200 and "Rök i trapphus B." in page.text
    alerts = supervisor.get("/push/alerts")
    assert f'id="report-{report_id}"' in alerts.text


def test_acute_alert_written_in_the_subscribers_language(push_app, api_as, push_service):
    guard, supervisor = api_as("guard"), api_as("supervisor")
    shift = start_shift(guard)
    sub = Subscriber(push_service)
    supervisor.post("/api/v1/push/subscriptions?lang=en", json=sub.to_json())
    put_report(guard, shift, first_property(push_app), category="water_leak")
    drain(push_app)
    payload = sub.decrypt(only(push_service.received(sub.path)))
    assert payload["title"].startswith("Acute event: Water leak, ")


def test_guards_last_seen_in_another_area_are_not_alerted(push_app, api_as, push_service):
    guard, guard2 = api_as("guard"), api_as("guard2")
    shift = start_shift(guard)
    shift2 = start_shift(guard2)
    with push_app.app_context():
        home = db.session.scalar(sa.select(Property).order_by(Property.id))
        area = Area(name="Rosengård", city="Malmö")
        other = Property(
            area=area, organization_id=home.organization_id, name="Ramels väg 1", address="x"
        )
        checkpoint = Checkpoint(property=other, label="Entré", short_code="R1")
        db.session.add_all([area, other, checkpoint])
        db.session.commit()
        checkpoint_id = checkpoint.id
    response = guard2.put(
        f"/api/v1/checkins/{new_id()}",
        json={
            "shift_id": shift2,
            "checkpoint_id": checkpoint_id,
            "method": "manual",
            "occurred_at": iso(now() - timedelta(minutes=5)),
        },
    )
    assert response.status_code == 201, response.json
    subscribe(guard2, push_service)
    put_report(guard, shift, first_property(push_app))
    assert messages(push_app) == []


def test_no_message_when_the_reports_transaction_fails(push_app, api_as, push_service):
    guard, supervisor = api_as("guard"), api_as("supervisor")
    shift = start_shift(guard)
    subscribe(supervisor, push_service)

    def fail(_report):
        raise RuntimeError("a later listener fails: the report and its messages roll back")

    report_created.connect(fail)
    try:
        body = {
            "shift_id": shift,
            "property_id": first_property(push_app)["id"],
            "category": "fire_smoke",
            "level": "acute",
            "occurred_at": iso(now()),
        }
        assert guard.put(f"/api/v1/reports/{new_id()}", json=body).status_code == 500
    finally:
        report_created.disconnect(fail)
    assert messages(push_app) == []


# --- SOS -------------------------------------------------------------------------------------


def test_sos_is_idempotent_pushed_high_and_listed_until_acknowledged(
    push_app, api_as, push_service
):
    guard, guard2, supervisor = api_as("guard"), api_as("guard2"), api_as("supervisor")
    start_shift(guard2)
    to_supervisor = subscribe(supervisor, push_service)
    to_guard2 = subscribe(guard2, push_service)
    to_sender = subscribe(guard, push_service)
    sos_id = new_id()
    body = {
        # The shift has not arrived yet (the SOS jumped the queue): accepted anyway.
        "shift_id": new_id(),
        "occurred_at": iso(now()),
        "lat": 55.58712,
        "lon": 13.01471,
        "accuracy_m": 8,
    }
    first = guard.put(f"/api/v1/sos/{sos_id}", json=body)
    assert first.status_code == 201, first.json
    assert guard.put(f"/api/v1/sos/{sos_id}", json=body).status_code == 200
    assert guard.put(f"/api/v1/sos/{sos_id}", json=body | {"lat": 55.6}).status_code == 409
    assert guard2.put(f"/api/v1/sos/{sos_id}", json=body).status_code == 403

    drain(push_app)
    for sub in (to_supervisor, to_guard2):
        request = only(push_service.received(sub.path))
        payload = sub.decrypt(request)
        assert payload["type"] == "sos"
        assert payload["title"] == "SOS: Väktare Demo behöver hjälp"
        assert "55.58712, 13.01471" in payload["body"] and "8 m" in payload["body"]
        assert request.headers["Urgency"] == "high" and request.headers["TTL"] == "600"
    assert push_service.received(to_sender.path) == []
    assert only(push_service.received(to_supervisor.path)).received_at

    listed = supervisor.get("/api/v1/sos").json
    assert [a["id"] for a in listed] == [sos_id]
    assert guard.get("/api/v1/sos").status_code == 403
    page = supervisor.get("/push/alerts")
    assert f'id="sos-{sos_id}"' in page.text and "Kvittera" in page.text

    acknowledged = supervisor.post(f"/api/v1/sos/{sos_id}/acknowledge")
    assert acknowledged.status_code == 200 and acknowledged.json["acknowledged_at"]
    assert supervisor.post(f"/api/v1/sos/{sos_id}/acknowledge").status_code == 200
    assert supervisor.get("/api/v1/sos").json == []
    assert guard.get(f"/api/v1/sos/{sos_id}").json["acknowledged_by"]
    drain(push_app)
    ack = to_sender.decrypt(only(push_service.received(to_sender.path)))
    assert ack["type"] == "sos_ack" and ack["tag"] == f"sos-{sos_id}"


def test_sos_acknowledged_from_the_page(push_app, api_as):
    guard, supervisor = api_as("guard"), api_as("supervisor")
    sos_id = new_id()
    assert guard.put(f"/api/v1/sos/{sos_id}", json={"occurred_at": iso(now())}).status_code == 201
    page = supervisor.get("/push/sos")
    assert f'id="sos-{sos_id}"' in page.text and "Ingen position." in page.text
    response = supervisor.post(
        f"/push/sos/{sos_id}/acknowledge",
        data={"csrf_token": supervisor.csrf, "next": "//evil.example/"},
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/push/alerts")
    with push_app.app_context():
        assert db.session.get(SosAlert, uuid.UUID(sos_id)).acknowledged_at


# --- extra rounds ----------------------------------------------------------------------------


def test_extra_round_to_guards_on_shift_with_and_without_push(push_app, api_as, push_service):
    guard, guard2, supervisor = api_as("guard"), api_as("guard2"), api_as("supervisor")
    prop = first_property(push_app)
    dispatch_id = new_id()
    body = {"property_id": prop["id"], "message": "Kontrollera källardörren efter inbrottet."}
    nobody = supervisor.put(f"/api/v1/dispatches/{dispatch_id}", json=body)
    assert nobody.status_code == 422 and "guard_ids" in nobody.json["errors"]

    start_shift(guard)
    start_shift(guard2)
    with_push = subscribe(guard2, push_service)  # guard has push off
    assert guard.put(f"/api/v1/dispatches/{new_id()}", json=body).status_code == 403
    created = supervisor.put(f"/api/v1/dispatches/{dispatch_id}", json=body)
    assert created.status_code == 201, created.json
    assert {g["name"] for g in created.json["guards"]} == {"Väktare Demo", "guard2"}
    assert supervisor.put(f"/api/v1/dispatches/{dispatch_id}", json=body).status_code == 200
    changed = body | {"message": "Annat"}
    assert supervisor.put(f"/api/v1/dispatches/{dispatch_id}", json=changed).status_code == 409

    drain(push_app)
    request = only(push_service.received(with_push.path))
    payload = with_push.decrypt(request)
    assert payload["type"] == "dispatch"
    assert payload["title"] == f"Extra runda: {prop['name']}"
    assert payload["body"] == body["message"]
    assert request.headers["Urgency"] == "normal" and request.headers["TTL"] == "14400"

    # Without push the guard's app sees the task when it syncs.
    tasks = guard.get("/api/v1/dispatches").json
    assert [t["id"] for t in tasks] == [dispatch_id]
    assert tasks[0]["property_name"] == prop["name"] and len(tasks[0]["guards"]) == 1

    ack_id = new_id()
    ack = {"dispatch_id": dispatch_id, "action": "acknowledged", "occurred_at": iso(now())}
    assert guard.put(f"/api/v1/dispatch-responses/{ack_id}", json=ack).status_code == 201
    assert guard.put(f"/api/v1/dispatch-responses/{ack_id}", json=ack).status_code == 200
    assert (
        guard.put(f"/api/v1/dispatch-responses/{ack_id}", json=ack | {"note": "x"}).status_code
        == 409
    )
    twice = guard.put(f"/api/v1/dispatch-responses/{new_id()}", json=ack)
    assert twice.status_code == 409 and twice.json["message"]
    done = ack | {"action": "completed", "note": "Dörren låst, inget att anmärka."}
    assert guard.put(f"/api/v1/dispatch-responses/{new_id()}", json=done).status_code == 201
    assert guard.get("/api/v1/dispatches").json == []
    assert len(guard.get("/api/v1/dispatches?all=1").json) == 1
    state = {g["name"]: g for g in supervisor.get("/api/v1/dispatches").json[0]["guards"]}
    assert sum(1 for g in state.values() if g["completed_at"]) == 1
    assert sum(1 for g in state.values() if not g["acknowledged_at"]) == 1

    unknown = guard.put(
        f"/api/v1/dispatch-responses/{new_id()}", json=ack | {"dispatch_id": new_id()}
    )
    assert unknown.status_code == 422 and "dispatch_id" in unknown.json["errors"]


def test_extra_round_to_chosen_guards_only(push_app, api_as, push_service, seeded):
    supervisor, guard2 = api_as("supervisor"), api_as("guard2")
    guard2_id = guard2.get("/api/v1/me").json["user"]["id"]
    body = {"property_id": first_property(push_app)["id"], "guard_ids": [guard2_id]}
    dispatch_id = new_id()
    assert supervisor.put(f"/api/v1/dispatches/{dispatch_id}", json=body).status_code == 201
    assert [t["id"] for t in guard2.get("/api/v1/dispatches").json] == [dispatch_id]
    assert api_as("guard").get("/api/v1/dispatches").json == []
    ack = {"dispatch_id": dispatch_id, "action": "acknowledged", "occurred_at": iso(now())}
    assert (
        api_as("guard").put(f"/api/v1/dispatch-responses/{new_id()}", json=ack).status_code == 403
    )
    bad = supervisor.put(f"/api/v1/dispatches/{new_id()}", json=body | {"guard_ids": [999]})
    assert bad.status_code == 422 and "guard_ids" in bad.json["errors"]


def test_extra_round_form_on_the_supervisor_page(push_app, api_as):
    supervisor = api_as("supervisor")
    page = supervisor.get("/push/alerts")
    assert page.status_code == 200 and "Skicka extra runda" in page.text
    response = supervisor.post(
        "/push/dispatches",
        data={"csrf_token": supervisor.csrf, "property_id": first_property(push_app)["id"]},
    )
    assert response.status_code == 422 and "Ingen väktare är i tjänst" in response.text
    assert api_as("guard").get("/push/alerts").status_code == 403


# --- delivery rules --------------------------------------------------------------------------


def sos_to_supervisor(push_app, api_as, push_service, name="supervisor"):
    guard, supervisor = api_as("guard"), api_as("supervisor")
    sub = subscribe(supervisor, push_service, name)
    assert guard.put(f"/api/v1/sos/{new_id()}", json={"occurred_at": iso(now())}).status_code == 201
    return sub


def test_410_removes_the_subscription(push_app, api_as, push_service):
    sub = sos_to_supervisor(push_app, api_as, push_service)
    push_service.script(sub.path, (410, {}))
    drain(push_app)
    assert len(push_service.received(sub.path)) == 1
    assert only(messages(push_app)).status == "gone"
    with push_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PushSubscription)) == 0


def test_404_removes_the_subscription_too(push_app, api_as, push_service):
    sub = sos_to_supervisor(push_app, api_as, push_service)
    push_service.script(sub.path, (404, {}))
    drain(push_app)
    assert only(messages(push_app)).status == "gone"


def test_429_waits_for_retry_after_then_delivers(push_app, api_as, push_service):
    sub = sos_to_supervisor(push_app, api_as, push_service)
    push_service.script(sub.path, (429, {"Retry-After": "1"}))
    drain(push_app)
    first, second = push_service.received(sub.path)
    assert (first.status, second.status) == (429, 201)
    assert second.received_at - first.received_at >= 0.95
    message = only(messages(push_app))
    assert message.status == "sent" and message.attempts == 2
    assert sub.decrypt(second)["type"] == "sos"


def test_503_is_retried_with_backoff_then_delivered(push_app, api_as, push_service):
    sub = sos_to_supervisor(push_app, api_as, push_service)
    push_service.script(sub.path, (503, {}), (503, {}))
    drain(push_app)
    statuses = [r.status for r in push_service.received(sub.path)]
    assert statuses == [503, 503, 201]
    message = only(messages(push_app))
    assert message.status == "sent" and message.attempts == 3


def test_a_refused_message_is_not_retried(push_app, api_as, push_service):
    sub = sos_to_supervisor(push_app, api_as, push_service)
    push_service.script(sub.path, (400, {}))
    drain(push_app)
    assert len(push_service.received(sub.path)) == 1
    message = only(messages(push_app))
    assert message.status == "failed" and message.last_status == 400


def test_an_unreachable_push_service_is_retried_until_attempts_run_out(
    push_app, api_as, push_service
):
    sub = sos_to_supervisor(push_app, api_as, push_service)
    push_app.config.update(PUSH_MAX_ATTEMPTS=3, PUSH_REQUEST_TIMEOUT_S=2)
    with push_app.app_context():
        row = db.session.scalar(sa.select(PushSubscription))
        row.endpoint = "http://127.0.0.1:9/push/closed-port"
        db.session.commit()
    push_app.config["PUSH_ALLOWED_HOSTS"] += ",127.0.0.1:9"
    drain(push_app)
    message = only(messages(push_app))
    assert message.status == "failed" and message.attempts == 3
    assert "ConnectionError" in message.last_error
    assert push_service.received(sub.path) == []


def test_a_message_past_its_ttl_is_not_sent(push_app, api_as, push_service):
    sub = sos_to_supervisor(push_app, api_as, push_service)
    with push_app.app_context():
        message = db.session.scalar(sa.select(PushMessage))
        message.created_at = now() - timedelta(seconds=message.ttl_s + 1)
        db.session.commit()
    drain(push_app)
    assert push_service.received(sub.path) == []
    assert only(messages(push_app)).status == "failed"


def test_each_push_service_gets_its_own_audience(push_app, api_as, push_service):
    """pywebpush writes `aud` into the claims dict it is given: a shared dict would send the
    first service's audience to the second (which would refuse it)."""
    other = LoopbackPushService().start()
    try:
        push_app.config.update(push_config(push_service, other))
        supervisor, admin = api_as("supervisor"), api_as("admin")
        first = subscribe(supervisor, push_service)
        second = subscribe(admin, other)
        guard = api_as("guard")
        assert (
            guard.put(f"/api/v1/sos/{new_id()}", json={"occurred_at": iso(now())}).status_code
            == 201
        )
        drain(push_app)
        verify_vapid(only(push_service.received(first.path)), VAPID_PUBLIC, push_service.origin)
        verify_vapid(only(other.received(second.path)), VAPID_PUBLIC, other.origin)
    finally:
        other.stop()


def test_a_crashed_workers_claim_expires_and_the_message_is_sent(push_app, api_as, push_service):
    sub = sos_to_supervisor(push_app, api_as, push_service)
    with push_app.app_context():
        message = db.session.scalar(sa.select(PushMessage))
        message.status = "sending"
        message.claimed_by = "dead-worker"
        message.claimed_until = now() + timedelta(minutes=5)
        db.session.commit()
    worker = PushWorker(push_app, worker_id="alive")
    with push_app.app_context():
        assert worker.run_once() == 0  # still claimed: not touched
        message = db.session.scalar(sa.select(PushMessage))
        message.claimed_until = now() - timedelta(seconds=1)
        db.session.commit()
        assert worker.run_once() == 1
    assert sub.decrypt(only(push_service.received(sub.path)))["type"] == "sos"
    sent = only(messages(push_app))
    assert sent.status == "sent" and sent.claimed_by == "alive"


def test_old_finished_messages_are_pruned(push_app, api_as, push_service):
    sos_to_supervisor(push_app, api_as, push_service)
    drain(push_app)
    guard = api_as("guard")
    assert guard.put(f"/api/v1/sos/{new_id()}", json={"occurred_at": iso(now())}).status_code == 201
    worker = PushWorker(push_app)
    with push_app.app_context():
        old = db.session.scalars(sa.select(PushMessage).order_by(PushMessage.id)).first()
        old.created_at = now() - timedelta(days=8)
        db.session.commit()
        assert worker.prune() == 1
    assert [m.status for m in messages(push_app)] == ["pending"]


@pytest.mark.parametrize(
    ("header", "low", "high"),
    [("120", 120, 120), ("Wed, 21 Oct 2015 07:28:00 GMT", 0, 0), ("soon", None, None)],
)
def test_retry_after_in_seconds_or_as_a_date(header, low, high):
    from patrol.push.worker import parse_retry_after

    value = parse_retry_after(header)
    if low is None:
        assert value is None
    else:
        assert low <= value <= high


def test_open_sos_stays_at_the_top_of_natten_until_acknowledged(push_app, api_as):
    guard, supervisor = api_as("guard"), api_as("supervisor")
    sos_id = new_id()
    body = {"occurred_at": iso(now()), "lat": 55.5871, "lon": 13.0147, "accuracy_m": 12}
    assert guard.put(f"/api/v1/sos/{sos_id}", json=body).status_code == 201
    page = supervisor.get("/review/").get_data(as_text=True)
    assert f'id="sos-{sos_id}"' in page
    assert page.index('id="open-sos"') < page.index("<h1")
    assert "js/push/sos-board.js" in page
    response = supervisor.post(
        f"/push/sos/{sos_id}/acknowledge", data={"csrf_token": supervisor.csrf, "next": "/review/"}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/review/")
    assert f'id="sos-{sos_id}"' not in supervisor.get("/review/").get_data(as_text=True)


# --- the server's alarms: a timer that ran out, a silence ------------------------------------


def test_timer_and_silence_alarms_are_pushed_as_their_own_kinds_to_supervisors(
    push_app, api_as, push_service
):
    """Alone at night, follow-up: the alarms the server raises were pushed as `sos`. Each has its
    own kind now (`timer`, `silence`), with its Swedish title, as urgent as an SOS, and the
    supervisors' and admins' subscriptions get them and their escalation."""
    from patrol.alarms.actions import check_alarms
    from patrol.db import set_clock

    guard, supervisor, admin = api_as("guard"), api_as("supervisor"), api_as("admin")
    to_supervisor = subscribe(supervisor, push_service)
    to_admin = subscribe(admin, push_service)
    to_guard = subscribe(guard, push_service)
    began = now() - timedelta(minutes=50)
    set_clock(push_app, began)  # the phone was last heard 50 minutes ago
    try:
        shift_id = start_shift(guard)
        timer = guard.put(
            f"/api/v1/timers/{new_id()}",
            json={
                "shift_id": shift_id,
                "task": "Går in i källaren",
                "started_at": iso(began),
                "minutes": 5,
                "lat": 55.58712,
                "lon": 13.01471,
            },
        )
        assert timer.status_code == 201, timer.json
    finally:
        set_clock(push_app, None)
    with push_app.app_context():
        check_alarms(now())  # the timer ran out 45 min ago, the silence 5 min ago
    drain(push_app)
    raised = {
        "timer": "Jag är OK-timern gick ut: Väktare Demo",
        "silence": "Tystnadslarm: Väktare Demo",
    }
    for sub in (to_supervisor, to_admin):
        requests = push_service.received(sub.path)
        got = {p["type"]: p for p in (sub.decrypt(r) for r in requests)}
        assert {kind: p["title"] for kind, p in got.items()} == raised
        assert got["timer"]["alarm"] == "timer" and got["silence"]["alarm"] == "silence"
        assert "Går in i källaren" in got["timer"]["body"]
        assert got["silence"]["body"].startswith("Tyst i 45 min: Väktare Demo")
        assert {(r.headers["Urgency"], r.headers["TTL"]) for r in requests} == {("high", "600")}
    assert push_service.received(to_guard.path) == []  # never about oneself
    assert {m.kind for m in messages(push_app)} == {"timer", "silence"}
    # Not acknowledged in time: escalated to every supervisor, each alarm under its own kind.
    with push_app.app_context():
        check_alarms(now() + timedelta(minutes=16))
    drain(push_app)
    for sub in (to_supervisor, to_admin):
        payloads = [sub.decrypt(r) for r in push_service.received(sub.path)]
        escalated = {p["type"]: p["title"] for p in payloads if p["title"].startswith("Ej ")}
        assert escalated == {kind: f"Ej kvitterat: {title}" for kind, title in raised.items()}
