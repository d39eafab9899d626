"""What the guard's phone needs to show an SOS honestly (issue 10, points 1-2): whether any
supervisor's device was notified, who acknowledged it and when, and the duty phone number."""

from __future__ import annotations

from tests.support import push as push_fixtures
from tests.support.push import iso, new_id, now, subscribe

push_app = push_fixtures.push_app
push_service = push_fixtures.push_service


def test_sos_says_whether_a_supervisor_was_notified_and_who_acknowledged(
    push_app, api_as, push_service
):
    guard, supervisor = api_as("guard"), api_as("supervisor")
    quiet = new_id()
    first = guard.put(f"/api/v1/sos/{quiet}", json={"occurred_at": iso(now())})
    assert first.status_code == 201
    # No supervisor has push: the phone must not claim the supervisor was alerted.
    assert first.json["supervisor_devices"] == 0
    assert guard.get(f"/api/v1/sos/{quiet}").json["supervisor_devices"] == 0

    subscribe(supervisor, push_service, "supervisor-phone")
    subscribe(guard, push_service, "guard-phone")  # the guard's own device does not count
    alerted = new_id()
    assert guard.put(f"/api/v1/sos/{alerted}", json={"occurred_at": iso(now())}).status_code == 201
    answer = guard.get(f"/api/v1/sos/{alerted}").json
    assert answer["supervisor_devices"] == 1
    assert answer["acknowledged_at"] is None and answer["received_at"]

    supervisor.post(f"/api/v1/sos/{alerted}/acknowledge")
    answer = guard.get(f"/api/v1/sos/{alerted}").json
    assert answer["acknowledged_at"] and answer["acknowledged_by"]


def test_duty_phone_comes_with_me_for_logged_in_users_only(app, client, api_as):
    app.config["DUTY_PHONE"] = "+46 40 123 45 67"
    assert client.get("/api/v1/me").json["duty_phone"] is None  # logged out: not shown
    assert api_as("guard").get("/api/v1/me").json["duty_phone"] == "+46 40 123 45 67"
    app.config["DUTY_PHONE"] = ""
    assert api_as("guard").get("/api/v1/me").json["duty_phone"] is None
