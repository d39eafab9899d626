"""Helpers for the review tests: a guard's shift synced through the real sync API, and
logging a supervisor in through the login page."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from patrol.db import db
from patrol.sites.models import Checkpoint, Property
from tests.factories import new_id
from tests.support.app import TEST_PASSWORD
from tests.support.images import digest, jpeg_bytes

NIGHT = date(2026, 11, 23)
STARTED = "2026-11-23T19:35:00+01:00"
ENDED = "2026-11-24T04:05:00+01:00"


def demo_places(app) -> dict:
    """Two properties of the demo area with a checkpoint each (ids and the first's token)."""
    with app.app_context():
        first, second = db.session.scalars(sa.select(Property).order_by(Property.id).limit(2))
        cp1 = db.session.scalar(
            sa.select(Checkpoint).where(Checkpoint.property_id == first.id).order_by(Checkpoint.id)
        )
        cp2 = db.session.scalar(
            sa.select(Checkpoint).where(Checkpoint.property_id == second.id).order_by(Checkpoint.id)
        )
        return {
            "p1": first.id,
            "p1_name": first.name,
            "cp1": cp1.id,
            "cp1_label": cp1.label,
            "cp1_token": cp1.token,
            "cp1_lat": cp1.lat,
            "cp1_lon": cp1.lon,
            "p2": second.id,
            "p2_name": second.name,
            "cp2": cp2.id,
        }


def sync_shift(
    api,
    places: dict,
    *,
    started=STARTED,
    ended=ENDED,
    night_day="2026-11-23",
    next_day="2026-11-24",
    missing_photo=True,
) -> dict:
    """A shift as the guard's phone sends it: start, three check-ins (QR at the spot, QR far
    away with a skewed clock, chosen from the list without a position), a preventive
    lighting report with one photo (and one still on its way), an acute intrusion report,
    and the end of the shift."""
    ids = {"shift": new_id(), "checkins": [new_id(), new_id(), new_id()]}
    assert (
        api.put(f"/api/v1/shifts/{ids['shift']}", json={"started_at": started}).status_code == 201
    )
    near = {"lat": places["cp1_lat"], "lon": places["cp1_lon"], "accuracy_m": 8}
    far = {"lat": places["cp1_lat"] + 0.01, "lon": places["cp1_lon"], "accuracy_m": 10}
    bodies = [
        (
            {
                "checkpoint_token": places["cp1_token"],
                "method": "qr",
                "occurred_at": f"{night_day}T20:10:00+01:00",
                **near,
            },
            {},
        ),
        (
            {
                "checkpoint_token": places["cp1_token"],
                "method": "qr",
                "occurred_at": f"{night_day}T21:00:00+01:00",
                **far,
            },
            {"X-Client-Time": "2020-01-01T00:00:00Z"},
        ),
        (
            {
                "checkpoint_id": places["cp2"],
                "method": "manual",
                "occurred_at": f"{next_day}T01:30:00+01:00",
            },
            {},
        ),
    ]
    for checkin_id, (body, headers) in zip(ids["checkins"], bodies, strict=True):
        response = api.put(
            f"/api/v1/checkins/{checkin_id}",
            json={"shift_id": ids["shift"], **body},
            headers=headers,
        )
        assert response.status_code == 201, response.json
    ids["photo"] = new_id()
    ids["missing_photo"] = new_id()
    ids["lighting"] = new_id()
    photo_ids = [ids["photo"]] + ([ids["missing_photo"]] if missing_photo else [])
    response = api.put(
        f"/api/v1/reports/{ids['lighting']}",
        json={
            "shift_id": ids["shift"],
            "property_id": places["p1"],
            "checkpoint_id": places["cp1"],
            "category": "lighting",
            "level": "preventive",
            "description": "Trasig lampa i trapphuset, plan 2.",
            "occurred_at": f"{night_day}T20:12:00+01:00",
            **near,
            "photo_ids": photo_ids,
        },
    )
    assert response.status_code == 201, response.json
    image = jpeg_bytes(640, 480)
    response = api.put(
        f"/api/v1/reports/{ids['lighting']}/photos/{ids['photo']}",
        data=image,
        headers={"Content-Type": "image/jpeg", "Content-Digest": digest(image)},
    )
    assert response.status_code == 201, response.json
    ids["acute"] = new_id()
    response = api.put(
        f"/api/v1/reports/{ids['acute']}",
        json={
            "shift_id": ids["shift"],
            "property_id": places["p2"],
            "checkpoint_id": None,
            "category": "intrusion",
            "level": "acute",
            "description": "Obehöriga i källaren, polis tillkallad.",
            "occurred_at": f"{next_day}T01:35:00+01:00",
            "photo_ids": [],
        },
    )
    assert response.status_code == 201, response.json
    if ended:
        response = api.put(
            f"/api/v1/shifts/{ids['shift']}", json={"started_at": started, "ended_at": ended}
        )
        assert response.status_code == 200, response.json
    return ids


def login_page_client(app, username: str):
    """A test client logged in through the HTML login form (as a supervisor's browser)."""
    client = app.test_client()
    token = client.get("/api/v1/me").json["csrf_token"]
    response = client.post(
        "/login", data={"username": username, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.data
    client.csrf = client.get("/api/v1/me").json["csrf_token"]  # a new token after login
    return client
