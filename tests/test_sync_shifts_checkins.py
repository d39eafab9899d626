"""PUT /api/v1/shifts/<uuid> and /api/v1/checkins/<uuid>: the idempotent sync contract."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from patrol.db import db
from patrol.nights import night_of
from patrol.shifts.models import CheckIn, Shift
from patrol.sites.models import Checkpoint
from tests import factories
from tests.factories import START, new_id, start_shift


@pytest.fixture
def guard(api_as):
    return api_as("guard")


@pytest.fixture
def checkpoint(seeded):
    with seeded.app_context():
        cp = db.session.scalar(sa.select(Checkpoint).order_by(Checkpoint.id))
        return {
            "id": cp.id,
            "token": cp.token,
            "code": cp.short_code,
            "lat": cp.lat,
            "lon": cp.lon,
            "radius_m": cp.radius_m,
        }


def checkin_body(shift_id, checkpoint, **over):
    """A QR check-in at the checkpoint's own position, ±8 m."""
    at_the_spot = {"lat": checkpoint["lat"], "lon": checkpoint["lon"], "accuracy_m": 8}
    fields = {"checkpoint_token": checkpoint["token"], "method": "qr", **at_the_spot, **over}
    return factories.checkin_body(shift_id, **fields)


# --- shifts ----------------------------------------------------------------------------------


def test_shift_first_put_201_then_same_200_then_different_409(guard):
    shift_id = new_id()
    first = guard.put(f"/api/v1/shifts/{shift_id}", json={"started_at": START, "note": None})
    assert first.status_code == 201
    assert first.json["night"] == "2026-11-23"
    assert first.json["started_at"] == "2026-11-23T19:00:00+00:00"
    again = guard.put(f"/api/v1/shifts/{shift_id}", json={"started_at": START})
    assert again.status_code == 200
    same_instant = guard.put(
        f"/api/v1/shifts/{shift_id}", json={"started_at": "2026-11-23T19:00:00Z"}
    )
    assert same_instant.status_code == 200
    other = guard.put(f"/api/v1/shifts/{shift_id}", json={"started_at": "2026-11-23T21:00:00Z"})
    assert other.status_code == 409
    assert other.json["error"] == "conflict" and other.json["message"]


def test_unknown_fields_are_ignored(guard):
    shift_id = new_id()
    body = {"started_at": START, "battery": 0.4, "app_version": "9.9"}
    assert guard.put(f"/api/v1/shifts/{shift_id}", json=body).status_code == 201
    assert guard.put(f"/api/v1/shifts/{shift_id}", json={"started_at": START}).status_code == 200


def test_ending_a_shift_is_200_once_and_never_back(guard):
    shift_id = start_shift(guard)
    end = {"started_at": START, "ended_at": "2026-11-24T04:00:00+01:00", "note": "Lugn natt"}
    ended = guard.put(f"/api/v1/shifts/{shift_id}", json=end)
    assert ended.status_code == 200
    assert ended.json["ended_at"] == "2026-11-24T03:00:00+00:00"
    assert ended.json["note"] == "Lugn natt"
    assert guard.put(f"/api/v1/shifts/{shift_id}", json=end).status_code == 200
    other_end = dict(end, ended_at="2026-11-24T05:00:00+01:00")
    assert guard.put(f"/api/v1/shifts/{shift_id}", json=other_end).status_code == 409
    reopened = dict(end, ended_at=None)
    assert guard.put(f"/api/v1/shifts/{shift_id}", json=reopened).status_code == 409
    other_note = dict(end, note="Annat")
    assert guard.put(f"/api/v1/shifts/{shift_id}", json=other_note).status_code == 409


def test_a_shift_can_be_created_already_ended(guard):
    shift_id = new_id()
    body = {"started_at": START, "ended_at": "2026-11-24T04:00:00+01:00"}
    assert guard.put(f"/api/v1/shifts/{shift_id}", json=body).status_code == 201
    assert guard.put(f"/api/v1/shifts/{shift_id}", json=body).status_code == 200


def test_shift_validation_messages(guard):
    shift_id = new_id()
    response = guard.put(f"/api/v1/shifts/{shift_id}", json={"started_at": "2026-11-23T20:00"})
    assert response.status_code == 422
    assert response.json["error"] == "validation"
    assert response.json["errors"]["started_at"] == ["Tidpunkten måste ha en tidszon."]
    backwards = {"started_at": START, "ended_at": "2026-11-23T18:00:00+01:00"}
    response = guard.put(f"/api/v1/shifts/{shift_id}", json=backwards)
    assert response.status_code == 422
    assert "ended_at" in response.json["errors"]
    response = guard.put(f"/api/v1/shifts/{shift_id}", json={})
    assert response.json["errors"]["started_at"] == ["Fältet måste fyllas i."]
    response = guard.put(f"/api/v1/shifts/{shift_id}", data="not json")
    assert response.status_code == 400 and response.json["message"]


def test_malformed_uuid_in_the_path_is_404(guard):
    assert guard.put("/api/v1/shifts/not-a-uuid", json={"started_at": START}).status_code == 404


