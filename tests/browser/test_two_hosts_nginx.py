"""More than one server (issue 16): a guard's night synced through nginx in front of two app
hosts on one database with the database photo store; one host is SIGKILLed mid-sync, and
everything still arrives exactly once and every photo is served byte for byte by either host.

PostgreSQL when TEST_DATABASE_URL is set (CI), else one SQLite file both hosts share.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import time
import uuid
from collections import defaultdict
from pathlib import Path

import pytest
import sqlalchemy as sa

from patrol.db import engine_of, make_engine
from patrol.migrate import upgrade_database
from tests.support.app import (
    TEST_DATABASE_URL,
    TEST_PASSWORD,
    give_everyone_the_test_password,
    make_test_app,
    postgres_url,
)
from tests.support.guard_browser import (
    camera_photo,
    check_in_from_list,
    check_in_with_code,
    check_in_with_qr_link,
    end_shift,
    go_offline,
    go_online,
    guard_context,
    login,
    outbox_entries,
    reload,
    start_shift,
    wait_until_all_sent,
    write_report,
)
from tests.support.hosts import AppHost, Nginx

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


@pytest.fixture
def shared_database(tmp_path):
    """A fresh, migrated, seeded database for the hosts (its own PostgreSQL database)."""
    if TEST_DATABASE_URL:
        server = make_engine(postgres_url())
        name = f"patrol_hosts_{uuid.uuid4().hex[:10]}"
        with server.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = postgres_url().rsplit("/", 1)[0] + "/" + name
    else:
        url = "sqlite:///" + str(tmp_path / "shared.sqlite3")
    upgrade_database(url)
    app = make_test_app(url, tmp_path / "seed")
    with app.app_context():
        from patrol.sites.demo import seed_demo

        seed_demo()
        give_everyone_the_test_password()
    engine_of(app).dispose()
    yield url
    if TEST_DATABASE_URL:
        with server.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture
def cluster(shared_database, tmp_path):
    """Two app hosts with separate instance folders behind nginx."""
    env = {
        **os.environ,
        "PATROL_ENV": "development",
        "PATROL_SECRET_KEY": "one-secret-for-every-host",
        "PATROL_DATABASE_URL": shared_database,
        "PATROL_PHOTO_STORE": "database",
        "PATROL_TRUSTED_PROXIES": "1",
        # The test users' cheap Argon2 parameters (see tests/conftest.py).
        "PATROL_PASSWORD_HASH_TIME_COST": "1",
        "PATROL_PASSWORD_HASH_MEMORY_KIB": "1024",
    }
    hosts = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        hosts.append(AppHost(name, tmp_path / name, env))
    nginx = Nginx(tmp_path / "nginx", hosts)
    try:
        for host in hosts:
            host.start()
        nginx.start()
        yield hosts, nginx
    finally:
        nginx.stop()
        for host in hosts:
            host.stop()


RECORD_URL = re.compile(
    r"/api/v1/(shifts|checkins|reports)/([0-9a-f-]{36})(?:/photos/([0-9a-f-]{36}))?$"
)


def outbox_ids(entries: list[dict]) -> dict[str, set[str]]:
    """Record ids per table, from the phone's outbox."""
    ids = defaultdict(set)
    for entry in entries:
        match = RECORD_URL.search(entry["url"])
        assert match, entry["url"]
        kind, record_id, photo_id = match.groups()
        ids["photos" if photo_id else kind].add(photo_id or record_id)
    return ids


def database_ids(engine: sa.Engine) -> dict[str, list[str]]:
    with engine.connect() as conn:
        return {
            table: [
                str(uuid.UUID(str(i))) for i in conn.scalars(sa.text(f"SELECT id FROM {table}"))
            ]
            for table in ("shifts", "checkins", "reports", "photos")
        }


