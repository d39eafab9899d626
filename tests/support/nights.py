"""The autumn clock-change night (24/25 October 2026) as the guard's phone sends it: records
in the hour that happens twice, for the tests of the desk, the PDF, the CSVs and the pages."""

from __future__ import annotations

from datetime import UTC, date, datetime

from patrol.db import set_clock
from tests.support.review import new_id
from tests.support.rounds import make_route

NIGHT = date(2026, 10, 24)
# The records, in the order they happened. Wall-clock text alone would sort 02:10 CET before
# 02:40 CEST and 02:50 CEST.
CHECKIN_SUMMER = "2026-10-25T02:10:00+02:00"  # 00:10 UTC
ACUTE_SUMMER = "2026-10-25T02:40:00+02:00"  # 00:40 UTC
SKIP_SUMMER = "2026-10-25T02:50:00+02:00"  # 00:50 UTC
CHECKIN_WINTER = "2026-10-25T02:10:00+01:00"  # 01:10 UTC
ACUTE_WINTER = "2026-10-25T02:20:00+01:00"  # 01:20 UTC
SKIP_TEXT = "Polisen har spärrat av gården"


def in_order(text: str, *parts: str) -> bool:
    """Every part is in the text, each after the one before."""
    at = -1
    for part in parts:
        found = text.find(part, at + 1)
        if found < 0:
            raise AssertionError(f"{part!r} not after position {at} in the text")
        at = found
    return True


def record_autumn_night(app, guard, places) -> dict:
    """Two check-ins, two acute reports and a skip in the repeated hour, sent at 02:25 CET."""
    # 02:25 CET: every record below arrives then, in the repeated hour too.
    set_clock(app, datetime(2026, 10, 25, 1, 25, tzinfo=UTC))
    route_id = make_route(app, [places["cp1"], places["cp2"]], valid_from=date(2026, 10, 1))
    shift = new_id()
    response = guard.put(
        f"/api/v1/shifts/{shift}", json={"started_at": "2026-10-24T22:00:00+02:00"}
    )
    assert response.status_code == 201, response.json
    for at in (CHECKIN_SUMMER, CHECKIN_WINTER):
        response = guard.put(
            f"/api/v1/checkins/{new_id()}",
            json={
                "shift_id": shift,
                "checkpoint_id": places["cp1"],
                "method": "manual",
                "occurred_at": at,
            },
        )
        assert response.status_code == 201, response.json
    for at, description in ((ACUTE_SUMMER, "Inbrott i källaren"), (ACUTE_WINTER, "Brand i soprum")):
        response = guard.put(
            f"/api/v1/reports/{new_id()}",
            json={
                "shift_id": shift,
                "property_id": places["p1"],
                "checkpoint_id": None,
                "category": "intrusion",
                "level": "acute",
                "description": description,
                "occurred_at": at,
                "photo_ids": [],
            },
        )
        assert response.status_code == 201, response.json
    response = guard.put(
        f"/api/v1/skips/{new_id()}",
        json={
            "shift_id": shift,
            "route_id": route_id,
            "checkpoint_id": places["cp2"],
            "reason_code": "cordon",
            "reason_text": SKIP_TEXT,
            "occurred_at": SKIP_SUMMER,
        },
    )
    assert response.status_code == 201, response.json
    return {"shift": shift}
