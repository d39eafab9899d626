"""Old stickers (issue 20, point 4): after "Byt QR-kod" the sites document carries the replaced
token's digest, so the phone recognises an old sticker offline and tells the guard at once; a
check-in made with it anyway (a phone with an older cache) is stored, flagged
`retired_token`, and never counts for a round's compliance."""

from __future__ import annotations

import hashlib
from datetime import date

import sqlalchemy as sa

from patrol.db import db, set_clock
from patrol.rounds.queries import night_compliance
from patrol.shifts.models import CheckIn
from patrol.sites.models import Checkpoint
from tests.support.rounds import demo_checkpoints, local, make_route, new_id, start_shift

NIGHT = date(2026, 11, 23)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def checkpoint_in(document: dict, checkpoint_id: int) -> dict:
    for area in document["areas"]:
        for prop in area["properties"]:
            for point in prop["checkpoints"]:
                if point["id"] == checkpoint_id:
                    return point
    raise AssertionError(f"checkpoint {checkpoint_id} not in the sites document")


def current_token(app, checkpoint_id: int) -> str:
    with app.app_context():
        return db.session.scalar(sa.select(Checkpoint.token).where(Checkpoint.id == checkpoint_id))


def test_sites_document_carries_retired_digests_never_tokens_or_codes(api_as, seeded):
    point, other = demo_checkpoints(seeded, 2)
    guard, admin = api_as("guard"), api_as("admin")
    before = guard.get("/api/v1/sites")
    assert checkpoint_in(before.json, point["id"])["retired_token_sha256"] == []

    # Two replacements: both old stickers are known, oldest first.
    first_token = point["token"]
    assert (
        admin.post(f"/admin/checkpoints/{point['id']}/rotate", data={"confirm": "yes"}).status_code
        == 302
    )
    second_token = current_token(seeded, point["id"])
    assert (
        admin.post(f"/admin/checkpoints/{point['id']}/rotate", data={"confirm": "yes"}).status_code
        == 302
    )
    newest = current_token(seeded, point["id"])

    after = guard.get("/api/v1/sites", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200  # a phone's cache learns about the old stickers
    shown = checkpoint_in(after.json, point["id"])
    assert shown["retired_token_sha256"] == [sha256(first_token), sha256(second_token)]
    assert shown["token_sha256"] == sha256(newest)
    assert checkpoint_in(after.json, other["id"])["retired_token_sha256"] == []
    # Digests only: no token (old or new) and no short code anywhere in the document.
    raw = after.get_data(as_text=True)
    for secret in (first_token, second_token, newest, point["code"], other["token"]):
        assert secret not in raw
    # The OpenAPI document describes the field.
    spec = guard.get("/api/v1/openapi.json").json
    assert "retired_token_sha256" in str(spec)


def test_a_check_in_with_a_retired_token_is_stored_flagged_and_never_counts(api_as, seeded):
    cps = demo_checkpoints(seeded)
    route_id = make_route(seeded, [c["id"] for c in cps], valid_from=NIGHT, rounds_per_night=1)
    admin, guard = api_as("admin"), api_as("guard")
    old_token = cps[0]["token"]
    assert (
        admin.post(f"/admin/checkpoints/{cps[0]['id']}/rotate", data={"confirm": "yes"}).status_code
        == 302
    )

    shift_id = start_shift(guard, local(2026, 11, 23, 19, 35))

    def put_checkin(at, **naming):
        body = {"shift_id": shift_id, "occurred_at": at.isoformat()} | naming
        response = guard.put(f"/api/v1/checkins/{new_id()}", json=body)
        assert response.status_code == 201, response.json
        return response.json

    # The old sticker at the first stop: accepted (the guard was there), flagged.
    old = put_checkin(local(2026, 11, 23, 20, 0), checkpoint_token=old_token, method="qr")
    assert old["checkpoint_id"] == cps[0]["id"] and "retired_token" in old["flags"]
    for i, cp in enumerate(cps[1:], start=1):
        put_checkin(local(2026, 11, 23, 20, 5 * i), checkpoint_id=cp["id"], method="manual")

    set_clock(seeded, local(2026, 11, 24, 7, 0))
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 3
        route = night_compliance(NIGHT).by_route[route_id]
        [only] = route.rounds
        outcomes = {c.checkpoint_id: c.outcome for c in only.checkpoints}
        # The old sticker's check-in did not tick the first stop; the round is incomplete.
        assert outcomes[cps[0]["id"]] == "missed"
        assert only.status == "incomplete"

    # The new sticker at the same stop counts.
    put_checkin(
        local(2026, 11, 23, 20, 20),
        checkpoint_token=current_token(seeded, cps[0]["id"]),
        method="qr",
    )
    with seeded.app_context():
        only = night_compliance(NIGHT).by_route[route_id].rounds[0]
        assert only.status == "completed"