def count_photos(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(sa.text("SELECT count(*) FROM photos"))


def http_get(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def supervisor_cookie(port: int) -> str:
    """Log in as the supervisor on one host; the cookie is good on every host."""
    status, headers, body = http_get(port, "/api/v1/me")
    cookie = headers["Set-Cookie"].split(";")[0]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(
        "POST",
        "/api/v1/session",
        body=json.dumps({"username": "supervisor", "password": TEST_PASSWORD}),
        headers={
            "Content-Type": "application/json",
            "Cookie": cookie,
            "X-CSRFToken": json.loads(body)["csrf_token"],
        },
    )
    response = conn.getresponse()
    response.read()
    assert response.status == 200
    return response.getheader("Set-Cookie").split(";")[0]


def test_night_through_nginx_survives_a_killed_host(cluster, shared_database, browser):
    (host_a, host_b), nginx = cluster
    engine = make_engine(shared_database)
    with engine.connect() as conn:
        token = conn.scalar(sa.text("SELECT token FROM checkpoints WHERE short_code = 'S110'"))
    context = guard_context(browser)
    page = context.new_page()
    try:
        # The night, recorded offline: a shift, three check-ins, four reports, seven photos.
        login(page, nginx.url)
        go_offline(context, page)
        reload(page)
        start_shift(page)
        check_in_with_code(page, "S101")
        check_in_from_list(page, "Jespersgatan 6", "Trapphus B")
        check_in_with_qr_link(page, nginx.url, token)
        write_report(
            page, description="Trasig lampa i entrén.", photos=(camera_photo(1, 1600, 1200),)
        )
        for seed in (2, 4, 6):
            write_report(
                page,
                description=f"Klotter på port {seed}.",
                photos=(camera_photo(seed, 1600, 1200), camera_photo(seed + 1, 1600, 1200)),
            )
        end_shift(page)
        entries = outbox_entries(page)
        expected = outbox_ids(entries)
        phone_photos = {
            RECORD_URL.search(e["url"]).group(3): e["bodySha256"]
            for e in entries
            if "/photos/" in e["url"]
        }
        assert {k: len(v) for k, v in expected.items()} == {
            "shifts": 1,
            "checkins": 3,
            "reports": 4,
            "photos": 7,
        }

        # Online: the outbox drains through nginx. Once the first photo is in, host A is
        # killed the moment it is in the middle of a request.
        go_online(context, page)
        deadline = time.monotonic() + 120
        while count_photos(engine) == 0:
            assert time.monotonic() < deadline, "no photo arrived within 120 s"
            time.sleep(0.05)
        while not host_a.in_request():
            assert count_photos(engine) < 7, "the sync finished before host A could be killed"
            assert time.monotonic() < deadline, "host A served no request within 120 s"
            time.sleep(0.002)
        host_a.kill()

        wait_until_all_sent(page, timeout=180_000)
    finally:
        context.close()

    # Exactly once: the database holds each of the phone's ids, once.
    stored = database_ids(engine)
    for table, ids in expected.items():
        assert sorted(stored[table]) == sorted(ids), table
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM shifts WHERE ended_at IS NOT NULL")) == 1
    engine.dispose()

    # Host A comes back; each host serves every photo, byte for byte as the phone sent it,
    # and a thumbnail one host makes is served by the other too.
    host_a.start()
    cookie = {"Cookie": supervisor_cookie(host_b.port)}
    with make_engine(shared_database).connect() as conn:
        photos = conn.execute(sa.text("SELECT id, report_id, sha256 FROM photos")).all()
    for photo_id, report_id, sha256 in photos:
        path = f"/api/v1/reports/{uuid.UUID(str(report_id))}/photos/{uuid.UUID(str(photo_id))}"
        served = {}
        for host in (host_a, host_b):
            status, headers, body = http_get(host.port, path, cookie)
            assert status == 200, (host.name, status)
            assert headers["ETag"] == f'"{sha256[:32]}"'
            served[host.name] = body
        assert served["a"] == served["b"]
        assert (
            hashlib.sha256(served["a"]).hexdigest()
            == sha256
            == phone_photos[str(uuid.UUID(str(photo_id)))]
        )
        thumb_a = http_get(host_a.port, path + "?size=thumb", cookie)
        thumb_b = http_get(host_b.port, path + "?size=thumb", cookie)
        assert thumb_a[0] == thumb_b[0] == 200 and thumb_a[2] == thumb_b[2]
    # Nothing of the photos was written to either host's instance folder.
    assert not [p for h in (host_a, host_b) for p in Path(h.folder).rglob("*.jpg")]
