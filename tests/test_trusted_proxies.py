"""PATROL_TRUSTED_PROXIES: X-Forwarded-* are believed only from as many proxies as configured."""

from __future__ import annotations

from flask import request

from tests.support.app import make_test_app


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
