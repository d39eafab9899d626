"""PUT /api/v1/reports/<uuid> and its photos: idempotency, checks by content, metadata."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from patrol.db import db
from patrol.reports.images import strip_jpeg_metadata
from patrol.reports.models import Photo, Report
from patrol.sites.models import Property
from tests import factories
from tests.factories import new_id, start_shift
from tests.support.images import digest, jpeg_bytes, png_bytes


@pytest.fixture
def guard(api_as):
    return api_as("guard")


@pytest.fixture
def prop(seeded):
    with seeded.app_context():
        p = db.session.scalar(sa.select(Property).order_by(Property.id))
        return {"id": p.id, "checkpoint_id": p.checkpoints[0].id}


@pytest.fixture
def shift_id(guard):
    return start_shift(guard)


def report_body(shift_id, prop, photo_ids=(), **over):
    """The lighting report at the property's first checkpoint, with a position."""
    position = {"lat": 55.5871, "lon": 13.0147, "accuracy_m": 12}
    body = factories.report_body(
        shift_id, prop["id"], photo_ids=photo_ids, checkpoint_id=prop["checkpoint_id"], **position
    )
    return body | over  # any field, the property's too, as the test wants it


def put_photo(api, report_id, photo_id, data, content_type="image/jpeg", digest_header=None):
    headers = {"Content-Type": content_type}
    if digest_header is not False:
        headers["Content-Digest"] = digest_header or digest(data)
    return api.put(f"/api/v1/reports/{report_id}/photos/{photo_id}", data=data, headers=headers)


@pytest.fixture
def report_with_photo(guard, shift_id, prop):
    report_id, photo_id = new_id(), new_id()
    body = report_body(shift_id, prop, [photo_id])
    assert guard.put(f"/api/v1/reports/{report_id}", json=body).status_code == 201
    return report_id, photo_id


# --- reports ---------------------------------------------------------------------------------


def test_report_201_200_409_with_photo_ids_as_a_set(guard, shift_id, prop):
    report_id, a, b = new_id(), new_id(), new_id()
    body = report_body(shift_id, prop, [a, b])
    first = guard.put(f"/api/v1/reports/{report_id}", json=body)
    assert first.status_code == 201
    assert first.json["complete"] is False
    assert sorted(first.json["missing_photo_ids"]) == sorted([a, b])
    assert first.json["review_status"] == "new"
    swapped = dict(body, photo_ids=[b, a])
    assert guard.put(f"/api/v1/reports/{report_id}", json=swapped).status_code == 200
    no_checkpoint = report_body(shift_id, prop, [a, b])
    del no_checkpoint["description"]
    changed = guard.put(f"/api/v1/reports/{report_id}", json=no_checkpoint)
    assert changed.status_code == 409
    fewer = dict(body, photo_ids=[a])
    assert guard.put(f"/api/v1/reports/{report_id}", json=fewer).status_code == 409


def test_missing_optional_fields_equal_null(guard, shift_id, prop):
    report_id = new_id()
    body = report_body(shift_id, prop, checkpoint_id=None, lat=None, lon=None, accuracy_m=None)
    body["description"] = ""
    assert guard.put(f"/api/v1/reports/{report_id}", json=body).status_code == 201
    minimal = {k: body[k] for k in ("shift_id", "property_id", "category", "level", "occurred_at")}
    assert guard.put(f"/api/v1/reports/{report_id}", json=minimal).status_code == 200


def test_report_validation(guard, shift_id, prop):
    report_id = new_id()
    bad = report_body(shift_id, prop, category="ghosts", level="panic")
    response = guard.put(f"/api/v1/reports/{report_id}", json=bad)
    assert response.status_code == 422
    assert response.json["errors"]["category"][0].startswith("Måste vara ett av:")
    assert "level" in response.json["errors"]
    response = guard.put(
        f"/api/v1/reports/{report_id}",
        json=report_body(shift_id, prop, ["not-a-uuid", new_id()]),
    )
    assert response.json["errors"] == {"photo_ids.0": ["Inte ett giltigt UUID."]}
    response = guard.put(
        f"/api/v1/reports/{report_id}",
        json=report_body(shift_id, prop, [new_id() for _ in range(7)]),
    )
    assert response.json["errors"]["photo_ids"] == ["Högst 6 foton per rapport."]
    unknown = report_body(shift_id, prop, property_id=99999, checkpoint_id=None)
    response = guard.put(f"/api/v1/reports/{report_id}", json=unknown)
    assert response.json["errors"] == {"property_id": ["Okänd fastighet."]}


def test_checkpoint_must_belong_to_the_property(guard, shift_id, prop, seeded):
    with seeded.app_context():
        other = db.session.scalars(sa.select(Property).order_by(Property.id)).all()[1]
        foreign_checkpoint = other.checkpoints[0].id
    body = report_body(shift_id, prop, checkpoint_id=foreign_checkpoint)
    response = guard.put(f"/api/v1/reports/{new_id()}", json=body)
    assert response.status_code == 422 and "checkpoint_id" in response.json["errors"]


