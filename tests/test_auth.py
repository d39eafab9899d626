"""Login, session, CSRF order, login limits, roles and the create-user command."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from patrol.auth.models import LoginFailure, User
from patrol.configcheck import ConfigError
from patrol.db import db, engine_of
from tests.support.app import TEST_PASSWORD, Api


def test_login_sets_a_shift_long_session_cookie(seeded):
    api = Api(seeded)
    response = api.login("guard")
    assert response.status_code == 200
    assert response.json["user"]["username"] == "guard"
    assert response.json["user"]["role"] == "guard"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Expires=" in cookie
    me = api.get("/api/v1/me").json
    assert me["user"]["username"] == "guard"
    assert seeded.config["PERMANENT_SESSION_LIFETIME"] >= timedelta(hours=12)


def app_from_environment(tmp_path, monkeypatch, **env: str):
    """An app configured the way an operator does it: PATROL_ environment variables only."""
    from patrol import create_app

    for name in ("PATROL_ENV", "PATROL_SECRET_KEY", "PATROL_SESSION_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PATROL_DATABASE_URL", f"sqlite:///{tmp_path}/env.sqlite3")
    monkeypatch.setenv("PATROL_PUBLIC_URL", "https://patrull.example.se")
    for name, value in env.items():
        monkeypatch.setenv(f"PATROL_{name}", value)
    app = create_app(instance_path=tmp_path / "env-instance")
    engine_of(app).dispose()
    return app


def test_session_cookie_is_secure_in_production_by_default(tmp_path, monkeypatch):
    prod = app_from_environment(tmp_path, monkeypatch, ENV="production", SECRET_KEY="x" * 32)
    assert prod.config["SESSION_COOKIE_SECURE"] is True
    dev = app_from_environment(tmp_path, monkeypatch, ENV="development")
    assert dev.config["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize("value, secure", [("true", True), ("false", False)])
@pytest.mark.parametrize("env", ["development", "production"])
def test_session_cookie_secure_can_be_set_from_the_environment(
    tmp_path, monkeypatch, env, value, secure
):
    """An operator behind a TLS-terminating proxy in development mode (or a test) decides."""
    app = app_from_environment(
        tmp_path, monkeypatch, ENV=env, SECRET_KEY="x" * 32, SESSION_COOKIE_SECURE=value
    )
    assert app.config["SESSION_COOKIE_SECURE"] is secure
    cookie = app.test_client().get("/api/v1/me").headers["Set-Cookie"]  # the CSRF token's session
    assert cookie.startswith("patrol_session=")
    assert ("; Secure" in cookie) is secure


def test_production_refuses_to_start_without_secret_key(app, tmp_path, monkeypatch):
    from patrol import create_app

    monkeypatch.delenv("PATROL_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="PATROL_SECRET_KEY"):
        create_app(
            {
                "ENV": "production",
                "DATABASE_URL": app.config["DATABASE_URL"],
                "PUBLIC_URL": "https://patrull.example.se",
            },
            instance_path=tmp_path / "prod",
        )


def test_wrong_password_is_401_with_a_swedish_message(seeded):
    api = Api(seeded)
    response = api.login("guard", "wrong-password")
    assert response.status_code == 401
    assert response.json["error"] == "bad_credentials"
    assert response.json["message"] == "Fel användarnamn eller lösenord."


def test_english_on_request(seeded):
    api = Api(seeded)
    api.client.set_cookie("lang", "en")
    response = api.login("guard", "wrong-password")
    assert response.json["message"] == "Wrong username or password."


def test_login_needs_the_csrf_token(seeded):
    client = seeded.test_client()
    client.get("/api/v1/me")
    response = client.post("/api/v1/session", json={"username": "guard", "password": TEST_PASSWORD})
    assert response.status_code == 403
    assert response.json["error"] == "csrf"


def test_not_logged_in_answers_401_before_the_csrf_check(seeded):
    client = seeded.test_client()
    response = client.put(
        "/api/v1/shifts/5b0c3f0e-7d0e-4a84-9d1e-0a0a0a0a0a0a",
        json={"started_at": "2026-11-23T20:00:00+01:00"},
    )
    assert response.status_code == 401
    assert response.json["error"] == "unauthorized"


def test_logged_in_without_csrf_is_403_csrf(api_as):
    api = api_as("guard")
    api.csrf = None
    response = api.put(
        "/api/v1/shifts/5b0c3f0e-7d0e-4a84-9d1e-0a0a0a0a0a0a",
        json={"started_at": "2026-11-23T20:00:00+01:00"},
    )
    assert response.status_code == 403
    assert response.json["error"] == "csrf"
    assert response.json["message"]


def test_logout_is_204_and_ends_the_session(api_as):
    api = api_as("guard")
    assert api.delete("/api/v1/session").status_code == 204
    assert api.get("/api/v1/me").json["user"] is None


def test_ten_failures_per_account_answer_429_and_the_limit_lifts(seeded):
    api = Api(seeded)
    for _ in range(10):
        assert api.login("guard", "nope-nope").status_code == 401
    response = api.login("guard")  # even the right password waits
    assert response.status_code == 429
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= 15 * 60
    assert "minuter" in response.json["message"]
    # Another account from the same address is not affected.
    assert api.login("supervisor").status_code == 200
    # Age the failures past the window: the limit lifts by itself.
    with seeded.app_context():
        for failure in db.session.scalars(sa.select(LoginFailure)):
            failure.at -= timedelta(minutes=16)
        db.session.commit()
    assert Api(seeded).login("guard").status_code == 200


def test_fifty_failures_per_address_answer_429(seeded):
    api = Api(seeded)
    for i in range(50):
        assert api.login(f"nobody{i % 7}", "nope-nope").status_code in (401, 429)
    response = api.login("admin")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0


def test_inactive_user_cannot_log_in(seeded):
    with seeded.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "guard"))
        user.active = False
        db.session.commit()
    assert Api(seeded).login("guard").status_code == 401


def test_login_page_is_swedish_and_logs_in_by_form(seeded):
    client = seeded.test_client()
    page = client.get("/login")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'lang="sv"' in html
    assert "Användarnamn" in html and "Lösenord" in html and "Logga in" in html
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/login",
        data={"username": "supervisor", "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/review/"


def test_login_page_in_english_and_wrong_password(seeded):
    client = seeded.test_client()
    page = client.get("/login?lang=en")
    html = page.get_data(as_text=True)
    assert "Username" in html and 'lang="en"' in html
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/login?lang=en", data={"username": "guard", "password": "bad", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "Wrong username or password." in response.get_data(as_text=True)


def test_login_page_never_redirects_off_site(seeded):
    client = seeded.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/login?next=//evil.example/",
        data={"username": "guard", "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_create_user_command_reads_the_password_from_stdin(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-user", "nattvakt", "--role", "guard", "--password-stdin"],
        input="ett-bra-losenord\n",
    )
    assert result.exit_code == 0, result.output
    assert Api(app).login("nattvakt", "ett-bra-losenord").status_code == 200
    again = runner.invoke(
        args=["create-user", "nattvakt", "--role", "guard", "--password-stdin"], input="x" * 9
    )
    assert again.exit_code != 0 and "already exists" in again.output


def test_create_user_command_asks_twice(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-user", "chef", "--role", "supervisor"],
        input="hemligt-ord\nhemligt-ord\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "chef"))
        assert user.role == "supervisor"
        assert user.password_hash.startswith("$argon2id$")


def test_seed_demo_refuses_production(app):
    from tests.support.app import make_test_app

    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0 and "guard" in result.output
    prod = make_test_app(
        app.config["DATABASE_URL"],
        Path(app.instance_path).parent,
        ENV="production",
        SECRET_KEY="x" * 32,
        PUBLIC_URL="https://patrull.example.se",
    )
    result = prod.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "production" in result.output
    engine_of(prod).dispose()
