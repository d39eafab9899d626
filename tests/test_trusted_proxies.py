"""PATROL_TRUSTED_PROXIES: X-Forwarded-* are believed only from as many proxies as configured."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import request

from patrol.auth.models import LoginFailure
from patrol.db import db, engine_of
from tests.support.app import Api, make_test_app


def seen_by_the_app(tmp_path, trusted: int) -> tuple[str, str]:
    app = make_test_app(
        "sqlite:///" + str(tmp_path / "p.sqlite3"), tmp_path, TRUSTED_PROXIES=trusted
    )
    app.add_url_rule("/probe", "probe", lambda: f"{request.remote_addr} {request.scheme}")
    response = app.test_client().get(
        "/probe",
        headers={"X-Forwarded-For": "198.51.100.7, 203.0.113.9", "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    return tuple(response.get_data(as_text=True).split())


def test_forwarded_headers_are_ignored_by_default(tmp_path):
    assert seen_by_the_app(tmp_path, 0) == ("127.0.0.1", "http")


def test_one_trusted_proxy_gives_the_last_forwarded_address(tmp_path):
    # Only the address the one proxy added counts: the client could have written the first.
    assert seen_by_the_app(tmp_path, 1) == ("203.0.113.9", "https")


# --- issue 22, point 6: the forwarded headers only from the proxies' own addresses -------------


def seen_from(tmp_path, peer: str, **config) -> tuple[str, str]:
    app = make_test_app(
        "sqlite:///" + str(tmp_path / "p.sqlite3"), tmp_path, TRUSTED_PROXIES=1, **config
    )
    app.add_url_rule("/probe", "probe", lambda: f"{request.remote_addr} {request.scheme}")
    response = app.test_client().get(
        "/probe",
        headers={"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": peer},
    )
    return tuple(response.get_data(as_text=True).split())


def test_a_client_reaching_the_app_directly_cannot_forge_its_address(tmp_path):
    # By default only loopback (nginx on the same host) is a proxy.
    assert seen_from(tmp_path, "203.0.113.50") == ("203.0.113.50", "http")
    assert seen_from(tmp_path, "127.0.0.1") == ("198.51.100.7", "https")
    assert seen_from(tmp_path, "::1") == ("198.51.100.7", "https")


def test_trusted_proxy_addresses_take_addresses_and_networks(tmp_path):
    config = {"TRUSTED_PROXY_ADDRESSES": "10.0.0.0/8, 192.0.2.10"}
    assert seen_from(tmp_path, "10.20.30.40", **config) == ("198.51.100.7", "https")
    assert seen_from(tmp_path, "192.0.2.10", **config) == ("198.51.100.7", "https")
    assert seen_from(tmp_path, "192.0.2.11", **config) == ("192.0.2.11", "http")
    assert seen_from(tmp_path, "127.0.0.1", **config) == ("127.0.0.1", "http")


def test_an_address_that_is_not_one_refuses_to_start(tmp_path):
    with pytest.raises(RuntimeError, match="PATROL_TRUSTED_PROXY_ADDRESSES"):
        make_test_app(
            "sqlite:///" + str(tmp_path / "p.sqlite3"),
            tmp_path,
            TRUSTED_PROXIES=1,
            TRUSTED_PROXY_ADDRESSES="10.0.0.0/8, proxy.local",
        )


def test_forged_forwarded_addresses_do_not_escape_the_login_limit(seeded, tmp_path):
    """The red team's run: 60 wrong logins from one directly connected client, each with another
    forged X-Forwarded-For, went unlimited. Now they all count for the client's own address."""
    app = make_test_app(seeded.config["DATABASE_URL"], tmp_path, TRUSTED_PROXIES=1)
    try:
        statuses = []
        for n in range(12):
            api = Api(app)
            api.client.environ_base["REMOTE_ADDR"] = "203.0.113.50"
            api.refresh_csrf()
            statuses.append(
                api.client.post(
                    "/api/v1/session",
                    json={"username": "guard", "password": "wrong-password"},
                    headers={"X-CSRFToken": api.csrf, "X-Forwarded-For": f"198.51.100.{n}"},
                ).status_code
            )
        assert statuses == [401] * 10 + [429] * 2
        with app.app_context():
            addresses = set(db.session.scalars(sa.select(LoginFailure.address)))
        assert addresses == {"203.0.113.50"}
    finally:
        engine_of(app).dispose()
