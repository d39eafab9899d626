"""Races and real sockets: identical PUTs arriving at the same moment make one row; a refused
upload's answer reaches the client instead of a reset connection."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from patrol.db import db
from patrol.reports.models import Photo, Report
from patrol.shifts.models import CheckIn, Shift
from patrol.sites.models import Checkpoint, Property
from tests.factories import new_id
from tests.support.app import TEST_PASSWORD, LiveServer
from tests.support.images import digest, jpeg_bytes

THREADS = 8
START = "2026-11-23T20:00:00+01:00"


def logged_in_session(base_url: str, username: str = "guard") -> requests.Session:
    session = requests.Session()
    token = session.get(f"{base_url}/api/v1/me", timeout=10).json()["csrf_token"]
    response = session.post(
        f"{base_url}/api/v1/session",
        json={"username": username, "password": TEST_PASSWORD},
        headers={"X-CSRFToken": token},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    session.headers["X-CSRFToken"] = response.json()["csrf_token"]
    return session


def race(sessions, url, **kwargs) -> list[int]:
    """The same PUT from every session at once; returns the statuses."""
    barrier = threading.Barrier(len(sessions))
    statuses: list[int] = []
    lock = threading.Lock()

    def send(session):
        barrier.wait()
        response = session.put(url, timeout=60, **kwargs)
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=send, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.browser
def test_identical_puts_racing_make_one_row_each(seeded):
    server = LiveServer(seeded).start()
    try:
        base = server.url
        sessions = [logged_in_session(base) for _ in range(THREADS)]
        with seeded.app_context():
            checkpoint = db.session.scalar(sa.select(Checkpoint).order_by(Checkpoint.id))
            token, property_id = checkpoint.token, checkpoint.property_id
        expected = [200] * (THREADS - 1) + [201]

        shift_id = new_id()
        statuses = race(sessions, f"{base}/api/v1/shifts/{shift_id}", json={"started_at": START})
        assert statuses == expected
        assert count(seeded, Shift) == 1

        checkin = {
            "shift_id": shift_id,
            "checkpoint_token": token,
            "method": "qr",
            "occurred_at": "2026-11-23T20:05:00+01:00",
        }
        statuses = race(sessions, f"{base}/api/v1/checkins/{new_id()}", json=checkin)
        assert statuses == expected
        assert count(seeded, CheckIn) == 1

        report_id, photo_id = new_id(), new_id()
        report = {
            "shift_id": shift_id,
            "property_id": property_id,
            "category": "door_lock",
            "level": "disturbance",
            "occurred_at": "2026-11-23T20:06:00+01:00",
            "photo_ids": [photo_id],
        }
        statuses = race(sessions, f"{base}/api/v1/reports/{report_id}", json=report)
        assert statuses == expected
        assert count(seeded, Report) == 1

        data = jpeg_bytes(1600, 1200)
        statuses = race(
            sessions,
            f"{base}/api/v1/reports/{report_id}/photos/{photo_id}",
            data=data,
            headers={"Content-Type": "image/jpeg", "Content-Digest": digest(data)},
        )
        assert statuses == expected
        assert count(seeded, Photo) == 1
        files = [p for p in Path(seeded.config["PHOTO_DIR"]).rglob("*") if p.is_file()]
        assert len(files) == 1  # the photo, once (its thumbnail is queued)
        thumb = sessions[0].get(f"{base}/api/v1/reports/{report_id}/photos/{photo_id}?size=thumb")
        assert thumb.status_code == 200
        files = [p for p in Path(seeded.config["PHOTO_DIR"]).rglob("*") if p.is_file()]
        assert len(files) == 2  # the photo and its thumbnail, once
    finally:
        server.stop()


@pytest.mark.browser
def test_refused_upload_answer_arrives_instead_of_a_reset(seeded):
    """401 for a 14 MB body sent without a session: the client reads the JSON answer."""
    server = LiveServer(seeded).start()
    try:
        body = b"\xff\xd8" + b"\x00" * (14 * 1024 * 1024)
        url = f"{server.url}/api/v1/reports/{new_id()}/photos/{new_id()}"
        response = requests.put(url, data=body, headers={"Content-Type": "image/jpeg"}, timeout=60)
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized"
        # Raw socket: the whole answer is readable after the whole body was sent.
        host, port = "127.0.0.1", server.port
        with socket.create_connection((host, port), timeout=30) as sock:
            head = (
                f"PUT /api/v1/reports/{new_id()}/photos/{new_id()} HTTP/1.1\r\n"
                f"Host: {host}\r\nContent-Type: image/jpeg\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            sock.sendall(head.encode() + body)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 401")
    finally:
        server.stop()


def test_every_property_of_the_demo_has_coordinates(seeded):
    with seeded.app_context():
        props = db.session.scalars(sa.select(Property)).all()
        assert all(55.5 < p.lat < 55.7 and 12.9 < p.lon < 13.1 for p in props)
        assert all(c.lat and c.lon for p in props for c in p.checkpoints)


def test_a_commit_is_on_disk_before_the_phone_hears_201(app):
    """The speed work never traded durability: SQLite in WAL mode with synchronous=FULL (2),
    PostgreSQL with synchronous_commit on, on every connection the app opens."""
    with app.app_context():
        connection = db.session.connection()
        if connection.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2
        else:
            assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
            assert connection.exec_driver_sql("SHOW fsync").scalar() == "on"
