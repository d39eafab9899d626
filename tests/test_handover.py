"""The shift's hand-over (issue 23, point 7): the guard ending a shift writes what the next
shift in the same area must know (the end-of-shift note, with photos); the next guard's phone
gets it in the sites document; "Läst" is a record (an idempotent PUT); the desk lists the
hand-overs not read. Owners and guards of other areas never get one; retention and
export-person cover the text and the photos."""

from __future__ import annotations

import json
import uuid
import zipfile
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from patrol.auth.models import User
from patrol.db import db, set_clock
from patrol.handover.models import HandoverPhoto
from patrol.reports.storage import photo_store
from patrol.shifts.models import Shift
from patrol.sites.models import Area
from tests.factories import new_id
from tests.support.areas import other_area_and_assignment
from tests.support.images import digest, jpeg_bytes
from tests.support.review import login_page_client

NOTE = "Porten på Jespersgatan 6 stänger inte, vaktmästaren vet. Hunden i källaren är bortrest."


def areas_of(app) -> tuple[int, int]:
    """(the demo area, Rosengård): the guard is assigned to the demo area only."""
    other_area_and_assignment(app)
    with app.app_context():
        home, other = db.session.scalars(sa.select(Area.id).order_by(Area.id)).all()[:2]
    return home, other


def assign(app, username: str, area_id: int) -> None:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        user.areas = [db.session.get(Area, area_id)]
        db.session.commit()


def shift_with_handover(api, area_id: int, note: str | None = NOTE, photos: int = 0) -> str:
    """A shift started an hour ago in the area and ended now with the note (and photos)."""
    shift_id = new_id()
    started = datetime.now(UTC) - timedelta(hours=1)
    body = {"started_at": started.isoformat(), "area_id": area_id}
    assert api.put(f"/api/v1/shifts/{shift_id}", json=body).status_code == 201
    end = body | {"ended_at": datetime.now(UTC).isoformat(), "note": note}
    response = api.put(f"/api/v1/shifts/{shift_id}", json=end)
    assert response.status_code == 200, response.json
    for n in range(photos):
        response = put_handover_photo(api, shift_id, new_id(), jpeg_bytes(color=(20 * n, 90, 90)))
        assert response.status_code == 201, response.json
    return shift_id


def put_handover_photo(api, shift_id: str, photo_id: str, data: bytes):
    return api.put(
        f"/api/v1/shifts/{shift_id}/handover/photos/{photo_id}",
        data=data,
        headers={"Content-Type": "image/jpeg", "Content-Digest": digest(data)},
    )


def handovers_for(api) -> list[dict]:
    response = api.get("/api/v1/sites")
    assert response.status_code == 200
    return response.json["handovers"]


def read(api, handover_shift_id: str, read_id: str | None = None, **extra):
    body = {"handover_shift_id": handover_shift_id, "read_at": datetime.now(UTC).isoformat()}
    return api.put(f"/api/v1/handover-reads/{read_id or new_id()}", json=body | extra)


def test_the_handover_travels_to_the_next_shift_in_the_same_area_only(seeded, api_as):
    home, other = areas_of(seeded)
    assign(seeded, "guard2", other)
    guard, guard2 = api_as("guard"), api_as("guard2")
    shift_id = shift_with_handover(guard, home, photos=1)

    # A guard of another area never gets it; nor does an owner (nor the desk's owners' portal).
    assert handovers_for(guard2) == []
    assert handovers_for(api_as("owner")) == []
    # The next guard in the same area gets it with the sites document, photos and all.
    assign(seeded, "guard2", home)
    [handover] = handovers_for(guard2)
    assert handover["shift_id"] == shift_id and handover["area_id"] == home
    assert handover["text"] == NOTE and handover["guard_name"]
    [photo] = handover["photos"]
    image = guard2.get(photo["url"])
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    # ... and a guard of the other area may not fetch its photo either.
    assign(seeded, "guard2", other)
    assert guard2.get(photo["url"]).status_code == 403
    assert api_as("owner").get(photo["url"]).status_code == 403
    assign(seeded, "guard2", home)

    # A shift ended in the other area hands over to that area, not to this one.
    supervisor = api_as("supervisor")
    other_shift = shift_with_handover(supervisor, other, note="Larmet i Rosengård är ur funktion.")
    assert [h["shift_id"] for h in handovers_for(guard2)] == [shift_id]
    assert {h["shift_id"] for h in handovers_for(supervisor)} == {shift_id, other_shift}

    # An end without a note or photos hands nothing over; a shift with no area neither.
    shift_with_handover(guard, home, note=None)
    with seeded.app_context():
        db.session.execute(
            sa.update(Shift).where(Shift.id == uuid.UUID(other_shift)).values(area_id=None)
        )
        db.session.commit()
    assert [h["shift_id"] for h in handovers_for(supervisor)] == [shift_id]

    # Read: it leaves every phone's document, the next shift's after it included.
    assert read(guard2, shift_id).status_code == 201
    assert handovers_for(guard2) == [] and handovers_for(guard) == []


