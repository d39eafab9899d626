"""Server-side sessions (issue 15 point 7, issue 9 point 7): logout means logout, and
deactivating a user or resetting a password ends that user's sessions on every device."""

from __future__ import annotations

import sqlalchemy as sa

from patrol.auth.models import User, UserSession
from patrol.db import db
from tests.support.app import Api


def user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.username == username))


def copied_cookie_client(api: Api):
    """A second client holding a copy of the first one's session cookie."""
    thief = api.app.test_client()
    cookie = api.client.get_cookie("patrol_session")
    thief.set_cookie("patrol_session", cookie.value)
    return thief


def test_a_cookie_copied_before_logout_is_refused_after_it(api_as):
    guard = api_as("guard")
    thief = copied_cookie_client(guard)
    assert thief.get("/api/v1/me").json["user"]["username"] == "guard"
    assert thief.get("/api/v1/sites").status_code == 200

    assert guard.delete("/api/v1/session").status_code == 204

    assert thief.get("/api/v1/sites").status_code == 401
    assert thief.get("/api/v1/me").json["user"] is None


def test_logout_page_ends_the_server_session_too(api_as):
    supervisor = api_as("supervisor")
    thief = copied_cookie_client(supervisor)
    assert thief.get("/review/").status_code == 200
    supervisor.post("/logout")
    assert thief.get("/review/").status_code == 302  # to the login page


def test_deactivating_a_user_ends_the_session_on_another_device(api_as, seeded):
    phone = api_as("guard")
    tablet = api_as("guard")
    admin = api_as("admin")
    assert phone.get("/api/v1/sites").status_code == 200

    guard_id = user_id(seeded, "guard")
    answer = admin.post(f"/admin/users/{guard_id}/active", data={"active": "0"})
    assert answer.status_code == 302

    for device in (phone, tablet):
        assert device.get("/api/v1/sites").status_code == 401
    with seeded.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(UserSession)
                .where(UserSession.user_id == guard_id)
            )
            == 0
        )
    # Reactivated, the old cookies stay dead: only a new login opens a session.
    admin.post(f"/admin/users/{guard_id}/active", data={"active": "1"})
    assert phone.get("/api/v1/sites").status_code == 401
    assert Api(seeded).login("guard").status_code == 200


def test_a_password_reset_ends_every_session_and_forces_a_new_password(api_as, seeded):
    phone = api_as("guard")
    admin = api_as("admin")
    guard_id = user_id(seeded, "guard")
    page = admin.post(f"/admin/users/{guard_id}/reset-password")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    one_time = html.split('id="one-time-password">', 1)[1].split("<", 1)[0]
    assert len(one_time) == 19
    assert phone.get("/api/v1/sites").status_code == 401

    fresh = Api(seeded)
    assert fresh.login("guard").status_code == 401  # the old password is gone
    logged_in = fresh.login("guard", one_time)
    assert logged_in.status_code == 200
    # The guard app reads this and opens the change-password page first.
    assert logged_in.json["user"]["must_change_password"] is True
    # Every page leads to the change-password page until a new password is chosen.
    assert fresh.get("/review/").headers["Location"].endswith("/account/password")
    wrong = fresh.post(
        "/account/password", data={"current": one_time, "new": "short", "repeat": "short"}
    )
    assert wrong.status_code == 422
    assert "Minst 8 tecken" in wrong.get_data(as_text=True)
    done = fresh.post(
        "/account/password",
        data={"current": one_time, "new": "a-new-secret-1", "repeat": "a-new-secret-1"},
    )
    assert done.status_code == 302
    assert fresh.get("/api/v1/sites").status_code == 200
    with seeded.app_context():
        assert db.session.get(User, guard_id).must_change_password is False
    assert Api(seeded).login("guard", "a-new-secret-1").status_code == 200


def test_log_out_everywhere(api_as, seeded):
    phone = api_as("guard")
    laptop = api_as("guard")
    answer = laptop.post("/account/logout-everywhere")
    assert answer.status_code == 302
    assert phone.get("/api/v1/sites").status_code == 401
    assert laptop.get("/api/v1/sites").status_code == 401


def test_an_admin_logs_a_user_out_everywhere(api_as, seeded):
    phone = api_as("guard")
    admin = api_as("admin")
    answer = admin.post(f"/admin/users/{user_id(seeded, 'guard')}/logout-everywhere")
    assert answer.status_code == 302
    assert phone.get("/api/v1/sites").status_code == 401
    assert admin.get("/admin/users").status_code == 200  # the admin's own session lives on
