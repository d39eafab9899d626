"""A one-time password from an admin opens nothing but the password page (issue 22, point 4):
until it is changed, every API route but /api/v1/me and /api/v1/session answers 403
`password_change_required` and stores nothing (architecture §5), checked for every route in the
URL map, so a new API route is covered too."""

from __future__ import annotations

import re
import uuid

import sqlalchemy as sa

from patrol.auth.models import User
from patrol.db import db
from patrol.shifts.models import Shift
from tests.support.app import Api

OPEN = {"auth_api.me", "auth_api.create_session", "auth_api.delete_session"}
PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
SHIFT = {"started_at": "2026-11-23T20:00:00+01:00", "ended_at": None, "note": ""}


def one_time_password_for(app, admin: Api, username: str) -> str:
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.username == username))
    page = admin.post(f"/admin/users/{user_id}/reset-password").get_data(as_text=True)
    return page.split('id="one-time-password">', 1)[1].split("<", 1)[0]


def api_urls(app):
    """(endpoint, method, url) for every API route, its path parts filled with plausible values."""
    fill = {"uuid": lambda: str(uuid.uuid4()), "int": lambda: "1"}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        url = PARAM.sub(lambda m: fill.get(m.group(1) or "", lambda: "x")(), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def test_until_the_password_is_changed_every_api_route_answers_password_change_required(
    api_as, seeded
):
    one_time = one_time_password_for(seeded, api_as("admin"), "guard")
    phone = Api(seeded)
    me = phone.login("guard", one_time)
    assert me.status_code == 200 and me.json["user"]["must_change_password"] is True
    shift_id = str(uuid.uuid4())
    refused = phone.put(f"/api/v1/shifts/{shift_id}", json=SHIFT)
    assert refused.status_code == 403, refused.json
    assert refused.json["error"] == "password_change_required"
    assert refused.json["message"] == "Byt lösenord först."
    checked = 0
    for endpoint, method, url in api_urls(seeded):
        if endpoint in OPEN:
            continue
        response = getattr(phone, method.lower())(url)
        if getattr(seeded.view_functions[endpoint], "patrol_bearer", None):
            # The integration API takes an API token, never a session: the cookie opens
            # nothing there, so it answers as to anyone without a token.
            assert response.status_code == 401, (method, url, response.status_code)
            assert response.get_json()["error"] == "invalid_token", (method, url)
            continue
        assert response.status_code == 403, (method, url, response.status_code)
        assert response.get_json()["error"] == "password_change_required", (method, url)
        checked += 1
    assert checked > 20
    # Who am I still answers (the phone reads must_change_password there).
    assert phone.get("/api/v1/me").json["user"]["must_change_password"] is True
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Shift)) == 0

    done = phone.post(
        "/account/password",
        data={"current": one_time, "new": "a-new-secret-1", "repeat": "a-new-secret-1"},
    )
    assert done.status_code == 302
    assert phone.put(f"/api/v1/shifts/{shift_id}", json=SHIFT).status_code == 201


def test_the_password_page_says_change_it_first(api_as, seeded):
    one_time = one_time_password_for(seeded, api_as("admin"), "guard")
    phone = Api(seeded)
    assert phone.login("guard", one_time).status_code == 200
    page = phone.get("/account/password").get_data(as_text=True)
    assert "<h1>Byt lösenord först</h1>" in page
