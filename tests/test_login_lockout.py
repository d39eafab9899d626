"""A lockout nobody can trigger for someone else (issue 22, point 5): 10 failures lock an
account and address pair for 15 minutes, never the account from everywhere; after 20 failures
in 15 minutes from any addresses the account takes one attempt per 30 seconds (429 with
Retry-After, never a sleep), so its owner waits at most 30 s. The server's clock is set by the
test (patrol.db.set_clock)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from patrol.db import set_clock
from tests.support.app import TEST_PASSWORD, Api

NOW = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)  # 21:00 Stockholm


def from_address(app, address: str) -> Api:
    api = Api(app)
    api.client.environ_base["REMOTE_ADDR"] = address
    return api


def login(app, address: str, password: str):
    return from_address(app, address).login("guard", password)


def test_ten_failures_lock_the_pair_not_the_account(seeded):
    set_clock(seeded, NOW)
    for _ in range(10):
        assert login(seeded, "198.51.100.7", "wrong-password").status_code == 401
    # That address waits, the right password included, up to 15 minutes.
    refused = login(seeded, "198.51.100.7", TEST_PASSWORD)
    assert refused.status_code == 429
    assert 14 * 60 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert refused.json["message"] == (
        "För många misslyckade inloggningar. Försök igen om 15 minuter, klockan 21:15."
    )
    # The guard's own phone, elsewhere, logs in at once.
    assert login(seeded, "203.0.113.20", TEST_PASSWORD).status_code == 200
    # Fifteen minutes later the pair may try again.
    set_clock(seeded, NOW + timedelta(minutes=15, seconds=1))
    assert login(seeded, "198.51.100.7", TEST_PASSWORD).status_code == 200


def test_twenty_failures_from_anywhere_pace_the_account_to_one_attempt_per_30_seconds(seeded):
    moment = NOW
    set_clock(seeded, moment)
    # A guesser spread over 20 addresses, one failure each: no pair reaches its limit.
    for n in range(20):
        assert login(seeded, f"198.51.100.{n + 1}", "wrong-password").status_code == 401
    # Now anyone on this account waits for the pace, the owner with the right password too.
    refused = login(seeded, "203.0.113.20", TEST_PASSWORD)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) == 30
    assert refused.json["message"] == (
        "För många misslyckade inloggningar. Försök igen om 30 sekunder."
    )
    # Another account is not paced.
    assert from_address(seeded, "198.51.100.1").login("supervisor").status_code == 200
    # Ten seconds on, the wait has shrunk; the guesser is refused as well.
    set_clock(seeded, moment + timedelta(seconds=10))
    again = login(seeded, "198.51.100.30", "wrong-password")
    assert again.status_code == 429 and int(again.headers["Retry-After"]) == 20
    # Thirty seconds after the last failure one attempt goes through: a wrong one is counted
    # and the next must wait 30 s again; two tries a minute at most.
    set_clock(seeded, moment + timedelta(seconds=30))
    assert login(seeded, "198.51.100.31", "wrong-password").status_code == 401
    set_clock(seeded, moment + timedelta(seconds=45))
    paced = login(seeded, "203.0.113.20", TEST_PASSWORD)
    assert paced.status_code == 429 and int(paced.headers["Retry-After"]) == 15
    # The owner waited at most 30 s: now the right password goes in.
    set_clock(seeded, moment + timedelta(seconds=60))
    assert login(seeded, "203.0.113.20", TEST_PASSWORD).status_code == 200


def test_the_login_page_says_when_to_try_again(seeded):
    set_clock(seeded, NOW)
    client = seeded.test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    token = client.get("/api/v1/me").json["csrf_token"]
    form = {"username": "guard", "password": "wrong-password", "csrf_token": token}
    for _ in range(10):
        assert client.post("/login", data=form).status_code == 401
    page = client.post("/login", data=form | {"password": TEST_PASSWORD})
    assert page.status_code == 429
    assert int(page.headers["Retry-After"]) == 15 * 60
    text = re.sub(r"\s+", " ", page.get_data(as_text=True))
    assert "Försök igen om 15 minuter, klockan 21:15." in text
