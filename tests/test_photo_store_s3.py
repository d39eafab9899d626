"""The S3 photo store (PATROL_PHOTO_STORE=s3) against a real SeaweedFS cluster on loopback
(tests/support/seaweedfs.py: master, three volume servers with replication 001, filer, S3
gateway): uploads, serving, the store down (503 + Retry-After, nothing half-stored), `photos
move` between all three stores, the purge, `export-person`, the backup and its restore, and
the configuration check. Two app hosts with a volume server killed mid-sync are in
tests/browser/test_s3_two_hosts.py."""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from PIL import Image

from patrol.configcheck import check
from patrol.db import db, engine_of, set_clock
from patrol.reports import storage
from patrol.reports.models import Photo
from patrol.sites.models import Property
from tests.factories import new_id, put_photo, put_report, start_shift
from tests.support.app import fresh_database, make_test_app
from tests.support.hosts import free_port
from tests.support.images import jpeg_bytes


def use_store(app, name: str, **config) -> None:
    app.config.update(config, PHOTO_STORE=name)
    storage.init_app(app)


@pytest.fixture
def guard(api_as):
    return api_as("guard")


@pytest.fixture
def s3_app(seeded, s3_photos):
    use_store(seeded, "s3", **s3_photos.config)
    return seeded


@pytest.fixture
def new_report(guard, seeded):
    with seeded.app_context():
        property_id = db.session.scalar(sa.select(Property.id).order_by(Property.id))
    shift_id = start_shift(guard)

    def make(count: int = 1):
        photo_ids = [new_id() for _ in range(count)]
        report_id = put_report(
            guard, shift_id, property_id, photo_ids=photo_ids, category="graffiti"
        )
        return report_id, photo_ids

    return make


def stored_files(app) -> list:
    from pathlib import Path

    return [p for p in Path(app.config["PHOTO_DIR"]).rglob("*") if p.is_file()]


