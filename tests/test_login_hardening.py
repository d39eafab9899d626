"""Login hardening (issue 15, points 8 and 9): the client's real address behind a trusted
proxy, a CSRF token that changes at login, no short secret key in production, Retry-After on
the login form's 429, and exactly 10 verified passwords per account when 40 wrong ones arrive
at once across gunicorn workers."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import requests
import sqlalchemy as sa

from patrol import create_app
from patrol.auth.models import LoginFailure
from patrol.configcheck import ConfigError
from patrol.db import db, engine_of
from tests.support.app import TEST_PASSWORD, Api, make_test_app
from tests.support.gunicorn import Gunicorn


def failures(app) -> list[LoginFailure]:
    with app.app_context():
        return list(db.session.scalars(sa.select(LoginFailure).order_by(LoginFailure.id)))


# --- 9: the CSRF token changes at login ------------------------------------------------------


def test_the_csrf_token_changes_at_login_and_the_old_one_is_refused(seeded):
    api = Api(seeded)
    before = api.refresh_csrf()
    response = api.login("guard")
    assert response.status_code == 200
    after = response.json["csrf_token"]
    assert after != before
    assert api.get("/api/v1/me").json["csrf_token"] == after
    shift = "/api/v1/shifts/2f1c4d8e-4a57-4c0f-9d55-0d0f6b1f3a11"
    body = {"started_at": "2026-11-23T19:35:00+01:00"}
    stale = api.client.put(shift, json=body, headers={"X-CSRFToken": before})
    assert stale.status_code == 403 and stale.json["error"] == "csrf"
    assert api.client.put(shift, json=body, headers={"X-CSRFToken": after}).status_code == 201


def test_the_login_form_also_gives_a_new_csrf_token(seeded):
    client = seeded.test_client()
    before = client.get("/api/v1/me").json["csrf_token"]
    response = client.post(
        "/login", data={"username": "supervisor", "password": TEST_PASSWORD, "csrf_token": before}
    )
    assert response.status_code == 302
    assert client.get("/api/v1/me").json["csrf_token"] != before
    refused = client.post("/review/theme", data={"theme": "light", "csrf_token": before})
    assert refused.status_code == 403


# --- 9: the secret key ------------------------------------------------------------------------


@pytest.mark.parametrize("length, starts", [(31, False), (32, True)])
def test_production_refuses_a_secret_key_shorter_than_32_characters(tmp_path, length, starts):
    config = {
        "ENV": "production",
        "PUBLIC_URL": "https://patrull.example.se",
        "SECRET_KEY": "k" * length,
        "DATABASE_URL": f"sqlite:///{tmp_path}/p.sqlite3",
    }
    if starts:
        engine_of(create_app(config, instance_path=tmp_path)).dispose()
    else:
        with pytest.raises(ConfigError, match="fewer than 32 characters"):
            create_app(config, instance_path=tmp_path)


# --- 9: Retry-After on the login form -----------------------------------------------------------


def test_the_login_forms_429_carries_retry_after_like_the_api(seeded):
    client = seeded.test_client()
    token = client.get("/api/v1/me").json["csrf_token"]
    form = {"username": "guard", "password": "wrong-password", "csrf_token": token}
    for _ in range(seeded.config["LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS"]):
        assert client.post("/login", data=form).status_code == 401
    page = client.post("/login", data=form)
    assert page.status_code == 429
    assert int(page.headers["Retry-After"]) > 0
    assert "Försök igen om" in page.get_data(as_text=True)
    api = Api(seeded)
    api.refresh_csrf()
    refused = api.client.post(
        "/api/v1/session",
        json={"username": "guard", "password": "wrong-password"},
        headers={"X-CSRFToken": api.csrf},
    )
    assert refused.status_code == 429
    assert abs(int(refused.headers["Retry-After"]) - int(page.headers["Retry-After"])) <= 1


def test_a_username_longer_than_any_account_is_a_plain_wrong_login(seeded):
    client = seeded.test_client()
    token = client.get("/api/v1/me").json["csrf_token"]
    page = client.post(
        "/login", data={"username": "g" * 5000, "password": "x", "csrf_token": token}
    )
    assert page.status_code == 401
    assert "Fel användarnamn eller lösenord." in page.get_data(as_text=True)
    assert failures(seeded) == []


# --- 8: behind a proxy ----------------------------------------------------------------------------


def wrong_login(app, forwarded_for: str, username: str) -> int:
    api = Api(app)
    api.refresh_csrf()
    return api.client.post(
        "/api/v1/session",
        json={"username": username, "password": "wrong-password"},
        headers={"X-CSRFToken": api.csrf, "X-Forwarded-For": forwarded_for},
    ).status_code


@pytest.mark.parametrize("trusted", [1, 0])
def test_the_per_address_limit_counts_the_real_address_only_behind_trusted_proxies(
    seeded, tmp_path, trusted
):
    app = make_test_app(
        seeded.config["DATABASE_URL"],
        tmp_path,
        TRUSTED_PROXIES=trusted,
        LOGIN_FAILURES_PER_ADDRESS=3,
    )
    try:
        # Three guesses from one phone (different usernames: the account limit stays out).
        for n in range(3):
            assert wrong_login(app, "203.0.113.5", f"nobody{n}") == 401
        assert wrong_login(app, "203.0.113.5", "nobody9") == 429
        # Another phone behind the same proxy: its own address when the proxy is trusted;
        # without trust every request comes from the proxy, and the forged header is ignored.
        other = wrong_login(app, "203.0.113.6", "nobody10")
        addresses = {f.address for f in failures(app)}
        if trusted:
            assert other == 401
            assert addresses == {"203.0.113.5", "203.0.113.6"}
        else:
            assert other == 429
            assert addresses == {"127.0.0.1"}
    finally:
        engine_of(app).dispose()


# --- 9: exactly 10 under 40 concurrent wrong passwords ----------------------------------------


@pytest.mark.browser
def test_forty_wrong_passwords_at_once_across_workers_verify_exactly_ten(seeded, tmp_path):
    limit = seeded.config["LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS"]
    with Gunicorn(seeded, tmp_path, workers=4) as server:
        sessions = []
        for _ in range(40):
            session = requests.Session()
            token = session.get(server.url + "/api/v1/me", timeout=30).json()["csrf_token"]
            sessions.append((session, token))
        barrier = threading.Barrier(len(sessions))
        statuses: list[int] = []
        lock = threading.Lock()

        def guess(session, token):
            barrier.wait()
            response = session.post(
                server.url + "/api/v1/session",
                json={"username": "guard", "password": "wrong-password"},
                headers={"X-CSRFToken": token},
                timeout=120,
            )
            with lock:
                statuses.append(response.status_code)

        threads = [threading.Thread(target=guess, args=pair) for pair in sessions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert Counter(statuses) == {401: limit, 429: 40 - limit}
    assert len(failures(seeded)) == limit
