"""GPS never survives in the JPEG layouts cameras write (issue 22, point 3): a multi-picture
file (the photo, then a second image with its own EXIF after the first image's end) and a
progressive JPEG with an APP1 segment between its scans. Built with Pillow and byte surgery,
uploaded as a guard's report photo and as the day crew's completion photo; neither the stored
bytes nor any image an owner can download holds EXIF or a position."""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from PIL import Image

from patrol.auth.models import User
from patrol.db import db
from patrol.owners.models import WorkOrderPhoto
from patrol.reports.images import clean_photo
from patrol.reports.models import Photo, Report
from patrol.reports.storage import photo_store
from patrol.review import actions
from tests.support.app import Api
from tests.support.images import digest
from tests.support.owners import build_world, login_page

# The camera's name and a position in Malmö: neither may reach the store.
CAMERA = b"GPS-CAMERA-MODEL-X"


def gps_exif() -> bytes:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (55.0, 35.0, 12.0), 3: "E", 4: (13.0, 0.0, 53.0)}
    exif[0x0110] = CAMERA.decode()
    return exif.tobytes()


def picture(color, **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(out, "JPEG", quality=85, **save)
    return out.getvalue()


def multi_picture() -> bytes:
    """The photo (with GPS), then a second image with its own GPS after the first's EOI."""
    return picture((200, 30, 30), exif=gps_exif()) + picture((30, 30, 200), exif=gps_exif())


def pillow_mpo() -> bytes:
    """A multi-picture file as Pillow writes one (APP2 MPF index, two images, GPS in both)."""
    out = io.BytesIO()
    first = Image.new("RGB", (320, 240), (200, 30, 30))
    second = Image.new("RGB", (320, 240), (30, 30, 200))
    first.save(out, "MPO", save_all=True, append_images=[second], exif=gps_exif())
    return out.getvalue()


def app1(payload: bytes) -> bytes:
    return b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload


def progressive_with_app1_between_scans() -> bytes:
    """A progressive JPEG without metadata up front, and an EXIF APP1 with GPS (and a COM)
    before its second scan."""
    data = picture((30, 160, 30), progressive=True)
    scans = [m.start() for m in re.finditer(b"\xff\xda", data)]
    assert len(scans) > 2, "Pillow wrote no progressive scans"
    at = scans[1]
    comment = b"\xff\xfe" + (len(CAMERA) + 2).to_bytes(2, "big") + CAMERA
    return data[:at] + app1(b"Exif\x00\x00" + gps_exif()) + comment + data[at:]


LAYOUTS = {
    "multi-picture": multi_picture,
    "Pillow MPO": pillow_mpo,
    "APP1 between progressive scans": progressive_with_app1_between_scans,
}


def assert_no_metadata(data: bytes, what: str) -> None:
    assert data[:2] == b"\xff\xd8", what
    assert b"Exif" not in data and CAMERA not in data, what
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG", (what, image.format)
    assert 0x8825 not in image.getexif(), what
    # Only the first image: one end-of-image marker, at the end.
    assert data.rstrip(b"\x00").endswith(b"\xff\xd9") and data.count(b"\xff\xd9") == 1, what
    image.load()  # the photo itself is whole


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_the_layouts_really_carry_gps_to_the_cleaner(layout):
    data = LAYOUTS[layout]()
    assert data.count(b"Exif\x00\x00") >= 1 and CAMERA in data
    clean = clean_photo(data, max_pixels=40_000_000, thumbnail_edge=320)
    assert clean.content_type == "image/jpeg" and (clean.width, clean.height) == (320, 240)
    assert_no_metadata(clean.data, layout)
    # The first image's pixels: red for the multi-picture files, green for the progressive one.
    red, green, _blue = Image.open(io.BytesIO(clean.data)).convert("RGB").getpixel((10, 10))
    assert (red > 150) if "progressive" not in layout else (green > 120)


def stored_bytes(app, key: str) -> bytes:
    with app.app_context():
        return photo_store().read(key)


def test_no_gps_in_the_store_or_anything_an_owner_downloads(seeded):
    world = build_world(seeded)
    guard = Api(seeded)
    assert guard.login("guard").status_code == 200
    shift_id = str(uuid.uuid4())
    started = datetime.now(UTC) - timedelta(hours=1)
    assert (
        guard.put(
            f"/api/v1/shifts/{shift_id}", json={"started_at": started.isoformat()}
        ).status_code
        == 201
    )
    owner = seeded.test_client()
    login_page(owner, "owner")
    crew = seeded.test_client()
    login_page(crew, "crew")
    for n, (layout, build) in enumerate(sorted(LAYOUTS.items())):
        data = build()
        report_id, photo_id = str(uuid.uuid4()), str(uuid.uuid4())
        response = guard.put(
            f"/api/v1/reports/{report_id}",
            json={
                "shift_id": shift_id,
                "property_id": world["prop_a"],
                "category": "lighting",
                "level": "preventive",
                "description": f"Foto {n}",
                "occurred_at": (started + timedelta(minutes=10 + n)).isoformat(),
                "photo_ids": [photo_id],
            },
        )
        assert response.status_code == 201, response.json
        response = guard.put(
            f"/api/v1/reports/{report_id}/photos/{photo_id}",
            data=data,
            headers={"Content-Type": "image/jpeg", "Content-Digest": digest(data)},
        )
        assert response.status_code == 201, (layout, response.json)
        with seeded.app_context():
            photo = db.session.get(Photo, uuid.UUID(photo_id))
            assert_no_metadata(photo_store().read(photo.storage_key), f"stored {layout}")
            supervisor = db.session.get(User, world["supervisor"])
            report = db.session.get(Report, uuid.UUID(report_id))
            actions.approve(report, supervisor, "", f"Godkänd {n}")
            order = actions.create_work_order(report, supervisor, f"Åtgärda {n}", "", "normal")
            order_id = order.id
        for url in (f"/owner/photos/{photo_id}", f"/owner/photos/{photo_id}?size=thumb"):
            download = owner.get(url)
            assert download.status_code == 200, url
            assert_no_metadata(download.data, f"{layout} {url}")

        # The day crew's completion photo, straight from the camera.
        page = crew.get("/crew/").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        done = crew.post(
            f"/crew/work-orders/{order_id}/done",
            data={"csrf_token": token, "note": "Klart", "photo": (io.BytesIO(data), "IMG.jpg")},
            content_type="multipart/form-data",
        )
        assert done.status_code == 302, (layout, done.get_data(as_text=True)[:300])
        with seeded.app_context():
            stored = db.session.get(WorkOrderPhoto, order_id)
            for key in (stored.storage_key, stored.thumbnail_key):
                assert_no_metadata(photo_store().read(key), f"crew {layout} {key}")
        for url in (
            f"/owner/work-orders/{order_id}/photo",
            f"/owner/work-orders/{order_id}/photo?size=thumb",
        ):
            download = owner.get(url)
            assert download.status_code == 200, url
            assert_no_metadata(download.data, f"{layout} {url}")
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WorkOrderPhoto)) >= 3
