"""Area assignment as a flag (issue 22, point 8): a guard assigned to some areas who checks in
or reports at another area's property is accepted (a guard helps out) and flagged
`outside_area` ("utanför tilldelat område" on the desk); a lookup of such a code answers
`{"valid": true}` and nothing more, and the check-in's answer names no place there. A guard
with no areas assigned may go anywhere, unflagged."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tests.support.areas import OTHER_CODE, other_area_and_assignment
from tests.support.review import login_page_client


def start_shift(api) -> str:
    shift_id = str(uuid.uuid4())
    started = datetime.now(UTC) - timedelta(hours=1)
    response = api.put(f"/api/v1/shifts/{shift_id}", json={"started_at": started.isoformat()})
    assert response.status_code == 201, response.json
    return shift_id


def check_in(api, shift_id: str, code: str, checkin_id: str | None = None):
    return api.put(
        f"/api/v1/checkins/{checkin_id or uuid.uuid4()}",
        json={
            "shift_id": shift_id,
            "checkpoint_code": code,
            "method": "code",
            "occurred_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        },
    )


def test_a_lookup_of_another_areas_code_says_only_that_it_exists(api_as, seeded):
    places = other_area_and_assignment(seeded)
    guard = api_as("guard")
    outside = guard.post("/api/v1/checkpoint-lookups", json={"checkpoint_code": OTHER_CODE})
    assert outside.status_code == 200 and outside.json == {"valid": True}
    token = guard.post(
        "/api/v1/checkpoint-lookups", json={"checkpoint_token": "rosengard-soprum-token"}
    )
    assert token.json == {"valid": True}
    own = guard.post("/api/v1/checkpoint-lookups", json={"checkpoint_code": places["own_code"]})
    assert own.json["property_id"] == places["own_property"]
    assert own.json["property_name"] and own.json["checkpoint_label"]
    # A guard with no areas assigned may go anywhere: the full answer.
    anywhere = api_as("guard2").post(
        "/api/v1/checkpoint-lookups", json={"checkpoint_code": OTHER_CODE}
    )
    assert anywhere.json["checkpoint_label"] == "Soprum"


def test_records_outside_the_assigned_areas_are_accepted_flagged_and_name_no_place(api_as, seeded):
    places = other_area_and_assignment(seeded)
    guard = api_as("guard")
    shift_id = start_shift(guard)
    checkin_id = str(uuid.uuid4())
    response = check_in(guard, shift_id, OTHER_CODE, checkin_id)
    assert response.status_code == 201, response.json
    assert "outside_area" in response.json["flags"]
    assert response.json["checkpoint_label"] is None and response.json["property_id"] is None
    again = check_in(guard, shift_id, OTHER_CODE, checkin_id)
    assert again.status_code in (200, 409)
    if again.status_code == 200:
        assert again.json["checkpoint_label"] is None and again.json["property_id"] is None
    inside = check_in(guard, shift_id, places["own_code"])
    assert inside.status_code == 201 and "outside_area" not in inside.json["flags"]
    assert inside.json["checkpoint_label"]

    report = guard.put(
        f"/api/v1/reports/{uuid.uuid4()}",
        json={
            "shift_id": shift_id,
            "property_id": places["property"],
            "category": "litter",
            "level": "preventive",
            "description": "Nedskräpat vid soprummet.",
            "occurred_at": (datetime.now(UTC) - timedelta(minutes=4)).isoformat(),
        },
    )
    assert report.status_code == 201 and "outside_area" in report.json["flags"]

    # Unassigned guards go anywhere, unflagged.
    free = api_as("guard2")
    free_shift = start_shift(free)
    response = check_in(free, free_shift, OTHER_CODE)
    assert response.status_code == 201 and "outside_area" not in response.json["flags"]

    # The desk says it in words.
    boss = login_page_client(seeded, "supervisor")
    page = boss.get(f"/review/shifts/{shift_id}").get_data(as_text=True)
    assert "utanför tilldelat område" in page