def test_lasst_is_an_idempotent_record(seeded, api_as):
    home, other = areas_of(seeded)
    guard, guard2 = api_as("guard"), api_as("guard2")
    assign(seeded, "guard2", home)
    shift_id = shift_with_handover(guard, home)
    read_id, at = new_id(), datetime.now(UTC).isoformat()
    body = {"handover_shift_id": shift_id, "read_at": at}

    first = guard2.put(f"/api/v1/handover-reads/{read_id}", json=body)
    assert first.status_code == 201, first.json
    # The phone sends it again after a lost answer: the same record, once.
    again = guard2.put(f"/api/v1/handover-reads/{read_id}", json=body)
    assert again.status_code == 200 and again.json["id"] == read_id
    # Other content under the same id is a conflict; another user's id is not theirs.
    later = body | {"read_at": (datetime.now(UTC) + timedelta(minutes=1)).isoformat()}
    assert guard2.put(f"/api/v1/handover-reads/{read_id}", json=later).status_code == 409
    assert guard.put(f"/api/v1/handover-reads/{read_id}", json=body).status_code == 403
    with seeded.app_context():
        count = db.session.scalar(sa.text("SELECT count(*) FROM handover_reads"))
    assert count == 1

    # What cannot be read: no such hand-over (422, nothing stored), another area's (403).
    missing = read(guard2, new_id())
    assert missing.status_code == 422 and "handover_shift_id" in missing.json["errors"]
    quiet = shift_with_handover(guard, home, note="")
    assert read(guard2, quiet).status_code == 422
    assign(seeded, "guard2", other)
    fresh = shift_with_handover(guard, home)
    assert read(guard2, fresh).status_code == 403
    assert read(guard2, shift_id, shift_id="nonsense").status_code == 422


def test_the_desk_lists_the_handovers_not_read(seeded, api_as):
    home, _other = areas_of(seeded)
    guard, guard2 = api_as("guard"), api_as("guard2")
    assign(seeded, "guard2", home)
    shift_id = shift_with_handover(guard, home, photos=1)
    boss = login_page_client(seeded, "supervisor")

    page = boss.get("/review/handovers").get_data(as_text=True)
    waiting = page.split('id="handovers-waiting"')[1].split('id="handovers-read"')[0]
    assert NOTE in waiting and f'data-shift="{shift_id}"' in waiting
    assert "/handover/photos/" in waiting
    # The desk's menu counts them on every page (Natten, Just nu, ...).
    assert 'class="badge warn">1<' in boss.get("/review/now").get_data(as_text=True)

    assert read(guard2, shift_id).status_code == 201
    page = boss.get("/review/handovers").get_data(as_text=True)
    waiting, done = page.split('id="handovers-waiting"')[1].split('id="handovers-read"')
    assert NOTE not in waiting and f'data-shift="{shift_id}"' not in waiting
    assert "guard2" in done
    # Guards and owners never see the desk's list.
    assert login_page_client(seeded, "owner").get("/review/handovers").status_code in (302, 403)