def test_report_read_access(api_as, report_with_photo):
    report_id, _ = report_with_photo
    assert api_as("guard").get(f"/api/v1/reports/{report_id}").status_code == 200
    assert api_as("guard2").get(f"/api/v1/reports/{report_id}").status_code == 403
    assert api_as("supervisor").get(f"/api/v1/reports/{report_id}").status_code == 200
    assert api_as("admin").get(f"/api/v1/reports/{report_id}").status_code == 200
    assert api_as("owner").get(f"/api/v1/reports/{report_id}").status_code == 403
    assert api_as("guard").get(f"/api/v1/reports/{new_id()}").status_code == 404


# --- photos ----------------------------------------------------------------------------------


def test_photo_201_then_200_then_409_and_report_completes(guard, report_with_photo, seeded):
    report_id, photo_id = report_with_photo
    data = jpeg_bytes(1600, 1200)
    first = put_photo(guard, report_id, photo_id, data)
    assert first.status_code == 201, first.json
    assert first.json["sha256"] == hashlib.sha256(data).hexdigest()
    assert (first.json["width"], first.json["height"]) == (1600, 1200)
    assert put_photo(guard, report_id, photo_id, data).status_code == 200
    other = jpeg_bytes(1600, 1200, color=(0, 0, 200))
    assert put_photo(guard, report_id, photo_id, other).status_code == 409
    report = guard.get(f"/api/v1/reports/{report_id}").json
    assert report["complete"] is True and report["missing_photo_ids"] == []
    # A metadata-free JPEG (what the phone's canvas makes) is stored byte for byte.
    full = guard.get(first.json["url"])
    assert full.status_code == 200 and full.data == data
    assert full.headers["Content-Type"] == "image/jpeg"
    thumb = guard.get(first.json["thumbnail_url"])
    assert max(Image.open(io.BytesIO(thumb.data)).size) == 320


def test_exif_and_gps_are_stripped_without_reencoding(guard, report_with_photo, seeded):
    report_id, photo_id = report_with_photo
    data = jpeg_bytes(1200, 900, exif_gps=True)
    assert Image.open(io.BytesIO(data)).getexif()  # the test image does carry EXIF
    response = put_photo(guard, report_id, photo_id, data)
    assert response.status_code == 201
    stored = guard.get(response.json["url"]).data
    assert response.json["sha256"] == hashlib.sha256(data).hexdigest()
    image = Image.open(io.BytesIO(stored))
    assert not image.getexif()
    assert b"Exif" not in stored[:4096]
    # Lossless: the image data after the header segments is untouched.
    assert stored == strip_jpeg_metadata(data)[0]


def test_exif_orientation_is_applied(guard, report_with_photo):
    report_id, photo_id = report_with_photo
    data = jpeg_bytes(800, 600, orientation=6)  # rotated 90 degrees on the camera
    response = put_photo(guard, report_id, photo_id, data)
    assert response.status_code == 201
    assert (response.json["width"], response.json["height"]) == (600, 800)
    assert not Image.open(io.BytesIO(guard.get(response.json["url"]).data)).getexif()


def test_png_is_accepted_by_content_even_when_labelled_jpeg(guard, report_with_photo):
    report_id, photo_id = report_with_photo
    response = put_photo(guard, report_id, photo_id, png_bytes(), content_type="image/jpeg")
    assert response.status_code == 201
    assert response.json["content_type"] == "image/png"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"hello, this is text and not a photo\n" * 10, "image/jpeg"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
            b'<rect width="10" height="10"/></svg>',
            "image/jpeg",
        ),
        (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "image/jpeg"),
        (None, "image/gif"),  # a real image of a type we do not take
        (None, "text/plain"),
    ],
)
def test_not_an_accepted_image_is_415(guard, report_with_photo, body, content_type):
    report_id, photo_id = report_with_photo
    if body is None:
        out = io.BytesIO()
        Image.new("RGB", (10, 10)).save(out, "GIF" if content_type == "image/gif" else "PNG")
        body = out.getvalue()
    response = put_photo(guard, report_id, photo_id, body, content_type=content_type)
    assert response.status_code == 415
    assert response.json["error"] == "unsupported_media_type"
    assert response.json["message"]


