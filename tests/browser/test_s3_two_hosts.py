"""Photos in SeaweedFS behind two app hosts (issue 25, point 3): two gunicorn hosts on one
database with PATROL_PHOTO_STORE=s3 take a guard's photos in turn while one of the three
volume servers is SIGKILLed in the middle of the sync. Replication 001 keeps a second copy of
every object, so every photo is still served byte for byte by either host, and new photos keep
landing after the kill (an upload the store could not take answers 503 with Retry-After and is
sent again, as the phone does).

PostgreSQL when TEST_DATABASE_URL is set (CI), else one SQLite file both hosts share.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time

import pytest
import requests

from patrol.db import engine_of
from patrol.migrate import upgrade_database
from tests.factories import new_id, put_report, start_shift
from tests.support.app import (
    TEST_DATABASE_URL,
    TEST_PASSWORD,
    fresh_database,
    give_everyone_the_test_password,
    make_test_app,
)
from tests.support.hosts import AppHost
from tests.support.images import digest, jpeg_bytes

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

PHOTOS_PER_REPORT = 6
REPORTS = 4


class HostApi:
    """A guard logged in on one app host over HTTP (what tests.factories expects of an api)."""

    def __init__(self, base_url: str, username: str = "guard"):
        self.base_url = base_url
        self.session = requests.Session()
        token = self.session.get(f"{base_url}/api/v1/me", timeout=10).json()["csrf_token"]
        answer = self.session.post(
            f"{base_url}/api/v1/session",
            json={"username": username, "password": TEST_PASSWORD},
            headers={"X-CSRFToken": token},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        self.session.headers["X-CSRFToken"] = answer.json()["csrf_token"]

    def put(self, url, json=None, data=None, headers=None):
        return self.session.put(
            self.base_url + url, json=json, data=data, headers=headers, timeout=30
        )

    def get(self, url, **kwargs):
        return self.session.get(self.base_url + url, timeout=30, **kwargs)


@pytest.fixture
def shared_database(tmp_path):
    kind = "postgresql" if TEST_DATABASE_URL else "sqlite"
    with fresh_database(kind, tmp_path, "patrol_s3_hosts") as url:
        upgrade_database(url)
        app = make_test_app(url, tmp_path / "seed")
        with app.app_context():
            from patrol.sites.demo import seed_demo

            seed_demo()
            give_everyone_the_test_password()
        engine_of(app).dispose()
        yield url


@pytest.fixture
def hosts(shared_database, s3_photos, tmp_path):
    env = {
        **os.environ,
        **s3_photos.environment,
        "PATROL_ENV": "development",
        "PATROL_SECRET_KEY": "one-secret-for-every-host",
        "PATROL_DATABASE_URL": shared_database,
        "PATROL_PASSWORD_HASH_TIME_COST": "1",
        "PATROL_PASSWORD_HASH_MEMORY_KIB": "1024",
    }
    started = []
    try:
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            started.append(AppHost(name, tmp_path / name, env).start())
        yield started
    finally:
        for host in started:
            host.stop()


def send_until_stored(api: HostApi, url: str, data: bytes, retried: list) -> int:
    """PUT a photo as the phone does: a 503 (or a dropped connection) is sent again later."""
    headers = {"Content-Type": "image/jpeg", "Content-Digest": digest(data)}
    for _attempt in range(60):
        try:
            answer = api.put(url, data=data, headers=headers)
        except requests.ConnectionError:
            retried.append(url)
            time.sleep(0.2)
            continue
        if answer.status_code == 503:
            assert answer.headers.get("Retry-After"), answer.headers
            retried.append(url)
            time.sleep(0.2)  # the phone waits Retry-After; the test need not
            continue
        return answer.status_code
    raise AssertionError(f"{url} was never stored")


def test_a_volume_server_killed_mid_sync_loses_no_photo_on_either_host(
    hosts, s3_photos, seaweedfs, shared_database
):
    a, b = (HostApi(host.url) for host in hosts)

    shift_id = start_shift(a)
    uploads = []  # (url, data), in the order the phone sends them
    for report_number in range(REPORTS):
        photo_ids = [new_id() for _ in range(PHOTOS_PER_REPORT)]
        report_id = put_report(
            b if report_number % 2 else a, shift_id, 1, photo_ids=photo_ids, category="graffiti"
        )
        for index, photo_id in enumerate(photo_ids):
            data = jpeg_bytes(1024, 768, color=(report_number * 50, index * 30, 120))
            uploads.append((f"/api/v1/reports/{report_id}/photos/{photo_id}", data))

    stored: list[int] = []
    retried: list[str] = []
    failures: list[BaseException] = []
    half_landed = threading.Event()

    def sync():
        try:
            for number, (url, data) in enumerate(uploads):
                stored.append(send_until_stored((a, b)[number % 2], url, data, retried))
                if len(stored) == len(uploads) // 2:
                    half_landed.set()
        except BaseException as error:  # noqa: BLE001 (reported by the main thread)
            failures.append(error)
            half_landed.set()

    syncing = threading.Thread(target=sync)
    syncing.start()
    victim = seaweedfs.volumes[0]
    try:
        assert half_landed.wait(120)
        victim.kill()  # SIGKILL mid-sync: the rest of the photos land on the two left
        landed_at_kill = len(stored)
        syncing.join(180)
        assert not syncing.is_alive() and not failures, failures
        assert stored == [201] * len(uploads)
        assert landed_at_kill < len(uploads)  # photos kept landing after the kill

        # Every photo, byte for byte, from either host, with one volume server gone.
        for api in (a, b):
            for url, data in uploads:
                served = api.get(url)
                assert served.status_code == 200, (url, served.status_code)
                assert hashlib.sha256(served.content).digest() == hashlib.sha256(data).digest()
        assert len(s3_photos.keys()) == len(uploads)
        assert seaweedfs.live_volume_servers() == 2
    finally:
        syncing.join(60)
        victim.start()  # the session's cluster goes on with three volume servers
        seaweedfs.wait_for_volume_servers(3)