def test_another_users_shift_uuid_is_403(api_as):
    guard, other = api_as("guard"), api_as("guard2")
    shift_id = start_shift(guard)
    response = other.put(f"/api/v1/shifts/{shift_id}", json={"started_at": START})
    assert response.status_code == 403
    assert other.get(f"/api/v1/shifts/{shift_id}").status_code == 403
    assert api_as("supervisor").get(f"/api/v1/shifts/{shift_id}").status_code == 200


@pytest.mark.parametrize(
    ("started", "night"),
    [
        ("2026-11-23T19:30:00+01:00", date(2026, 11, 23)),
        ("2026-11-24T00:30:00+01:00", date(2026, 11, 23)),  # after midnight: previous evening
        ("2026-11-24T11:59:00+01:00", date(2026, 11, 23)),
        ("2026-11-24T12:00:00+01:00", date(2026, 11, 24)),
        ("2026-06-20T23:00:00Z", date(2026, 6, 20)),  # 01:00 summer time in Stockholm
    ],
)
def test_night_of_a_shift(started, night):
    assert night_of(datetime.fromisoformat(started)) == night


def test_clock_skew_is_flagged_not_refused(guard, checkpoint):
    skewed = (datetime.now(UTC) - timedelta(minutes=20)).isoformat()
    shift_id = new_id()
    response = guard.put(
        f"/api/v1/shifts/{shift_id}",
        json={"started_at": START},
        headers={"X-Client-Time": skewed},
    )
    assert response.status_code == 201
    assert response.json["flags"] == ["clock_skew"]
    body = checkin_body(shift_id, checkpoint)
    response = guard.put(
        f"/api/v1/checkins/{new_id()}", json=body, headers={"X-Client-Time": skewed}
    )
    assert response.status_code == 201
    assert "clock_skew" in response.json["flags"]
    assert 1190 < response.json["clock_offset_s"] < 1300
    fine = guard.put(
        f"/api/v1/checkins/{new_id()}",
        json=body,
        headers={"X-Client-Time": datetime.now(UTC).isoformat()},
    )
    assert fine.json["flags"] == [] and fine.json["clock_offset_s"] is None


# --- check-ins -------------------------------------------------------------------------------


def test_checkin_by_token_201_200_409(guard, checkpoint):
    shift_id = start_shift(guard)
    checkin_id = new_id()
    body = checkin_body(shift_id, checkpoint)
    first = guard.put(f"/api/v1/checkins/{checkin_id}", json=body)
    assert first.status_code == 201
    assert first.json["checkpoint_id"] == checkpoint["id"]
    assert first.json["flags"] == []
    assert first.json["distance_m"] == 0.0
    assert first.json["received_at"]
    assert guard.put(f"/api/v1/checkins/{checkin_id}", json=body).status_code == 200
    # The same moment written in another zone is the same content.
    utc = dict(body, occurred_at="2026-11-23T19:10:00Z")
    assert guard.put(f"/api/v1/checkins/{checkin_id}", json=utc).status_code == 200
    moved = dict(body, lat=checkpoint["lat"] + 0.001)
    assert guard.put(f"/api/v1/checkins/{checkin_id}", json=moved).status_code == 409


def test_checkin_by_typed_code_any_case(guard, checkpoint):
    shift_id = start_shift(guard)
    body = checkin_body(shift_id, checkpoint, method="code", checkpoint_token=None)
    body["checkpoint_code"] = checkpoint["code"].lower()
    response = guard.put(f"/api/v1/checkins/{new_id()}", json=body)
    assert response.status_code == 201
    assert response.json["checkpoint_id"] == checkpoint["id"]


def test_unknown_code_is_422_with_a_message(guard, checkpoint):
    shift_id = start_shift(guard)
    body = checkin_body(shift_id, checkpoint, method="code", checkpoint_token=None)
    body["checkpoint_code"] = "ZZZ999"
    response = guard.put(f"/api/v1/checkins/{new_id()}", json=body)
    assert response.status_code == 422
    assert response.json["errors"]["checkpoint_code"] == [
        "Okänd kod. Kontrollera koden som står under QR-koden."
    ]


def test_manual_choice_is_flagged(guard, checkpoint):
    shift_id = start_shift(guard)
    body = checkin_body(shift_id, checkpoint, method="manual", checkpoint_token=None)
    body["checkpoint_id"] = checkpoint["id"]
    response = guard.put(f"/api/v1/checkins/{new_id()}", json=body)
    assert response.status_code == 201
    assert response.json["flags"] == ["manual"]


def test_exactly_one_way_to_name_the_checkpoint(guard, checkpoint):
    shift_id = start_shift(guard)
    both = checkin_body(shift_id, checkpoint, checkpoint_code=checkpoint["code"])
    response = guard.put(f"/api/v1/checkins/{new_id()}", json=both)
    assert response.status_code == 422
    none = checkin_body(shift_id, checkpoint, checkpoint_token=None)
    assert guard.put(f"/api/v1/checkins/{new_id()}", json=none).status_code == 422
    wrong_method = checkin_body(shift_id, checkpoint, method="manual")
    response = guard.put(f"/api/v1/checkins/{new_id()}", json=wrong_method)
    assert response.status_code == 422 and "method" in response.json["errors"]


