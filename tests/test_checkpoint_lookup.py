"""POST /api/v1/checkpoint-lookups (issue 10, point 7): the phone asks, while online, which
checkpoint a typed code or a scanned token names, so it can say "Okänd kod" at once. Nothing
is stored."""

from __future__ import annotations

import sqlalchemy as sa

from patrol.db import db
from patrol.shifts.models import CheckIn
from patrol.sites.models import Checkpoint


def test_known_code_and_token_name_the_checkpoint(seeded, api_as):
    guard = api_as("guard")
    with seeded.app_context():
        checkpoint = db.session.scalar(sa.select(Checkpoint).order_by(Checkpoint.id))
        code, token = checkpoint.short_code, checkpoint.token
        expected = {
            "checkpoint_id": checkpoint.id,
            "checkpoint_label": checkpoint.label,
            "property_id": checkpoint.property_id,
            "property_name": checkpoint.property.name,
        }
    by_code = guard.post("/api/v1/checkpoint-lookups", json={"checkpoint_code": code.lower()})
    assert by_code.status_code == 200 and by_code.json == expected
    by_token = guard.post("/api/v1/checkpoint-lookups", json={"checkpoint_token": token})
    assert by_token.status_code == 200 and by_token.json == expected
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 0


def test_unknown_code_answers_in_swedish_and_bad_input_is_refused(seeded, api_as, client):
    guard = api_as("guard")
    unknown = guard.post("/api/v1/checkpoint-lookups", json={"checkpoint_code": "ZZZ999"})
    assert unknown.status_code == 422
    assert unknown.json["errors"]["checkpoint_code"] == [
        "Okänd kod. Kontrollera koden som står under QR-koden."
    ]
    both = guard.post(
        "/api/v1/checkpoint-lookups", json={"checkpoint_code": "S101", "checkpoint_token": "x"}
    )
    assert both.status_code == 422
    assert guard.post("/api/v1/checkpoint-lookups", json={}).status_code == 422
    assert client.post(
        "/api/v1/checkpoint-lookups", json={"checkpoint_code": "S101"}
    ).status_code in (
        401,
        403,
    )
    assert (
        api_as("owner")
        .post("/api/v1/checkpoint-lookups", json={"checkpoint_code": "S101"})
        .status_code
        == 403
    )
