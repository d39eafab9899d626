"""The day crew's phone page /crew/: open work orders of the crew user's areas, "done" with a
note and a photo, and the owner seeing who fixed it and when."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from PIL import Image

from patrol.auth.models import User
from patrol.db import db, set_clock
from patrol.owners.models import WorkOrderPhoto
from patrol.reports.models import Photo
from patrol.review.models import WorkOrder
from patrol.sites.models import Area
from tests.support.images import jpeg_bytes
from tests.support.owners import build_world, login_page

FIXED_AT = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def crew_client(app):
    client = app.test_client()
    login_page(client, "crew")
    return client


def token_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_crew_sees_open_orders_and_marks_one_done_with_a_photo(seeded):
    world = build_world(seeded)
    client = crew_client(seeded)
    page = client.get("/crew/").get_data(as_text=True)
    assert "Byt lysrör i entrén" in page and "Laga dörr" in page
    assert "Sanera klotter" not in page  # done already
    assert 'capture="environment"' in page
    set_clock(seeded, FIXED_AT)
    response = client.post(
        f"/crew/work-orders/{world['a_order']}/done",
        data={
            "csrf_token": token_of(page),
            "note": "Lysröret bytt",
            "photo": (io.BytesIO(jpeg_bytes(color=(200, 200, 40))), "lampa.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with seeded.app_context():
        order = db.session.get(WorkOrder, world["a_order"])
        assert order.status == "done" and order.done_note == "Lysröret bytt"
        assert order.done_at == FIXED_AT and order.done_by_id == world["crew"]
        assert db.session.get(WorkOrderPhoto, order.id) is not None
    # The owner sees who fixed it, when, and the photo of the repair.
    owner = seeded.test_client()
    login_page(owner, "owner")
    report = owner.get(f"/owner/reports/{world['a_lamp']}").get_data(as_text=True)
    # Owners see the role, never the crew member's name (issue 22, point 9).
    assert "Åtgärdad 2026-11-24 10:30 av Dagpersonalen" in report
    assert "Dagpersonal Demo" not in report
    photo = owner.get(f"/owner/work-orders/{world['a_order']}/photo?size=thumb")
    assert photo.status_code == 200 and photo.data[:2] == b"\xff\xd8"
    # Done twice: refused, nothing changes.
    again = client.post(
        f"/crew/work-orders/{world['a_order']}/done",
        data={"csrf_token": token_of(page), "note": "igen"},
    )
    assert again.status_code == 409
    with seeded.app_context():
        assert db.session.get(WorkOrder, world["a_order"]).done_note == "Lysröret bytt"


def test_a_bad_photo_or_no_note_changes_nothing(seeded):
    world = build_world(seeded)
    client = crew_client(seeded)
    token = token_of(client.get("/crew/").get_data(as_text=True))
    url = f"/crew/work-orders/{world['a_order']}/done"
    no_note = client.post(url, data={"csrf_token": token, "note": "  "})
    assert no_note.status_code == 422
    assert "Skriv en anteckning." in no_note.get_data(as_text=True)
    not_image = client.post(
        url,
        data={"csrf_token": token, "note": "Bytt", "photo": (io.BytesIO(b"not an image"), "x.jpg")},
        content_type="multipart/form-data",
    )
    assert not_image.status_code == 422
    assert 'value="Bytt"' in not_image.get_data(as_text=True)  # the note is kept
    no_csrf = client.post(url, data={"note": "Bytt"})
    assert no_csrf.status_code == 403
    with seeded.app_context():
        assert db.session.get(WorkOrder, world["a_order"]).status == "open"


def test_crew_sees_only_its_areas_and_only_crew_gets_in(seeded):
    world = build_world(seeded)
    with seeded.app_context():
        other = Area(name="Annat område", city="Malmö")
        db.session.add(other)
        db.session.flush()
        crew = db.session.get(User, world["crew"])
        crew.areas = [other]
        db.session.commit()
    client = crew_client(seeded)
    page = client.get("/crew/").get_data(as_text=True)
    assert "Byt lysrör i entrén" not in page
    token = token_of(page)
    refused = client.post(
        f"/crew/work-orders/{world['a_order']}/done", data={"csrf_token": token, "note": "x"}
    )
    assert refused.status_code == 404
    assert client.get(f"/crew/photos/{world['a_lamp_photo']}").status_code == 404
    for username in ("guard", "owner", "supervisor"):
        other_client = seeded.test_client()
        login_page(other_client, username)
        assert other_client.get("/crew/").status_code == 403
    assert seeded.test_client().get("/crew/").status_code == 302


def test_a_report_photo_whose_thumbnail_is_still_queued_shows_on_the_crew_page(seeded):
    """A guard's photo is answered before its thumbnail exists (the thumbnail is queued); the
    crew's page asks for the thumbnail and must get one, made by that first read."""
    world = build_world(seeded)
    photo_id = world["a_lamp_photo"]
    with seeded.app_context():
        photo = db.session.get(Photo, photo_id)
        photo.thumbnail_key = None  # as it is between the upload's answer and the worker
        db.session.commit()
    client = crew_client(seeded)
    assert f"/crew/photos/{photo_id}" in client.get("/crew/").get_data(as_text=True)
    response = client.get(f"/crew/photos/{photo_id}")
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "image/jpeg" and response.data[:2] == b"\xff\xd8"
    assert Image.open(io.BytesIO(response.data)).size[0] <= seeded.config["THUMBNAIL_EDGE"]
    with seeded.app_context():
        assert db.session.get(Photo, photo_id).thumbnail_key is not None


def test_owners_see_the_name_the_admin_set_for_owners_or_else_the_role(seeded):
    """Issue 22, point 9: "Namn som ägare ser" on the user's page decides what owners see for
    who closed a work order; without it they see "Dagpersonalen", never the person's name."""
    world = build_world(seeded)
    owner = seeded.test_client()
    login_page(owner, "owner")
    url = f"/owner/properties/{world['prop_a']}"
    page = owner.get(url).get_data(as_text=True)
    assert "av Dagpersonalen" in page and "Dagpersonal Demo" not in page
    admin = seeded.test_client()
    login_page(admin, "admin")
    form = admin.get(f"/admin/users/{world['crew']}").get_data(as_text=True)
    assert "Namn som ägare ser" in form
    response = admin.post(
        f"/admin/users/{world['crew']}",
        data={
            "csrf_token": token_of(form),
            "username": "crew",
            "display_name": "Dagpersonal Demo",
            "owner_visible_name": "Fastighetsskötare Kim",
            "role": "crew",
            "language": "sv",
        },
    )
    assert response.status_code in (200, 302), response.get_data(as_text=True)[:500]
    with seeded.app_context():
        assert db.session.get(User, world["crew"]).owner_visible_name == "Fastighetsskötare Kim"
    page = owner.get(url).get_data(as_text=True)
    assert "av Fastighetsskötare Kim" in page and "Dagpersonal Demo" not in page
