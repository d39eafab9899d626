"""What the admin's changes do for the phones: the sites document (instructions, only active
things, a guard's own areas, an ETag that changes only with what a phone needs), check-ins at
deactivated checkpoints and with replaced QR tokens, and the QR stickers' PDF."""

from __future__ import annotations

import sqlalchemy as sa

from patrol.auth.models import User
from patrol.db import db
from patrol.shifts.models import CheckIn
from patrol.sites.models import Area, Checkpoint, Property, RetiredToken
from tests.support.admin import (
    check_in,
    count,
    pdf_page_count,
    pdf_qr_texts,
    scalar,
    start_shift,
)


def first_checkpoint(app) -> dict:
    with app.app_context():
        point = db.session.scalar(sa.select(Checkpoint).order_by(Checkpoint.id))
        return {
            "id": point.id,
            "token": point.token,
            "code": point.short_code,
            "label": point.label,
            "radius_m": point.radius_m,
            "property_id": point.property_id,
        }


def checkpoint_form(point: dict, **over) -> dict:
    form = {"label": point["label"], "short_code": point["code"], "radius_m": point["radius_m"]}
    form.update(over)
    return form


def sites_checkpoint(document: dict, checkpoint_id: int) -> dict | None:
    for area in document["areas"]:
        for prop in area["properties"]:
            for point in prop["checkpoints"]:
                if point["id"] == checkpoint_id:
                    return point
    return None