def test_truncated_jpeg_is_422_and_nothing_is_stored(guard, report_with_photo, seeded):
    report_id, photo_id = report_with_photo
    data = jpeg_bytes(1200, 900)
    truncated = data[: len(data) // 2]
    response = put_photo(guard, report_id, photo_id, truncated)
    assert response.status_code == 422
    assert response.json["error"] == "damaged_image"
    assert_nothing_stored(seeded)


def test_decompression_bomb_is_413_and_nothing_is_stored(guard, report_with_photo, seeded):
    report_id, photo_id = report_with_photo
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")  # 400 megapixels in a few kilobytes
    bomb = out.getvalue()
    assert len(bomb) < 200_000
    response = put_photo(guard, report_id, photo_id, bomb, content_type="image/png")
    assert response.status_code == 413
    assert "megapixlar" in response.json["message"]
    assert_nothing_stored(seeded)


def test_forty_megapixels_exactly_is_allowed_one_row_more_is_413(guard, seeded, shift_id, prop):
    report_id, ok_id, big_id = new_id(), new_id(), new_id()
    body = report_body(shift_id, prop, [ok_id, big_id])
    assert guard.put(f"/api/v1/reports/{report_id}", json=body).status_code == 201

    def png(width, height):
        out = io.BytesIO()
        Image.new("L", (width, height)).save(out, "PNG")
        return out.getvalue()

    assert put_photo(guard, report_id, ok_id, png(8000, 5000), "image/png").status_code == 201
    assert put_photo(guard, report_id, big_id, png(8000, 5001), "image/png").status_code == 413


def test_digest_missing_malformed_or_wrong_is_400(guard, report_with_photo, seeded):
    report_id, photo_id = report_with_photo
    data = jpeg_bytes()
    missing = put_photo(guard, report_id, photo_id, data, digest_header=False)
    assert missing.status_code == 400 and missing.json["error"] == "digest_missing"
    malformed = put_photo(guard, report_id, photo_id, data, digest_header="sha-256=abc")
    assert malformed.status_code == 400 and malformed.json["error"] == "digest_invalid"
    wrong = put_photo(guard, report_id, photo_id, data, digest_header=digest(data + b"x"))
    assert wrong.status_code == 400 and wrong.json["error"] == "digest_mismatch"
    assert "kontrollsumman" in wrong.json["message"]
    # Several algorithms in one header: the sha-256 one counts.
    both = f"sha-512=:{'A' * 88}:, {digest(data)}"
    assert put_photo(guard, report_id, photo_id, data, digest_header=both).status_code == 201


def test_oversized_body_is_413(guard, report_with_photo, seeded):
    report_id, photo_id = report_with_photo
    big = b"\xff\xd8" + b"\0" * (15 * 1024 * 1024)
    response = put_photo(guard, report_id, photo_id, big)
    assert response.status_code == 413
    assert response.json["error"] == "too_large"
    assert_nothing_stored(seeded)


def test_photo_before_its_report_is_404_and_unlisted_photo_is_422(guard, report_with_photo):
    report_id, _ = report_with_photo
    data = jpeg_bytes()
    early = put_photo(guard, new_id(), new_id(), data)
    assert early.status_code == 404
    assert early.json["message"] == "Rapporten har inte kommit fram än. Skicka rapporten först."
    unlisted = put_photo(guard, report_id, new_id(), data)
    assert unlisted.status_code == 422 and "photo_id" in unlisted.json["errors"]


def test_photo_access_matrix(api_as, report_with_photo, seeded):
    report_id, photo_id = report_with_photo
    guard = api_as("guard")
    created = put_photo(guard, report_id, photo_id, jpeg_bytes())
    url = created.json["url"]
    other = api_as("guard2")
    assert put_photo(other, report_id, photo_id, jpeg_bytes()).status_code == 403
    assert other.get(url).status_code == 403
    assert api_as("owner").get(url).status_code == 403
    assert api_as("supervisor").get(url).status_code == 200
    assert api_as("admin").get(url + "?size=thumb").status_code == 200
    assert seeded.test_client().get(url).status_code == 401
    assert guard.get(url.replace(photo_id, new_id())).status_code == 404


def test_photo_files_are_never_under_static(guard, report_with_photo, seeded):
    report_id, photo_id = report_with_photo
    put_photo(guard, report_id, photo_id, jpeg_bytes())
    static = Path(seeded.static_folder)
    assert not list(static.rglob(f"*{photo_id}*"))


def assert_nothing_stored(app):
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Photo)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) >= 1
    photo_dir = Path(app.config["PHOTO_DIR"])
    assert not [p for p in photo_dir.rglob("*") if p.is_file()]


def test_ids_beyond_the_database_range_are_422_not_500(guard, shift_id, prop):
    huge = report_body(shift_id, prop, property_id=2**63, checkpoint_id=None)
    response = guard.put(f"/api/v1/reports/{new_id()}", json=huge)
    assert response.status_code == 422
    assert "property_id" in response.json["errors"]
    as_text = report_body(shift_id, prop, property_id="12")
    assert guard.put(f"/api/v1/reports/{new_id()}", json=as_text).status_code == 422