def test_s3_store_keeps_the_bytes_with_their_digest_and_serves_them(
    s3_app, s3_photos, guard, new_report
):
    report_id, (photo_id,) = new_report()
    data = jpeg_bytes(1600, 1200)
    answer = put_photo(guard, report_id, photo_id, data)
    assert answer.status_code == 201, answer.json
    sha256 = answer.json["sha256"]
    key = f"{report_id}/{photo_id}-{sha256[:16]}.jpg"
    assert s3_photos.keys() == {key} and stored_files(s3_app) == []
    assert s3_photos.read(key) == data
    assert s3_photos.metadata(key) == {"sha256": hashlib.sha256(data).hexdigest()}

    # Sent again (the answer was lost): 200; other bytes under the same id: 409, and the
    # loser's object is not left behind.
    assert put_photo(guard, report_id, photo_id, data).status_code == 200
    other = jpeg_bytes(1600, 1200, (0, 0, 99))
    assert put_photo(guard, report_id, photo_id, other).status_code == 409
    assert s3_photos.keys() == {key}

    full = guard.get(answer.json["url"])
    assert full.status_code == 200 and full.data == data
    assert full.headers["Content-Type"] == "image/jpeg"
    assert full.headers["Cache-Control"] == "private, max-age=86400, immutable"
    etag = full.headers["ETag"]
    assert guard.get(answer.json["url"], headers={"If-None-Match": etag}).status_code == 304
    part = guard.get(answer.json["url"], headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == data[100:200]

    thumb = guard.get(answer.json["thumbnail_url"])  # queued, made by this read, into S3
    assert thumb.status_code == 200 and max(Image.open(io.BytesIO(thumb.data)).size) == 320
    assert s3_photos.keys() == {key, key.replace(".jpg", ".thumb.jpg")}


class CountingHashlib:
    """Stands in for the store module's `hashlib`: counts the SHA-256 it computes."""

    def __init__(self):
        self.calls = 0

    def sha256(self, data=b""):
        self.calls += 1
        return hashlib.sha256(data)


@pytest.mark.parametrize("store", ["database", "s3"])
def test_a_photo_kept_byte_for_byte_is_not_hashed_again_by_the_store(
    seeded, s3_photos, guard, new_report, monkeypatch, store
):
    """The route verified the body's Content-Digest; a JPEG kept as sent is stored with that
    digest. A JPEG whose metadata was stripped is different bytes and is hashed by the store."""
    use_store(seeded, store, **s3_photos.config)
    counting = CountingHashlib()
    monkeypatch.setattr(storage, "hashlib", counting)
    report_id, (kept_id, stripped_id) = new_report(2)
    kept = jpeg_bytes(1200, 900)
    answer = put_photo(guard, report_id, kept_id, kept)
    assert answer.status_code == 201, answer.json
    assert counting.calls == 0
    with seeded.app_context():
        assert storage.read_photo(db.session.get(Photo, uuid.UUID(kept_id)).storage_key) == kept

    image = Image.new("RGB", (1200, 900), (10, 120, 30))
    exif = image.getexif()
    exif[0x010F] = "Phone maker"  # an APP1 segment, which the upload removes
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    answer = put_photo(guard, report_id, stripped_id, out.getvalue())
    assert answer.status_code == 201, answer.json
    assert counting.calls == 1  # the stripped copy's own digest
    with seeded.app_context():
        photo = db.session.get(Photo, uuid.UUID(stripped_id))
        stored = storage.read_photo(photo.storage_key)
    assert stored != out.getvalue() and b"Phone maker" not in stored
    if store == "s3":
        digest = s3_photos.metadata(photo.storage_key)["sha256"]
        assert digest == hashlib.sha256(stored).hexdigest()


def test_store_unreachable_answers_503_with_retry_after_and_keeps_nothing(
    seeded, s3_photos, guard, new_report
):
    """Nothing listens at the endpoint: the upload fails fast (short timeouts, few attempts),
    answers 503 with Retry-After, and no row points at a missing object; once the store is
    back the same PUT lands (201)."""
    report_id, (earlier_id, photo_id) = new_report(2)
    use_store(seeded, "s3", **s3_photos.config)
    earlier = jpeg_bytes(640, 480)
    assert put_photo(guard, report_id, earlier_id, earlier).status_code == 201
    use_store(
        seeded, "s3", **{**s3_photos.config, "S3_ENDPOINT": f"http://127.0.0.1:{free_port()}"}
    )
    data = jpeg_bytes(800, 600)
    started = datetime.now(UTC)
    answer = put_photo(guard, report_id, photo_id, data)
    assert answer.status_code == 503, answer.json
    assert answer.json["error"] == "store_unavailable"
    assert int(answer.headers["Retry-After"]) > 0
    # Two attempts with one backoff of at most 2 s (S3_MAX_ATTEMPTS, botocore's standard mode);
    # the bound leaves room for a CI machine running two test processes, and still refuses
    # botocore's defaults (five attempts with backoffs, a 60 s connect timeout).
    assert datetime.now(UTC) - started < timedelta(seconds=20)
    with seeded.app_context():
        assert db.session.get(Photo, uuid.UUID(photo_id)) is None
    # Reading needs the store too: 503 with Retry-After (the page or the phone tries again).
    earlier_url = f"/api/v1/reports/{report_id}/photos/{earlier_id}"
    unread = guard.get(earlier_url)
    assert unread.status_code == 503 and unread.headers["Retry-After"]
    ready = seeded.test_client().get("/readyz")
    assert ready.status_code == 503 and "photo_store" in ready.get_data(as_text=True)

    use_store(seeded, "s3", **s3_photos.config)
    assert put_photo(guard, report_id, photo_id, data).status_code == 201
    assert guard.get(f"/api/v1/reports/{report_id}/photos/{photo_id}").data == data
    assert guard.get(earlier_url).data == earlier
    assert seeded.test_client().get("/readyz").status_code == 200


def blob_keys(app) -> set[str]:
    from patrol.reports.models import PhotoBlob

    with app.app_context():
        return set(db.session.scalars(sa.select(PhotoBlob.key)))


def test_move_between_all_three_stores_verified_and_resumable(seeded, s3_photos, guard, new_report):
    use_store(seeded, "files", **{k: v for k, v in s3_photos.config.items() if k != "PHOTO_STORE"})
    report_id, photo_ids = new_report(3)
    originals = {}
    for index, photo_id in enumerate(photo_ids):
        data = jpeg_bytes(800, 600, color=(40 * index, 90, 160))
        answer = put_photo(guard, report_id, photo_id, data)
        assert answer.status_code == 201
        originals[answer.json["url"]] = data
    guard.get(next(iter(originals)) + "?size=thumb")  # one thumbnail made, two queued
    keys = {p.relative_to(seeded.config["PHOTO_DIR"]).as_posix() for p in stored_files(seeded)}
    assert len(keys) == 4

    # A move to S3 killed part-way: one key copied but its source not yet deleted, one moved.
    first, second = sorted(keys)[:2]
    with seeded.app_context():
        files = storage.make_store(seeded, "files")
        s3 = storage.make_store(seeded, "s3")
        s3.save((first, files.read(first)), (second, files.read(second)))
        files.delete(second)
    runner = seeded.test_cli_runner()
    result = runner.invoke(args=["photos", "move", "--to", "s3"])
    assert result.exit_code == 0, result.output
    assert "Moving 3 photos from files to s3." in result.output
    assert "3/3 photos; 3 moved, 1 already there, 0 missing" in result.output
    assert stored_files(seeded) == [] and s3_photos.keys() == keys

    # Switched before the move finished: still served, from the store the photo is in.
    use_store(seeded, "database", **s3_photos.config)
    for url, data in originals.items():
        assert guard.get(url).data == data

    result = runner.invoke(args=["photos", "move", "--from", "s3", "--to", "database"])
    assert result.exit_code == 0, result.output
    assert "4 moved" in result.output and s3_photos.keys() == set()
    assert blob_keys(seeded) == keys
    for url, data in originals.items():
        assert guard.get(url).data == data
        assert guard.get(url + "?size=thumb").status_code == 200  # queued ones made here

    result = runner.invoke(args=["photos", "move", "--to", "s3"])
    assert result.exit_code == 0, result.output
    assert "Moving 3 photos from database to s3." in result.output
    assert blob_keys(seeded) == set() and len(s3_photos.keys()) == 6
    use_store(seeded, "s3", **s3_photos.config)
    result = runner.invoke(args=["photos", "move", "--to", "files"])
    assert result.exit_code == 0, result.output
    assert "6 moved" in result.output and s3_photos.keys() == set()
    use_store(seeded, "files", **s3_photos.config)
    for url, data in originals.items():
        assert guard.get(url).data == data
    result = runner.invoke(args=["photos", "move", "--from", "files", "--to", "files"])
    assert result.exit_code != 0 and "--from and --to are both files" in result.output
    result = runner.invoke(args=["photos", "move", "--from", "s3", "--to", "files"])
    assert "0 moved, 6 already there, 0 missing" in result.output


def test_purge_and_export_person_reach_the_s3_store(s3_app, s3_photos, guard, new_report, tmp_path):
    report_id, (photo_id,) = new_report()
    data = jpeg_bytes(1600, 1200)
    answer = put_photo(guard, report_id, photo_id, data)
    assert answer.status_code == 201
    guard.get(answer.json["thumbnail_url"])
    assert len(s3_photos.keys()) == 2

    output = tmp_path / "guard.zip"
    result = s3_app.test_cli_runner().invoke(
        args=["export-person", "guard", "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    assert "1 photo files" in result.output
    with zipfile.ZipFile(output) as archive:
        assert archive.read(f"photos/{photo_id}.jpg") == data

    set_clock(s3_app, datetime.now(UTC) + timedelta(days=400))
    result = s3_app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert s3_photos.keys() == set()
    with s3_app.app_context():
        assert db.session.get(Photo, uuid.UUID(photo_id)) is None


def test_backup_copies_the_objects_with_their_digests_and_restores_them(
    s3_app, s3_photos, seaweedfs, guard, new_report, tmp_path, request
):
    report_id, photo_ids = new_report(2)
    originals = {}
    for index, photo_id in enumerate(photo_ids):
        data = jpeg_bytes(900, 700, color=(50 * index, 20, 200))
        answer = put_photo(guard, report_id, photo_id, data)
        assert answer.status_code == 201
        originals[(report_id, photo_id)] = data
    keys = s3_photos.keys()
    folder = tmp_path / "backup"
    result = s3_app.test_cli_runner().invoke(args=["backup", str(folder)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["photo_store"] == "s3"
    listed = {e["path"].removeprefix("photos/"): e for e in manifest["files"]}
    assert keys <= set(listed)
    for key in keys:
        assert listed[key]["sha256"] == s3_photos.metadata(key)["sha256"]
        assert (folder / "photos" / key).read_bytes() == s3_photos.read(key)

    # Restore into a new database and a new, empty bucket: every photo byte for byte.
    kind = request.node.callspec.params["app"]
    bucket = s3_photos.new_bucket()
    with fresh_database(kind, tmp_path, "patrol_restore") as url:
        restored = make_test_app(
            url, tmp_path / "second", **{**s3_photos.config, "S3_BUCKET": bucket}
        )
        try:
            result = restored.test_cli_runner().invoke(args=["restore", str(folder)])
            assert result.exit_code == 0, result.output
            from tests.support.app import Api

            api = Api(restored)
            assert api.login("guard").status_code == 200
            for (report, photo), data in originals.items():
                assert api.get(f"/api/v1/reports/{report}/photos/{photo}").data == data
            # A restore into a bucket that is not empty is refused.
            result = restored.test_cli_runner().invoke(args=["restore", str(folder)])
            assert result.exit_code != 0 and "not empty" in result.output
        finally:
            engine_of(restored).dispose()

    # An object that no longer matches the digest it was stored with stops the backup.
    key = sorted(keys)[0]
    s3_photos.client.put_object(
        Bucket=s3_photos.bucket, Key=key, Body=b"rot", Metadata=s3_photos.metadata(key)
    )
    result = s3_app.test_cli_runner().invoke(args=["backup", str(tmp_path / "second-backup")])
    assert result.exit_code != 0
    assert f"the object {key} does not match the SHA-256 it was stored with" in result.output


def test_check_config_refuses_s3_without_endpoint_or_bucket():
    base = {"ENV": "development", "PHOTO_STORE": "s3"}
    problems = check(base)
    assert any(p.startswith("PATROL_S3_ENDPOINT is not set") for p in problems)
    assert any(p.startswith("PATROL_S3_BUCKET is not set") for p in problems)
    problems = check({**base, "S3_ENDPOINT": "http://127.0.0.1:8333"})
    assert [p for p in problems if "S3" in p] == [
        "PATROL_S3_BUCKET is not set: PATROL_PHOTO_STORE=s3 needs it "
        "(e.g. PATROL_S3_BUCKET=nattpatrull-photos)."
    ]
    assert check({**base, "S3_ENDPOINT": "http://127.0.0.1:8333", "S3_BUCKET": "b"}) == []
    assert any("PATROL_PHOTO_STORE=disk" in p for p in check({**base, "PHOTO_STORE": "disk"}))


def test_the_checksum_sent_is_the_sha256_the_object_store_checks(s3_photos, s3_app):
    """The object store refuses bytes that do not match the checksum the store sends with
    them (x-amz-checksum-sha256): a photo damaged on its way to the store is not kept."""
    with s3_app.app_context():
        store = storage.photo_store()
        wrong = hashlib.sha256(b"other bytes").hexdigest()
        with pytest.raises(storage.PhotoStoreUnavailable):
            store.save(("damaged.jpg", b"these bytes", wrong))
        assert not store.exists("damaged.jpg")
        store.save(("whole.jpg", b"these bytes", hashlib.sha256(b"these bytes").hexdigest()))
        assert store.read("whole.jpg") == b"these bytes"