def test_instructions_travel_with_a_changed_time_and_a_new_etag(api_as, seeded):
    guard, admin = api_as("guard"), api_as("admin")
    point = first_checkpoint(seeded)
    before = guard.get("/api/v1/sites")
    assert sites_checkpoint(before.json, point["id"])["instructions"] == ""
    assert sites_checkpoint(before.json, point["id"])["instructions_changed_at"] is None

    answer = admin.post(
        f"/admin/checkpoints/{point['id']}",
        data=checkpoint_form(point, instructions="Polisen först vid akut händelse."),
    )
    assert answer.status_code == 302
    after = guard.get("/api/v1/sites", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    shown = sites_checkpoint(after.json, point["id"])
    assert shown["instructions"] == "Polisen först vid akut händelse."
    assert shown["instructions_changed_at"] is not None

    # Saving the same text again changes neither the time nor the ETag.
    admin.post(
        f"/admin/checkpoints/{point['id']}",
        data=checkpoint_form(point, instructions="Polisen först vid akut händelse."),
    )
    same = guard.get("/api/v1/sites", headers={"If-None-Match": after.headers["ETag"]})
    assert same.status_code == 304


def test_the_etag_ignores_what_phones_do_not_get(api_as, seeded):
    guard, admin = api_as("guard"), api_as("admin")
    etag = guard.get("/api/v1/sites").headers["ETag"]
    area_id = scalar(seeded, sa.select(Area.id))
    admin.post(
        f"/admin/areas/{area_id}",
        data={"name": "Södra Sofielund", "city": "Malmö", "day_crew_emails": "drift@example.se"},
    )
    admin.post("/admin/users/new", data={"username": "x1", "display_name": "X", "role": "guard"})
    assert guard.get("/api/v1/sites", headers={"If-None-Match": etag}).status_code == 304
    admin.post(
        f"/admin/areas/{area_id}",
        data={"name": "Södra Sofielund", "city": "Malmö", "duty_phone": "040-12 34 56"},
    )
    changed = guard.get("/api/v1/sites", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.json["areas"][0]["duty_phone"] == "040-12 34 56"


def test_a_deactivated_checkpoint_leaves_the_phones_but_still_accepts_a_check_in(api_as, seeded):
    guard, admin = api_as("guard"), api_as("admin")
    point = first_checkpoint(seeded)
    shift = start_shift(guard)
    admin.post(f"/admin/checkpoints/{point['id']}/active", data={"active": "0"})
    assert sites_checkpoint(guard.get("/api/v1/sites").json, point["id"]) is None

    answer = check_in(guard, shift, checkpoint_token=point["token"])
    assert answer.status_code == 201
    assert "inactive_checkpoint" in answer.json["flags"]


def test_a_deactivated_property_or_area_leaves_the_phones(api_as, seeded):
    guard, admin = api_as("guard"), api_as("admin")
    point = first_checkpoint(seeded)
    admin.post(f"/admin/properties/{point['property_id']}/active", data={"active": "0"})
    document = guard.get("/api/v1/sites").json
    assert point["property_id"] not in [p["id"] for p in document["areas"][0]["properties"]]
    admin.post(f"/admin/areas/{scalar(seeded, sa.select(Area.id))}/active", data={"active": "0"})
    assert guard.get("/api/v1/sites").json["areas"] == []


def test_a_guard_assigned_to_areas_gets_only_those(api_as, seeded):
    admin = api_as("admin")
    admin.post("/admin/areas/new", data={"name": "Rosengård", "city": "Malmö"})
    rosengard = scalar(seeded, sa.select(Area.id).where(Area.name == "Rosengård"))
    guard_id = scalar(seeded, sa.select(User.id).where(User.username == "guard"))
    answer = admin.post(
        f"/admin/users/{guard_id}",
        data={
            "username": "guard",
            "display_name": "Väktare Demo",
            "role": "guard",
            "area_ids": [str(rosengard)],
        },
    )
    assert answer.status_code == 302
    names = [a["name"] for a in api_as("guard").get("/api/v1/sites").json["areas"]]
    assert names == ["Rosengård"]
    everyone = [a["name"] for a in api_as("guard2").get("/api/v1/sites").json["areas"]]
    assert everyone == ["Rosengård", "Södra Sofielund"]
    supervisor = [a["name"] for a in api_as("supervisor").get("/api/v1/sites").json["areas"]]
    assert supervisor == ["Rosengård", "Södra Sofielund"]


def test_a_replaced_qr_code_flags_the_old_sticker_and_checks_in_with_the_new(api_as, seeded):
    guard, admin = api_as("guard"), api_as("admin")
    point = first_checkpoint(seeded)
    shift = start_shift(guard)
    old_hash = sites_checkpoint(guard.get("/api/v1/sites").json, point["id"])["token_sha256"]

    assert (
        admin.post(f"/admin/checkpoints/{point['id']}/rotate", data={"confirm": "yes"}).status_code
        == 302
    )
    new_token = scalar(seeded, sa.select(Checkpoint.token).where(Checkpoint.id == point["id"]))
    assert new_token != point["token"]
    assert count(seeded, RetiredToken, RetiredToken.token == point["token"]) == 1
    assert (
        sites_checkpoint(guard.get("/api/v1/sites").json, point["id"])["token_sha256"] != old_hash
    )

    old = check_in(guard, shift, checkpoint_token=point["token"])
    assert old.status_code == 201
    assert "retired_token" in old.json["flags"]
    assert old.json["checkpoint_id"] == point["id"]
    new = check_in(guard, shift, checkpoint_token=new_token)
    assert new.status_code == 201
    assert "retired_token" not in new.json["flags"]
    # The audit says the code changed, never what it was or is.
    audit = admin.get("/admin/audit").get_data(as_text=True)
    assert "QR-kod bytt" in audit
    assert point["token"] not in audit and new_token not in audit
    # The supervisor sees the flag in words on the shift log.
    assert count(seeded, CheckIn) == 2
    log = api_as("supervisor").get(f"/review/shifts/{shift}").get_data(as_text=True)
    assert "Gammal QR-kod: dekalens kod har bytts ut" in log


def test_stickers_pdf_holds_every_checkpoints_link(api_as, seeded):
    admin = api_as("admin")
    area_id = scalar(seeded, sa.select(Area.id))
    answer = admin.get(f"/admin/stickers.pdf?area={area_id}")
    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf"
    with seeded.app_context():
        tokens = set(db.session.scalars(sa.select(Checkpoint.token)))
    expected = {f"http://localhost/c/{token}" for token in tokens}
    assert pdf_page_count(answer.data) == -(-len(tokens) // 8)
    assert set(pdf_qr_texts(answer.data)) == expected


def test_stickers_use_the_public_url_and_chosen_checkpoints(api_as, seeded):
    seeded.config["PUBLIC_URL"] = "https://patrull.example.se/"
    admin = api_as("admin")
    with seeded.app_context():
        points = db.session.scalars(sa.select(Checkpoint).order_by(Checkpoint.id).limit(3)).all()
        ids, tokens = [p.id for p in points], [p.token for p in points]
    query = "&".join(f"checkpoint={i}" for i in ids[:2])
    answer = admin.get(f"/admin/stickers.pdf?{query}")
    assert sorted(pdf_qr_texts(answer.data)) == sorted(
        f"https://patrull.example.se/c/{t}" for t in tokens[:2]
    )
    prop = scalar(seeded, sa.select(Property.id).order_by(Property.id))
    by_property = admin.get(f"/admin/stickers.pdf?property={prop}")
    assert len(pdf_qr_texts(by_property.data)) == count(
        seeded, Checkpoint, Checkpoint.property_id == prop
    )


def test_stickers_without_a_choice_answer_a_clear_404(api_as, seeded):
    admin = api_as("admin")
    for query in ("", "area=abc", "checkpoint=99999999", "area=٣"):
        answer = admin.get(f"/admin/stickers.pdf?{query}")
        assert answer.status_code == 404, query
        assert "Inga aktiva kontrollpunkter valda" in answer.get_data(as_text=True)


def test_replace_qr_code_asks_first_and_says_the_old_sticker_stops_counting(api_as, seeded):
    """A stray tap must not retire the sticker on the wall (issue 21, point 8)."""
    admin, supervisor = api_as("admin"), api_as("supervisor")
    point = first_checkpoint(seeded)
    url = f"/admin/checkpoints/{point['id']}/rotate"
    page = admin.get(f"/admin/checkpoints/{point['id']}").get_data(as_text=True)
    assert f'href="{url}"' in page  # the button opens the question, it changes nothing
    question = admin.get(url)
    assert question.status_code == 200
    text = question.get_data(as_text=True)
    assert "slutar räknas för rundor" in text and "Ja, byt QR-koden" in text
    # A POST without the answer asks again and changes nothing.
    assert admin.post(url).status_code == 200
    assert (
        scalar(seeded, sa.select(Checkpoint.token).where(Checkpoint.id == point["id"]))
        == point["token"]
    )
    assert supervisor.get(url).status_code == 403
    assert admin.post(url, data={"confirm": "yes"}).status_code == 302
    assert (
        scalar(seeded, sa.select(Checkpoint.token).where(Checkpoint.id == point["id"]))
        != point["token"]
    )
