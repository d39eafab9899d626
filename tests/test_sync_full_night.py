"""A client that knows only the contract: log in, sync a whole night, replay all of it."""

from __future__ import annotations

import sqlalchemy as sa

from patrol.db import db
from patrol.reports.models import Photo, Report
from patrol.shifts.models import CheckIn, Shift
from tests.factories import new_id
from tests.support.app import Api
from tests.support.images import digest, jpeg_bytes


def test_a_night_synced_then_replayed_gives_the_same_answers(seeded):
    phone = Api(seeded)
    assert phone.login("guard").status_code == 200
    sites = phone.get("/api/v1/sites").json
    prop = sites["areas"][0]["properties"][2]
    checkpoint = prop["checkpoints"][0]
    with seeded.app_context():
        from patrol.sites.models import Checkpoint

        token = db.session.get(Checkpoint, checkpoint["id"]).token

    shift_id = new_id()
    photos = {new_id(): jpeg_bytes(1600, 1200, color=(i * 40, 90, 30)) for i in range(2)}
    report_id = new_id()
    requests = [
        ("PUT", f"/api/v1/shifts/{shift_id}", {"started_at": "2026-11-27T19:30:00+01:00"}),
        (
            "PUT",
            f"/api/v1/checkins/{new_id()}",
            {
                "shift_id": shift_id,
                "checkpoint_token": token,
                "method": "qr",
                "occurred_at": "2026-11-27T21:02:00+01:00",
                "lat": checkpoint["lat"],
                "lon": checkpoint["lon"],
                "accuracy_m": 6,
            },
        ),
        (
            "PUT",
            f"/api/v1/reports/{report_id}",
            {
                "shift_id": shift_id,
                "property_id": prop["id"],
                "checkpoint_id": checkpoint["id"],
                "category": "door_lock",
                "level": "disturbance",
                "description": "Porten går inte i lås, någon har tejpat över låskolven.",
                "occurred_at": "2026-11-27T21:05:00+01:00",
                "photo_ids": list(photos),
            },
        ),
        *[
            ("PHOTO", f"/api/v1/reports/{report_id}/photos/{photo_id}", data)
            for photo_id, data in photos.items()
        ],
        (
            "PUT",
            f"/api/v1/shifts/{shift_id}",
            {
                "started_at": "2026-11-27T19:30:00+01:00",
                "ended_at": "2026-11-28T05:00:00+01:00",
                "note": "Helgnatt, lugnt efter 02.",
            },
        ),
    ]

    def send(method, url, payload):
        if method == "PHOTO":
            return phone.put(
                url,
                data=payload,
                headers={"Content-Type": "image/jpeg", "Content-Digest": digest(payload)},
            )
        return phone.put(url, json=payload)

    first = [send(*r) for r in requests]
    assert [r.status_code for r in first] == [201, 201, 201, 201, 201, 200]
    # The phone lost every answer and sends everything again, with a fresh CSRF token.
    phone.refresh_csrf()
    second = [send(*r) for r in requests]
    # architecture §5a: once ended, a shift never goes back to open, so the stale "start" (ended_at
    # null) is the one request that now conflicts. An in-order outbox never sends it after
    # the end: the end waits behind the start until the start has its 2xx.
    assert [r.status_code for r in second] == [409] + [200] * (len(requests) - 1)
    progress = {"photos", "missing_photo_ids", "complete"}  # the report's photos arrived since

    def stable(answer):
        return {k: v for k, v in answer.items() if k not in progress}

    assert [stable(r.json) for r in second[1:]] == [stable(r.json) for r in first[1:]]

    report = phone.get(f"/api/v1/reports/{report_id}").json
    assert report["complete"] is True
    with seeded.app_context():
        counts = [
            db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Shift, CheckIn, Report, Photo)
        ]
    assert counts == [1, 1, 1, 2]
    assert phone.delete("/api/v1/session").status_code == 204
    assert phone.put(requests[0][1], json=requests[0][2]).status_code == 401