def test_handover_photos_are_checked_like_report_photos(seeded, api_as):
    home, _other = areas_of(seeded)
    guard, guard2 = api_as("guard"), api_as("guard2")
    shift_id = shift_with_handover(guard, home)
    photo_id, data = new_id(), jpeg_bytes()
    assert put_handover_photo(guard, shift_id, photo_id, data).status_code == 201
    # Sent again (a lost answer): the same photo, 200; other bytes under its id: 409.
    assert put_handover_photo(guard, shift_id, photo_id, data).status_code == 200
    assert (
        put_handover_photo(guard, shift_id, photo_id, jpeg_bytes(color=(1, 2, 3))).status_code
        == 409
    )
    # Only the shift's own guard adds photos; a shift not arrived yet is 404; a torn body 400.
    assert put_handover_photo(guard2, shift_id, new_id(), data).status_code == 403
    assert put_handover_photo(guard, new_id(), new_id(), data).status_code == 404
    torn = guard.put(
        f"/api/v1/shifts/{shift_id}/handover/photos/{new_id()}",
        data=data[:-10],
        headers={"Content-Type": "image/jpeg", "Content-Digest": digest(data)},
    )
    assert torn.status_code == 400 and torn.json["error"] == "digest_mismatch"
    for n in range(5):
        assert (
            put_handover_photo(guard, shift_id, new_id(), jpeg_bytes(color=(n, 9, 9))).status_code
            == 201
        )
    seventh = put_handover_photo(guard, shift_id, new_id(), jpeg_bytes(color=(99, 9, 9)))
    assert seventh.status_code == 422 and "photo_id" in seventh.json["errors"]


def test_retention_and_export_person_cover_handover_texts_and_photos(seeded, api_as, tmp_path):
    home, _other = areas_of(seeded)
    guard, guard2 = api_as("guard"), api_as("guard2")
    assign(seeded, "guard2", home)
    shift_id = shift_with_handover(guard, home, photos=1)
    assert read(guard2, shift_id).status_code == 201

    output = tmp_path / "guard.zip"
    result = seeded.test_cli_runner().invoke(
        args=["export-person", "guard", "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    with seeded.app_context():
        photo = db.session.scalar(sa.select(HandoverPhoto))
        key, thumb = photo.storage_key, photo.thumbnail_key
        stored = photo_store().path(key).read_bytes()
    with zipfile.ZipFile(output) as archive:
        data = json.loads(archive.read("person.json"))
        [exported] = data["handover_photos"]
        assert archive.read(exported["file"]) == stored
    assert data["shifts"][0]["note"] == NOTE
    reader = tmp_path / "guard2.zip"
    seeded.test_cli_runner().invoke(args=["export-person", "guard2", "--output", str(reader)])
    with zipfile.ZipFile(reader) as archive:
        assert [
            r["handover_shift_id"]
            for r in json.loads(archive.read("person.json"))["handovers_read"]
        ] == [shift_id]

    # A year and more later: the photo (180 days) and the text (365 days) are gone.
    set_clock(seeded, datetime.now(UTC) + timedelta(days=400))
    result = seeded.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HandoverPhoto)) == 0
        assert db.session.get(Shift, uuid.UUID(shift_id)).note is None
        assert not photo_store().exists(key) and not photo_store().exists(thumb)


def test_a_signed_shift_forgets_its_handover_text_with_the_report_texts_period(seeded, api_as):
    """A night's signed record holds the shift with its note: the leaf's content is erased when
    the note's retention period ends, as the purge erases the note (architecture: the night
    as evidence)."""
    from patrol.evidence.snapshot import forget_at

    home, _other = areas_of(seeded)
    guard = api_as("guard")
    with_note = shift_with_handover(guard, home)
    without = shift_with_handover(guard, home, note=None)
    with seeded.app_context():
        shift = db.session.get(Shift, uuid.UUID(with_note))
        period = timedelta(days=seeded.config["RETENTION_REPORT_TEXTS_DAYS"])
        assert forget_at("shift", shift) == shift.ended_received_at + period
        assert forget_at("shift", db.session.get(Shift, uuid.UUID(without))) is None
