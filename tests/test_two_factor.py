"""Signing in with a second factor (issue 27): TOTP with the server's clock set by the test,
each code once, recovery codes once, no session row before both steps, the half-signed-in state
expiring after 5 minutes, the login limits on wrong codes, enforcement per role, and resets by
an admin and by the CLI."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from patrol.audit import AuditEvent
from patrol.auth.models import LoginFailure, Passkey, RecoveryCode, TotpFactor, User, UserSession
from patrol.configcheck import ConfigError
from patrol.db import db, set_clock
from tests.support.app import TEST_PASSWORD, Api
from tests.support.review import login_page_client
from tests.support.twofactor import NOW, code_at, give_factor


def sessions_of(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count())
            .select_from(UserSession)
            .join(User, User.id == UserSession.user_id)
            .where(User.username == username)
        )


def second_step(api: Api, code: str):
    answer = api.post("/api/v1/session/second-step", json={"code": code})
    if answer.status_code == 200:
        api.csrf = answer.json["csrf_token"]  # renewed at login, as after the password
    return answer


@pytest.fixture
def clocked(seeded):
    set_clock(seeded, NOW)
    return seeded


def test_the_password_alone_makes_no_session_and_the_api_answers_401_until_the_code(clocked):
    give_factor(clocked, "supervisor")
    api = Api(clocked)
    answer = api.login("supervisor")
    assert answer.status_code == 401
    assert answer.json["error"] == "second_factor_required"
    assert answer.json["message"] == "Ange koden från din app."
    assert sessions_of(clocked, "supervisor") == 0
    assert api.get("/api/v1/me").json["user"] is None
    assert api.get("/api/v1/sites").status_code == 401
    assert api.get("/review/").status_code == 302  # to the login page

    answer = second_step(api, code_at(NOW))
    assert answer.status_code == 200, answer.json
    assert answer.json["user"]["username"] == "supervisor"
    assert sessions_of(clocked, "supervisor") == 1
    assert api.get("/api/v1/sites").status_code == 200


def test_a_code_works_once_and_one_step_either_side(clocked):
    give_factor(clocked, "supervisor")
    api = Api(clocked)
    assert api.login("supervisor").status_code == 401
    assert second_step(api, code_at(NOW)).status_code == 200
    api.delete("/api/v1/session")

    # The same code again (a shoulder-surfer, a replay) is refused, even within its step.
    again = Api(clocked)
    assert again.login("supervisor").status_code == 401
    refused = second_step(again, code_at(NOW))
    assert refused.status_code == 401
    assert refused.json["error"] == "bad_code"
    # The next step's code (a phone's clock a little ahead) is accepted.
    assert second_step(again, code_at(NOW + timedelta(seconds=30))).status_code == 200
    again.delete("/api/v1/session")

    # Two steps away is outside the tolerance; one step back is already used up.
    late = Api(clocked)
    set_clock(clocked, NOW + timedelta(seconds=90))
    assert late.login("supervisor").status_code == 401
    assert second_step(late, code_at(NOW + timedelta(seconds=30))).status_code == 401
    assert second_step(late, code_at(NOW + timedelta(seconds=150))).status_code == 401
    assert second_step(late, code_at(NOW + timedelta(seconds=60))).status_code == 200


def test_the_half_signed_in_state_expires_after_five_minutes(clocked):
    give_factor(clocked, "supervisor")
    api = Api(clocked)
    assert api.login("supervisor").status_code == 401
    later = NOW + timedelta(minutes=5, seconds=1)
    set_clock(clocked, later)
    answer = second_step(api, code_at(later))
    assert answer.status_code == 401
    assert answer.json["error"] == "second_step_expired"
    assert sessions_of(clocked, "supervisor") == 0

    # Within the five minutes it works.
    api = Api(clocked)
    assert api.login("supervisor").status_code == 401
    set_clock(clocked, later + timedelta(minutes=4, seconds=50))
    assert second_step(api, code_at(later + timedelta(minutes=4, seconds=50))).status_code == 200


def test_the_login_page_asks_for_the_code_and_expires_too(clocked):
    give_factor(clocked, "supervisor")
    client = clocked.test_client()
    token = client.get("/api/v1/me").json["csrf_token"]
    answer = client.post(
        "/login?next=/review/reports",
        data={"username": "supervisor", "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/login/code"
    assert sessions_of(clocked, "supervisor") == 0
    page = client.get("/login/code")
    assert "Ange koden från din app" in page.get_data(as_text=True)
    assert client.get("/review/").status_code == 302

    # CSRF on the second step: without the token nothing happens.
    refused = client.post("/login/code", data={"code": code_at(NOW)})
    assert refused.status_code in (400, 403)
    assert sessions_of(clocked, "supervisor") == 0

    wrong = client.post("/login/code", data={"code": "000000", "csrf_token": token})
    assert wrong.status_code == 401
    assert "Fel kod" in wrong.get_data(as_text=True)
    done = client.post("/login/code", data={"code": code_at(NOW), "csrf_token": token})
    assert done.status_code == 302
    assert done.headers["Location"] == "/review/reports"
    assert sessions_of(clocked, "supervisor") == 1
    assert client.get("/review/").status_code == 200

    # The page's half state expires like the API's.
    other = clocked.test_client()
    token = other.get("/api/v1/me").json["csrf_token"]
    other.post(
        "/login", data={"username": "supervisor", "password": TEST_PASSWORD, "csrf_token": token}
    )
    set_clock(clocked, NOW + timedelta(minutes=6))
    late = other.post(
        "/login/code", data={"code": code_at(NOW + timedelta(minutes=6)), "csrf_token": token}
    )
    assert late.status_code == 401
    assert "Logga in igen" in late.get_data(as_text=True)
    assert sessions_of(clocked, "supervisor") == 1


def test_the_api_second_step_needs_the_csrf_token(clocked):
    give_factor(clocked, "supervisor")
    api = Api(clocked)
    assert api.login("supervisor").status_code == 401
    answer = api.client.post("/api/v1/session/second-step", json={"code": code_at(NOW)})
    assert answer.status_code == 403
    assert answer.json["error"] == "csrf"
    assert sessions_of(clocked, "supervisor") == 0


def test_wrong_codes_count_in_the_login_limits(clocked):
    give_factor(clocked, "supervisor")
    api = Api(clocked)
    assert api.login("supervisor").status_code == 401
    limit = clocked.config["LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS"]
    for _ in range(limit):
        assert second_step(api, "123456").status_code == 401
    blocked = second_step(api, code_at(NOW))
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    # The password is refused too: one budget for both steps.
    assert Api(clocked).login("supervisor").status_code == 429
    assert sessions_of(clocked, "supervisor") == 0


def test_a_recovery_code_signs_in_once(clocked):
    codes = give_factor(clocked, "admin")
    with clocked.app_context():
        stored = db.session.scalars(sa.select(RecoveryCode.code_sha256)).all()
    assert len(stored) == 10
    assert not set(codes) & set(stored)  # hashed, never the code itself

    api = Api(clocked)
    assert api.login("admin").status_code == 401
    assert second_step(api, codes[3].upper().replace("-", " ")).status_code == 200
    api.delete("/api/v1/session")

    again = Api(clocked)
    assert again.login("admin").status_code == 401
    assert second_step(again, codes[3]).status_code == 401
    assert second_step(again, codes[4]).status_code == 200


def test_an_admin_must_set_up_a_factor_and_cannot_skip_it(clocked):
    clocked.config["TESTS_SKIP_SECOND_FACTOR_SETUP"] = False
    api = Api(clocked)
    answer = api.login("admin")
    assert answer.status_code == 401
    assert answer.json["error"] == "second_factor_setup_required"
    assert sessions_of(clocked, "admin") == 0
    # The code step is not a way around the set-up.
    assert second_step(api, "123456").json["error"] == "second_step_expired"
    assert api.get("/admin/").status_code == 302

    page = api.get("/login/setup")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<svg" in html
    with clocked.app_context():
        secret = db.session.scalar(sa.select(TotpFactor.secret))
    assert " ".join(secret[i : i + 4] for i in range(0, 32, 4)) in html
    assert sessions_of(clocked, "admin") == 0

    other = Api(clocked)  # the same admin in another browser, also at the set-up
    assert other.login("admin").json["error"] == "second_factor_setup_required"
    wrong = api.post("/login/setup", data={"code": "000000", "csrf_token": api.csrf})
    assert wrong.status_code == 401
    done = api.post("/login/setup", data={"code": code_at(NOW, secret), "csrf_token": api.csrf})
    assert done.status_code == 200
    html = done.get_data(as_text=True)
    assert html.count("<li><code>") == 10
    assert sessions_of(clocked, "admin") == 1
    with clocked.app_context():
        assert db.session.scalar(sa.select(TotpFactor.confirmed_at)) is not None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 10
    assert api.get("/admin/").status_code == 200

    # A set-up left open in another browser cannot replace the confirmed factor.
    assert other.get("/login/setup").status_code == 401
    with clocked.app_context():
        assert db.session.scalar(sa.select(TotpFactor.secret)) == secret

    # From now on the admin gives a code after the password.
    api.delete("/api/v1/session")
    again = Api(clocked)
    assert again.login("admin").json["error"] == "second_factor_required"


def test_roles_need_a_factor_when_the_admin_turns_it_on(clocked):
    clocked.config["TESTS_SKIP_SECOND_FACTOR_SETUP"] = False
    give_factor(clocked, "admin")
    assert Api(clocked).login("supervisor").status_code == 200  # off by default
    assert Api(clocked).login("guard").status_code == 200

    admin = Api(clocked)
    assert admin.login("admin").status_code == 401
    assert second_step(admin, code_at(NOW)).status_code == 200
    # A supervisor may read /admin/ but not change it.
    supervisor = Api(clocked)
    assert supervisor.login("supervisor").status_code == 200
    refused = supervisor.post("/admin/users/second-factor", data={"roles": ["supervisor"]})
    assert refused.status_code == 403

    answer = admin.post(
        "/admin/users/second-factor",
        data={"roles": ["supervisor", "owner"], "csrf_token": admin.csrf},
    )
    assert answer.status_code == 302
    assert "checked" in admin.get("/admin/users").get_data(as_text=True)
    with clocked.app_context():
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.entity == "second_factor_roles")
        )
        assert event.changes == {"roles": [[], ["owner", "supervisor"]]}
        assert event.actor.username == "admin"
    assert Api(clocked).login("supervisor").json["error"] == "second_factor_setup_required"
    assert Api(clocked).login("owner").json["error"] == "second_factor_setup_required"
    assert Api(clocked).login("guard").status_code == 200  # not turned on for guards

    bad = admin.post("/admin/users/second-factor", data={"roles": ["boss"]})
    assert bad.status_code == 400


def test_an_admin_resets_a_lost_phone_and_the_users_sessions_end(clocked):
    give_factor(clocked, "supervisor")
    give_factor(clocked, "admin")
    supervisor = Api(clocked)
    supervisor.login("supervisor")
    assert second_step(supervisor, code_at(NOW)).status_code == 200
    admin = Api(clocked)
    admin.login("admin")
    with clocked.app_context():
        admin_id = db.session.scalar(sa.select(User.id).where(User.username == "admin"))
        supervisor_id = db.session.scalar(sa.select(User.id).where(User.username == "supervisor"))
        db.session.execute(sa.update(TotpFactor).values(last_step=None))
        db.session.commit()
    assert second_step(admin, code_at(NOW)).status_code == 200
    page = admin.get(f"/admin/users/{supervisor_id}").get_data(as_text=True)
    assert "10 reservkoder kvar" in page

    own = admin.post(f"/admin/users/{admin_id}/reset-factors")
    assert own.status_code == 409
    answer = admin.post(f"/admin/users/{supervisor_id}/reset-factors")
    assert answer.status_code == 302
    assert sessions_of(clocked, "supervisor") == 0
    assert supervisor.get("/api/v1/sites").status_code == 401
    with clocked.app_context():
        assert db.session.get(TotpFactor, supervisor_id) is None
        left = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == supervisor_id)
        )
        assert left == 0
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "reset_factors"))
        assert (event.entity_id, event.actor_id) == (supervisor_id, admin_id)
    assert Api(clocked).login("supervisor").status_code == 200  # no factor, not required


def test_the_cli_resets_an_admins_factors(clocked):
    clocked.config["TESTS_SKIP_SECOND_FACTOR_SETUP"] = False
    give_factor(clocked, "admin")
    admin = Api(clocked)
    admin.login("admin")
    assert second_step(admin, code_at(NOW)).status_code == 200
    result = clocked.test_cli_runner().invoke(args=["reset-factors", "ADMIN"])
    assert result.exit_code == 0, result.output
    assert "1 session(s) ended" in result.output
    assert sessions_of(clocked, "admin") == 0
    with clocked.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TotpFactor)) == 0
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "reset_factors"))
        assert event.actor_id is None
    # The next sign-in sets a new factor up.
    assert Api(clocked).login("admin").json["error"] == "second_factor_setup_required"
    missing = clocked.test_cli_runner().invoke(args=["reset-factors", "nobody"])
    assert missing.exit_code != 0
    assert "no user" in missing.output


def test_production_refuses_the_tests_only_switch(app, tmp_path):
    from patrol import create_app

    with pytest.raises(ConfigError, match="PATROL_TESTS_SKIP_SECOND_FACTOR_SETUP"):
        create_app(
            {
                "ENV": "production",
                "SECRET_KEY": "x" * 40,
                "DATABASE_URL": app.config["DATABASE_URL"],
                "PUBLIC_URL": "https://patrull.example.se",
                "TESTS_SKIP_SECOND_FACTOR_SETUP": True,
            },
            instance_path=tmp_path / "prod",
        )


def test_login_page_client_still_logs_in_supervisors_without_a_factor(seeded):
    # The helpers many tests use keep working (the tests-only switch), admins included.
    assert login_page_client(seeded, "admin").get("/admin/").status_code == 200


def add_passkey(app, username: str, credential_id: bytes = b"key-1") -> None:
    """A stored passkey row (its public key is never checked here: these tests refuse before)."""
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        db.session.add(
            Passkey(user_id=user.id, credential_id=credential_id, public_key=b"x", name="Telefon")
        )
        db.session.commit()


def test_a_passkey_is_a_second_factor_and_a_bad_answer_a_failed_login(clocked):
    add_passkey(clocked, "supervisor")
    api = Api(clocked)
    assert api.login("supervisor").json["error"] == "second_factor_required"
    page = api.get("/login/code").get_data(as_text=True)
    assert "Bekräfta med din nyckel" in page
    options = api.post("/login/passkey/options", json={})
    assert options.status_code == 200
    assert options.json["rpId"] == "localhost"
    assert [c["id"] for c in options.json["allowCredentials"]] == ["a2V5LTE"]  # b"key-1"
    refused = api.post("/login/passkey", json={"credential": {"id": "a2V5LTE", "rawId": "a2V5LTE"}})
    assert refused.status_code == 401
    assert refused.json["error"] == "bad_passkey"
    assert sessions_of(clocked, "supervisor") == 0
    with clocked.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == 1
    # Without the password step there is nothing to confirm.
    anonymous = Api(clocked)
    anonymous.refresh_csrf()
    late = anonymous.post("/login/passkey/options", json={})
    assert (late.status_code, late.json["error"]) == (401, "second_step_expired")


def test_only_a_logged_in_user_adds_keys_and_each_needs_a_name(seeded):
    anonymous = Api(seeded)
    anonymous.refresh_csrf()
    assert anonymous.post("/account/passkeys/options", json={}).status_code == 401
    assert anonymous.get("/account/security").status_code == 302
    guard = Api(seeded)
    guard.login("guard")
    options = guard.post("/account/passkeys/options", json={})
    assert options.status_code == 200
    assert options.json["rp"] == {"id": "localhost", "name": "Nattpatrull"}
    nameless = guard.post("/account/passkeys", json={"name": " ", "credential": {}})
    assert nameless.status_code == 422
    assert nameless.json["message"] == "Ge nyckeln ett namn (högst 80 tecken)."


def test_the_relying_party_comes_from_the_public_url(seeded):
    seeded.config["PUBLIC_URL"] = "https://patrull.example.se"
    guard = Api(seeded)
    guard.login("guard")
    options = guard.post("/account/passkeys/options", json={})
    assert options.json["rp"]["id"] == "patrull.example.se"


def test_a_reset_removes_the_passkeys_too(clocked):
    add_passkey(clocked, "supervisor")
    admin = Api(clocked)
    admin.login("admin")
    with clocked.app_context():
        supervisor_id = db.session.scalar(sa.select(User.id).where(User.username == "supervisor"))
    assert admin.post(f"/admin/users/{supervisor_id}/reset-factors").status_code == 302
    with clocked.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Passkey)) == 0
    assert Api(clocked).login("supervisor").status_code == 200


def test_a_key_nobody_registered_does_not_sign_in_alone(seeded):
    client = Api(seeded)
    client.refresh_csrf()
    options = client.post("/login/key/options", json={})
    assert options.status_code == 200
    assert options.json["userVerification"] == "required"
    assert "allowCredentials" not in options.json or options.json["allowCredentials"] == []
    refused = client.post("/login/key", json={"credential": {"id": "bm9uZQ", "rawId": "bm9uZQ"}})
    assert (refused.status_code, refused.json["error"]) == (401, "bad_passkey")
    assert client.get("/api/v1/me").json["user"] is None
    with seeded.app_context():
        failure = db.session.scalar(sa.select(LoginFailure))
        assert failure.username == "(passkey)"
