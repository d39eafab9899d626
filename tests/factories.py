"""The shapes many tests need as a starting point, made through the real sync API as the
guard's phone makes them: a new record id, a started shift, a check-in, a report, a report
with a photo. A test that is *about* one of these requests (its status codes, its
validation) writes the request out itself; a test that only needs one to exist calls here.

`api` is a logged-in client (the `api_as` fixture's, or a requests session's wrapper with the
same `put`).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from tests.support.images import digest, jpeg_bytes

# A weekday evening in winter time (+01:00): the night of 2026-11-23.
START = "2026-11-23T20:00:00+01:00"
CHECKIN_AT = "2026-11-23T20:10:00+01:00"
REPORT_AT = "2026-11-23T22:15:00+01:00"


def new_id() -> str:
    """A record id as the phone makes one (the UUID in the record's URL, architecture §5)."""
    return str(uuid.uuid4())


def iso(moment: datetime | str) -> str:
    return moment if isinstance(moment, str) else moment.isoformat()


def start_shift(api, started_at: datetime | str = START, shift_id: str | None = None) -> str:
    """PUT a new shift (201) and return its id."""
    shift_id = shift_id or new_id()
    response = api.put(f"/api/v1/shifts/{shift_id}", json={"started_at": iso(started_at)})
    assert response.status_code == 201, response.json
    return shift_id


def checkin_body(shift_id: str, *, occurred_at: datetime | str = CHECKIN_AT, **fields) -> dict:
    """A check-in's body: method "qr" when it names a `checkpoint_token`, "code" for a
    `checkpoint_code`, "manual" for a `checkpoint_id` (or the `method` given); no position
    unless given (lat, lon, accuracy_m)."""
    if "method" not in fields:
        if "checkpoint_code" in fields:
            fields["method"] = "code"
        elif "checkpoint_id" in fields and "checkpoint_token" not in fields:
            fields["method"] = "manual"
        else:
            fields["method"] = "qr"
    return {
        "shift_id": shift_id,
        "occurred_at": iso(occurred_at),
        "lat": None,
        "lon": None,
        "accuracy_m": None,
        **fields,
    }


def check_in(api, shift_id: str, *, checkin_id: str | None = None, **fields):
    """PUT a check-in (see checkin_body); returns the response, for the test to judge."""
    body = checkin_body(shift_id, **fields)
    return api.put(f"/api/v1/checkins/{checkin_id or new_id()}", json=body)


def report_body(
    shift_id: str | None,
    property_id: int,
    *,
    photo_ids=(),
    occurred_at: datetime | str = REPORT_AT,
    **fields,
) -> dict:
    """A preventive lighting report on the property, as the report screen sends it. A threat
    or violence report comes with the details the report screen requires for it (roles only)."""
    body = {
        "shift_id": shift_id,
        "property_id": property_id,
        "category": "lighting",
        "level": "preventive",
        "description": "Trasig lampa i trapphus A, plan 2.",
        "occurred_at": iso(occurred_at),
        "photo_ids": [str(p) for p in photo_ids],
        **fields,
    }
    if body["category"] == "threat_violence" and "incident" not in body:
        body["incident"] = {"exposed_roles": ["guard"], "witness_roles": []}
    return body


def put_report(
    api, shift_id: str | None, property_id: int, *, report_id: str | None = None, **fields
) -> str:
    """PUT a new report (201, see report_body) and return its id."""
    report_id = report_id or new_id()
    response = api.put(
        f"/api/v1/reports/{report_id}", json=report_body(shift_id, property_id, **fields)
    )
    assert response.status_code == 201, response.json
    return report_id


def put_photo(api, report_id: str, photo_id: str, data: bytes, content_type="image/jpeg"):
    """PUT a photo's bytes with its Content-Digest; returns the response."""
    return api.put(
        f"/api/v1/reports/{report_id}/photos/{photo_id}",
        data=data,
        headers={"Content-Type": content_type, "Content-Digest": digest(data)},
    )


def report_with_photo(
    api, shift_id: str | None, property_id: int, data: bytes | None = None, **fields
) -> tuple[str, str]:
    """A report that promises one photo, and the photo uploaded (201): (report id, photo id)."""
    photo_id = new_id()
    report_id = put_report(api, shift_id, property_id, photo_ids=[photo_id], **fields)
    response = put_photo(api, report_id, photo_id, data or jpeg_bytes())
    assert response.status_code == 201, response.json
    return report_id, photo_id
