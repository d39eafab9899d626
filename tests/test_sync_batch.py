"""POST /api/v1/batch: many record PUTs in one request, each answered as its own PUT would be,
each in its own savepoint, idempotent entry by entry (architecture §5, "Batches")."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from patrol.db import db
from patrol.reports.models import Report
from patrol.shifts.models import CheckIn, Shift
from patrol.sites.models import Checkpoint, Property
from tests import factories
from tests.factories import START, new_id, start_shift


@pytest.fixture
def guard(api_as):
    return api_as("guard")


@pytest.fixture
def places(seeded):
    with seeded.app_context():
        prop = db.session.scalar(sa.select(Property).order_by(Property.id))
        checkpoint = db.session.scalar(sa.select(Checkpoint).order_by(Checkpoint.id))
        return {"property": prop.id, "checkpoint": checkpoint.id}


def entry(url, body, entry_id=None):
    return {"id": entry_id or new_id(), "method": "PUT", "url": url, "body": body}


def checkin(shift_id, places, **over):
    body = factories.checkin_body(shift_id, checkpoint_id=places["checkpoint"], **over)
    return entry(f"/api/v1/checkins/{new_id()}", body)


def report(shift_id, places, **over):
    body = factories.report_body(shift_id, places["property"], **over)
    return entry(f"/api/v1/reports/{new_id()}", body)


def batch(api, entries, **kw):
    return api.post("/api/v1/batch", json={"entries": entries}, **kw)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_shift_and_its_records_in_one_batch_then_again_as_a_retry(guard, places, seeded):
    shift_id = new_id()
    entries = [
        entry(f"/api/v1/shifts/{shift_id}", {"started_at": START, "ended_at": None, "note": None}),
        checkin(shift_id, places),
        report(shift_id, places),
        checkin(shift_id, places, occurred_at="2026-11-23T20:20:00+01:00"),
    ]
    first = batch(guard, entries)
    assert first.status_code == 200, first.json
    results = first.json["results"]
    assert [r["id"] for r in results] == [e["id"] for e in entries]
    assert [r["url"] for r in results] == [e["url"] for e in entries]
    assert [r["status"] for r in results] == [201, 201, 201, 201]
    assert results[0]["body"]["night"] == "2026-11-23"
    assert count(seeded, CheckIn) == 2 and count(seeded, Report) == 1
    # The answer was lost: the phone sends the same batch again; every entry is confirmed.
    again = batch(guard, entries)
    assert [r["status"] for r in again.json["results"]] == [200, 200, 200, 200]
    assert count(seeded, Shift) == 1 and count(seeded, CheckIn) == 2
    # Each entry's answer is the body its own PUT gives.
    single = guard.put(entries[2]["url"], json=entries[2]["body"])
    assert single.status_code == 200 and single.json == again.json["results"][2]["body"]


def test_the_seventh_of_fifty_refused_the_other_49_stored(guard, places, seeded):
    shift_id = start_shift(guard)
    entries = [
        checkin(shift_id, places, occurred_at=f"2026-11-23T21:{minute:02d}:00+01:00")
        for minute in range(50)
    ]
    entries[6]["body"]["checkpoint_id"] = 999_999  # not a checkpoint: 422 for this one
    response = batch(guard, entries)
    assert response.status_code == 200
    statuses = [r["status"] for r in response.json["results"]]
    assert statuses == [201] * 6 + [422] + [201] * 43
    refused = response.json["results"][6]
    # The same answer as the PUT on its own.
    alone = guard.put(entries[6]["url"], json=entries[6]["body"])
    assert alone.status_code == 422 and alone.json == refused["body"]
    assert count(seeded, CheckIn) == 49
    with seeded.app_context():
        stored = set(db.session.scalars(sa.select(CheckIn.id)))
    assert entries[6]["url"].rsplit("/", 1)[1] not in {str(i) for i in stored}


def test_a_conflict_in_the_middle_rolls_back_only_its_savepoint(guard, places, seeded):
    shift_id = start_shift(guard)
    taken = report(shift_id, places)
    assert guard.put(taken["url"], json=taken["body"]).status_code == 201
    changed = dict(taken, id=new_id(), body=dict(taken["body"], description="Något annat"))
    entries = [checkin(shift_id, places), changed, report(shift_id, places)]
    response = batch(guard, entries)
    assert [r["status"] for r in response.json["results"]] == [201, 409, 201]
    assert count(seeded, Report) == 2 and count(seeded, CheckIn) == 1


def test_a_child_needs_its_parent_earlier_in_the_batch(guard, places, seeded):
    shift_id = new_id()
    shift = entry(f"/api/v1/shifts/{shift_id}", {"started_at": START})
    # Parent after the child: the check-in's shift is unknown when it is applied (422).
    late = batch(guard, [checkin(shift_id, places), shift])
    assert [r["status"] for r in late.json["results"]] == [422, 201]
    assert count(seeded, CheckIn) == 0


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/batch",
        "/api/v1/sos/{id}",
        # The alarms a guard starts go alone like an SOS (alone at night).
        "/api/v1/timers/{id}",
        "/api/v1/no-coverage/{id}",
        "/api/v1/reports/{id}/photos/{id}",
        "/admin/users/1",
        "/review/nights",
        "/api/v1/me",
        "/api/v1/shifts/{id}?x=1",
        "/api/v1/shifts/not-a-uuid",
        "http://example.com/api/v1/shifts/{id}",
        "//example.com/api/v1/shifts/{id}",
        "/api/v1/../admin/users/1",
        "/api/v1/shifts/{id}/../../../admin",
    ],
)
def test_an_entry_outside_the_sync_routes_is_refused_alone(guard, places, seeded, url):
    shift_id = start_shift(guard)
    hostile = entry(url.replace("{id}", new_id()), {"started_at": START})
    response = batch(guard, [checkin(shift_id, places), hostile, checkin(shift_id, places)])
    assert response.status_code == 200
    results = response.json["results"]
    assert [r["status"] for r in results][0::2] == [201, 201]
    assert results[1]["status"] in (400, 404)
    assert results[1]["body"]["message"]
    assert count(seeded, CheckIn) == 2


@pytest.mark.parametrize(
    "payload, status",
    [
        ({"entries": []}, 422),
        ({}, 422),
        ({"entries": "x"}, 422),
        ({"entries": [{"id": "x", "url": "/api/v1/shifts/1", "body": {}}]}, 422),
        ({"entries": [{"id": new_id(), "url": "/api/v1/shifts/1", "body": []}]}, 422),
        ({"entries": [{"id": new_id(), "method": "DELETE", "url": "/x", "body": {}}]}, 422),
        ({"entries": [{"id": new_id(), "url": "/" + "a" * 400, "body": {}}]}, 422),
        ([1, 2], 400),
    ],
)
def test_malformed_batches_are_refused_whole(guard, payload, status):
    response = guard.post("/api/v1/batch", json=payload)
    assert response.status_code == status, response.json
    assert response.json["message"]


def test_more_than_fifty_or_a_repeated_id_is_refused_whole(guard, places, seeded):
    shift_id = start_shift(guard)
    many = [checkin(shift_id, places) for _ in range(51)]
    too_many = batch(guard, many)
    assert too_many.status_code == 422 and "entries" in too_many.json["errors"]
    twice = checkin(shift_id, places)
    repeated = batch(guard, [twice, dict(twice, url=f"/api/v1/checkins/{new_id()}")])
    assert repeated.status_code == 422
    assert count(seeded, CheckIn) == 0


def test_not_json_duplicate_keys_and_deep_nesting_are_400(guard):
    not_json = guard.post("/api/v1/batch", data=b"{", content_type="application/json")
    assert not_json.status_code == 400
    twice = b'{"entries": [], "entries": []}'
    dup = guard.post("/api/v1/batch", data=twice, content_type="application/json")
    assert dup.status_code == 400
    deep = {"entries": [{"id": new_id(), "url": "/api/v1/shifts/x", "body": {}}]}
    node = deep["entries"][0]["body"]
    for _ in range(20):
        node["x"] = {}
        node = node["x"]
    assert guard.post("/api/v1/batch", json=deep).status_code == 400


def test_session_and_csrf_are_checked_once_for_the_batch(app, seeded, guard, places):
    shift_id = start_shift(guard)
    entries = [checkin(shift_id, places)]
    no_token = guard.client.post("/api/v1/batch", json={"entries": entries})
    assert no_token.status_code == 403 and no_token.json["error"] == "csrf"
    anonymous = app.test_client()
    token = anonymous.get("/api/v1/me").json["csrf_token"]
    logged_out = anonymous.post(
        "/api/v1/batch", json={"entries": entries}, headers={"X-CSRFToken": token}
    )
    assert logged_out.status_code == 401
    assert count(seeded, CheckIn) == 0


def test_each_entry_keeps_its_own_owner_check(api_as, places, seeded):
    guard, other = api_as("guard"), api_as("guard2")
    shift_id = start_shift(guard)
    mine = checkin(shift_id, places)
    assert batch(guard, [mine]).json["results"][0]["status"] == 201
    # Another guard sending the same record (or a check-in in someone else's shift) is refused.
    theirs = batch(other, [mine, checkin(shift_id, places)])
    assert [r["status"] for r in theirs.json["results"]] == [403, 403]
    assert count(seeded, CheckIn) == 1


def test_the_batch_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/batch"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]
    schemas = spec["components"]["schemas"]
    assert {"BatchIn", "BatchOut", "BatchEntryIn", "BatchResultOut"} <= set(schemas)