def test_out_of_radius_and_no_location_are_flagged(guard, checkpoint):
    shift_id = start_shift(guard)
    # About 220 m north, accuracy 20 m: still well outside a 40 m radius.
    far = checkin_body(shift_id, checkpoint, lat=checkpoint["lat"] + 0.002, accuracy_m=20)
    response = guard.put(f"/api/v1/checkins/{new_id()}", json=far)
    assert response.status_code == 201
    assert response.json["flags"] == ["out_of_radius"]
    assert 200 < response.json["distance_m"] < 240
    # 60 m away but with 30 m accuracy: 60 - 30 <= 40, not flagged.
    near = checkin_body(shift_id, checkpoint, lat=checkpoint["lat"] + 0.00054, accuracy_m=30)
    assert guard.put(f"/api/v1/checkins/{new_id()}", json=near).json["flags"] == []
    blind = checkin_body(shift_id, checkpoint, lat=None, lon=None, accuracy_m=None)
    response = guard.put(f"/api/v1/checkins/{new_id()}", json=blind)
    assert response.json["flags"] == ["no_location"]
    assert response.json["distance_m"] is None
    half = checkin_body(shift_id, checkpoint, lon=None)
    assert guard.put(f"/api/v1/checkins/{new_id()}", json=half).status_code == 422


def test_unknown_shift_422_and_another_guards_shift_403(api_as, checkpoint):
    guard, other = api_as("guard"), api_as("guard2")
    response = guard.put(f"/api/v1/checkins/{new_id()}", json=checkin_body(new_id(), checkpoint))
    assert response.status_code == 422
    assert "shift_id" in response.json["errors"]
    theirs = start_shift(other)
    response = guard.put(f"/api/v1/checkins/{new_id()}", json=checkin_body(theirs, checkpoint))
    assert response.status_code == 403


def test_another_users_checkin_uuid_is_403(api_as, checkpoint):
    guard, other = api_as("guard"), api_as("guard2")
    checkin_id = new_id()
    body = checkin_body(start_shift(guard), checkpoint)
    assert guard.put(f"/api/v1/checkins/{checkin_id}", json=body).status_code == 201
    theirs = checkin_body(start_shift(other), checkpoint)
    assert other.put(f"/api/v1/checkins/{checkin_id}", json=theirs).status_code == 403


def test_late_arrivals_made_during_the_shift_are_accepted(guard, checkpoint, seeded):
    shift_id = start_shift(guard)
    end = {"started_at": START, "ended_at": "2026-11-24T04:00:00+01:00"}
    assert guard.put(f"/api/v1/shifts/{shift_id}", json=end).status_code == 200
    # Made at 03:50, queued offline, arriving after the shift was ended: accepted.
    during = checkin_body(shift_id, checkpoint, occurred_at="2026-11-24T03:50:00+01:00")
    assert guard.put(f"/api/v1/checkins/{new_id()}", json=during).status_code == 201
    # Within the 15-minute grace: accepted.
    grace = checkin_body(shift_id, checkpoint, occurred_at="2026-11-24T04:14:00+01:00")
    assert guard.put(f"/api/v1/checkins/{new_id()}", json=grace).status_code == 201
    # After the end plus grace: refused with a message on occurred_at.
    after = checkin_body(shift_id, checkpoint, occurred_at="2026-11-24T04:16:00+01:00")
    response = guard.put(f"/api/v1/checkins/{new_id()}", json=after)
    assert response.status_code == 422
    assert response.json["errors"]["occurred_at"] == ["Passet hade redan avslutats vid den tiden."]
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 2


def test_ending_before_recorded_checkins_is_422(guard, checkpoint):
    shift_id = start_shift(guard)
    late = checkin_body(shift_id, checkpoint, occurred_at="2026-11-24T03:00:00+01:00")
    assert guard.put(f"/api/v1/checkins/{new_id()}", json=late).status_code == 201
    early_end = {"started_at": START, "ended_at": "2026-11-24T01:00:00+01:00"}
    response = guard.put(f"/api/v1/shifts/{shift_id}", json=early_end)
    assert response.status_code == 422


def test_role_matrix_for_writes(api_as, seeded, checkpoint):
    anonymous = seeded.test_client()
    assert anonymous.put(f"/api/v1/shifts/{new_id()}", json={}).status_code == 401
    owner = api_as("owner")
    response = owner.put(f"/api/v1/shifts/{new_id()}", json={"started_at": START})
    assert response.status_code == 403
    for username in ("guard", "supervisor", "admin"):
        api = api_as(username)
        shift_id = start_shift(api)
        body = checkin_body(shift_id, checkpoint)
        assert api.put(f"/api/v1/checkins/{new_id()}", json=body).status_code == 201
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Shift)) == 3
