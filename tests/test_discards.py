"""PUT /api/v1/discards/<uuid> (issue 10, point 5): a record the guard threw away on the
phone reaches the server as a record of its own, idempotent like every other."""

from __future__ import annotations

import sqlalchemy as sa

from patrol.db import db
from patrol.shifts.models import DiscardedRecord
from tests.factories import new_id
from tests.support.push import iso, now, start_shift


def discard_body(shift_id: str | None) -> dict:
    return {
        "shift_id": shift_id,
        "kind": "report",
        "label": "Klotter – Jespersgatan 6",
        "record_url": f"/api/v1/reports/{new_id()}",
        "last_status": 422,
        "last_message": "Okänd fastighet.",
        "dependent_count": 2,
        "photo_count": 2,
        "recorded_at": iso(now()),
        "discarded_at": iso(now()),
    }


def test_discard_is_stored_once_and_belongs_to_its_guard(seeded, api_as):
    guard, guard2 = api_as("guard"), api_as("guard2")
    shift_id = start_shift(guard)
    discard_id = new_id()
    body = discard_body(shift_id)
    first = guard.put(f"/api/v1/discards/{discard_id}", json=body)
    assert first.status_code == 201, first.json
    assert first.json["photo_count"] == 2 and first.json["shift_id"] == shift_id
    assert guard.put(f"/api/v1/discards/{discard_id}", json=body).status_code == 200
    assert (
        guard.put(f"/api/v1/discards/{discard_id}", json=body | {"label": "x"}).status_code == 409
    )
    assert guard2.put(f"/api/v1/discards/{discard_id}", json=body).status_code == 403
    # Another guard's shift is never linked.
    other = guard2.put(f"/api/v1/discards/{new_id()}", json=discard_body(shift_id))
    assert other.status_code == 201 and other.json["shift_id"] is None
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DiscardedRecord)) == 2


def test_bad_discard_is_refused_in_swedish(seeded, api_as, client):
    guard = api_as("guard")
    answer = guard.put(f"/api/v1/discards/{new_id()}", json={"kind": ""})
    assert answer.status_code == 422
    assert answer.json["errors"]["label"] == ["Fältet måste fyllas i."]
    assert answer.json["errors"]["kind"] == ["Måste vara 1–32 tecken långt."]
    assert client.put(f"/api/v1/discards/{new_id()}", json={}).status_code in (401, 403)
