"""Helpers for the safety tests (issue 14): shifts and disturbance reports synced through the
real sync API."""

from __future__ import annotations

import uuid


def new_id() -> str:
    return str(uuid.uuid4())


def start_shift(api, started: str = "2026-11-23T19:35:00+01:00") -> str:
    shift_id = new_id()
    response = api.put(f"/api/v1/shifts/{shift_id}", json={"started_at": started})
    assert response.status_code == 201, response.json
    return shift_id


def put_report(
    api,
    shift_id: str,
    property_id: int,
    checkpoint_id: int | None,
    occurred_at: str,
    *,
    level: str = "disturbance",
    category: str = "disturbance",
    description: str = "Hög musik och skrik i trapphuset.",
    report_id: str | None = None,
) -> str:
    report_id = report_id or new_id()
    response = api.put(
        f"/api/v1/reports/{report_id}",
        json={
            "shift_id": shift_id,
            "property_id": property_id,
            "checkpoint_id": checkpoint_id,
            "category": category,
            "level": level,
            "description": description,
            "occurred_at": occurred_at,
            "photo_ids": [],
        },
    )
    assert response.status_code == 201, response.json
    return report_id


def disturbances_on_nights(api, place: dict, nights: list[str]) -> list[str]:
    """One shift per night ("2026-11-03", ...) with a disturbance at 22:10 at the place
    ({"property": id, "checkpoint": id or None}); the report ids in order."""
    ids = []
    for night in nights:
        shift_id = start_shift(api, f"{night}T19:35:00+01:00")
        ids.append(
            put_report(
                api, shift_id, place["property"], place["checkpoint"], f"{night}T22:10:00+01:00"
            )
        )
    return ids
