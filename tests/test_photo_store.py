"""Photos: the wholeness check by JPEG structure, thumbnails queued after the answer, the
database photo store (PATROL_PHOTO_STORE=database) and `photos move` between the stores."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import subprocess
import sys
import types
import uuid
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from patrol.config import ROOT
from patrol.db import db
from patrol.handover.models import HandoverPhoto
from patrol.reports import storage
from patrol.reports.images import jpeg_is_whole
from patrol.reports.models import Photo, PhotoBlob
from patrol.sites.models import Property
from tests.factories import START, new_id, put_photo, put_report, start_shift
from tests.support.images import digest, jpeg_bytes


def noisy_jpeg(**save) -> bytes:
    """A photo-like JPEG (noise has 0xFF bytes and stuffing in its scan data)."""
    image = Image.effect_noise((640, 480), 60).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, **save)
    return out.getvalue()


@pytest.mark.parametrize(
    "variant",
    [{}, {"progressive": True}, {"restart_marker_blocks": 4}, {"subsampling": 0}],
    ids=["baseline", "progressive", "restart-markers", "4:4:4"],
)
def test_whole_jpeg_is_recognised_and_every_cut_is_refused(variant):
    data = noisy_jpeg(**variant)
    assert jpeg_is_whole(data)
    cuts = range(2, len(data) - 1, max(1, len(data) // 400))
    assert [n for n in cuts if jpeg_is_whole(data[:n])] == []
    assert not jpeg_is_whole(data[:-2])  # everything but the EOI marker


def test_not_a_jpeg_or_no_scan_is_refused():
    assert not jpeg_is_whole(b"")
    assert not jpeg_is_whole(b"\xff\xd8\xff\xd9")  # SOI, EOI: no frame, no scan
    assert not jpeg_is_whole(b"GIF89a" + b"\0" * 100)
    data = noisy_jpeg()
    sos = data.index(b"\xff\xda")
    assert not jpeg_is_whole(data[:sos] + b"\xff\xd9")  # headers only


# --- through the API -------------------------------------------------------------------------


def use_store(app, name: str) -> None:
    app.config["PHOTO_STORE"] = name
    storage.init_app(app)


@pytest.fixture
def guard(api_as):
    return api_as("guard")


@pytest.fixture
def new_report(guard, seeded):
    """new_report(n) -> (report_id, [photo ids]) of a report in a fresh shift."""
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


def stored_files(app) -> list[Path]:
    return [p for p in Path(app.config["PHOTO_DIR"]).rglob("*") if p.is_file()]


def blob_keys(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(sa.select(PhotoBlob.key)))


def thumbnail_key(app, photo_id) -> str | None:
    with app.app_context():
        return db.session.get(Photo, uuid.UUID(photo_id)).thumbnail_key


def test_thumbnail_is_queued_then_made_by_its_first_read(guard, new_report, seeded):
    report_id, (photo_id,) = new_report()
    data = jpeg_bytes(1600, 1200)
    answer = put_photo(guard, report_id, photo_id, data)
    assert answer.status_code == 201, answer.json
    assert thumbnail_key(seeded, photo_id) is None  # queued: the answer did not wait for it
    assert [p.name for p in stored_files(seeded)] == [
        f"{photo_id}-{answer.json['sha256'][:16]}.jpg"
    ]
    thumb = guard.get(answer.json["thumbnail_url"])
    assert thumb.status_code == 200 and thumb.headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(thumb.data)).size == (320, 240)
    assert thumbnail_key(seeded, photo_id).endswith(".thumb.jpg")
    again = guard.get(answer.json["thumbnail_url"])
    assert again.data == thumb.data


def test_photos_thumbnails_command_drains_the_queue(guard, new_report, seeded):
    report_id, photo_ids = new_report(3)
    for photo_id in photo_ids:
        assert put_photo(guard, report_id, photo_id, jpeg_bytes(800, 600)).status_code == 201
    result = seeded.test_cli_runner().invoke(args=["photos", "thumbnails"])
    assert result.exit_code == 0, result.output
    assert "3 thumbnails made" in result.output
    assert all(thumbnail_key(seeded, p) for p in photo_ids)
    result = seeded.test_cli_runner().invoke(args=["photos", "thumbnails"])
    assert "0 thumbnails made" in result.output


def test_database_store_keeps_bytes_and_digest_with_the_row(guard, new_report, seeded):
    use_store(seeded, "database")
    report_id, (photo_id,) = new_report()
    data = jpeg_bytes(1600, 1200)
    answer = put_photo(guard, report_id, photo_id, data)
    assert answer.status_code == 201, answer.json
    assert stored_files(seeded) == []
    with seeded.app_context():
        blob = db.session.scalar(sa.select(PhotoBlob))
        assert blob.data == data and blob.sha256 == hashlib.sha256(data).hexdigest()
        if db.engine.dialect.name == "postgresql":
            # Stored out of line and uncompressed (STORAGE EXTERNAL): a JPEG does not shrink,
            # and trying cost most of an upload's time.
            storage = db.session.scalar(
                sa.text(
                    "SELECT attstorage FROM pg_attribute "
                    "WHERE attrelid = 'photo_blobs'::regclass AND attname = 'data'"
                )
            )
            compressed = db.session.scalar(
                sa.text("SELECT pg_column_compression(data) FROM photo_blobs")
            )
            assert (storage, compressed) == ("e", None)
    # Sent again: 200; other content under the same id: 409; nothing more stored.
    assert put_photo(guard, report_id, photo_id, data).status_code == 200
    assert (
        put_photo(guard, report_id, photo_id, jpeg_bytes(1600, 1200, (0, 0, 99))).status_code == 409
    )
    assert len(blob_keys(seeded)) == 1

    full = guard.get(answer.json["url"])
    assert full.status_code == 200 and full.data == data
    assert full.headers["Content-Type"] == "image/jpeg"
    assert full.headers["Cache-Control"] == "private, max-age=86400, immutable"
    etag = full.headers["ETag"]
    assert etag == f'"{answer.json["sha256"][:32]}"'
    assert guard.get(answer.json["url"], headers={"If-None-Match": etag}).status_code == 304
    part = guard.get(answer.json["url"], headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == data[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(data)}"

    thumb = guard.get(answer.json["thumbnail_url"])
    assert thumb.status_code == 200 and max(Image.open(io.BytesIO(thumb.data)).size) == 320
    assert len(blob_keys(seeded)) == 2 and stored_files(seeded) == []


def test_database_store_refuses_a_cut_photo_and_stores_nothing(guard, new_report, seeded):
    use_store(seeded, "database")
    report_id, (photo_id,) = new_report()
    data = jpeg_bytes(1200, 900)
    answer = put_photo(guard, report_id, photo_id, data[: len(data) - 40])
    assert answer.status_code == 422 and answer.json["error"] == "damaged_image"
    assert blob_keys(seeded) == set()
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Photo)) == 0


def test_move_to_database_and_back_verified_and_resumable(guard, new_report, seeded):
    report_id, photo_ids = new_report(3)
    originals = {}
    for index, photo_id in enumerate(photo_ids):
        data = jpeg_bytes(800, 600, color=(40 * index, 90, 160))
        answer = put_photo(guard, report_id, photo_id, data)
        assert answer.status_code == 201
        originals[photo_id] = (answer.json["url"], data)
    guard.get(originals[photo_ids[0]][0] + "?size=thumb")  # one thumbnail made, two queued
    files_before = {
        p.relative_to(seeded.config["PHOTO_DIR"]).as_posix() for p in stored_files(seeded)
    }
    assert len(files_before) == 4

    # A move killed part-way: one file copied but its source not yet deleted, one moved.
    first, second = sorted(files_before)[:2]
    with seeded.app_context():
        database = storage.DatabasePhotoStore()
        files = storage.make_store(seeded, "files")
        database.save((first, files.read(first)), (second, files.read(second)))
        db.session.commit()
        files.delete(second)

    runner = seeded.test_cli_runner()
    result = runner.invoke(args=["photos", "move", "--to", "database"])
    assert result.exit_code == 0, result.output
    assert "Moving 3 photos from files to database." in result.output
    assert "3/3 photos; 3 moved, 1 already there, 0 missing" in result.output
    assert stored_files(seeded) == [] and blob_keys(seeded) == files_before
    use_store(seeded, "database")
    for url, data in originals.values():
        assert guard.get(url).data == data
    # Queued thumbnails are made from the database store too.
    for url, _data in originals.values():
        assert guard.get(url + "?size=thumb").status_code == 200

    result = runner.invoke(args=["photos", "move", "--to", "files"])
    assert result.exit_code == 0, result.output
    assert "6 moved" in result.output and blob_keys(seeded) == set()
    use_store(seeded, "files")
    for url, data in originals.values():
        assert guard.get(url).data == data
    result = runner.invoke(args=["photos", "move", "--to", "files"])
    assert "0 moved, 6 already there, 0 missing" in result.output


def test_a_photo_not_yet_moved_is_served_from_the_other_store(guard, new_report, seeded):
    report_id, (photo_id,) = new_report()
    data = jpeg_bytes(640, 480)
    answer = put_photo(guard, report_id, photo_id, data)
    use_store(seeded, "database")  # switched before `photos move` ran
    assert guard.get(answer.json["url"]).data == data
    assert guard.get(answer.json["thumbnail_url"]).status_code == 200


def test_the_worker_makes_queued_thumbnails(guard, new_report, seeded):
    from patrol.schedule.commands import work_once

    report_id, photo_ids = new_report(2)
    for photo_id in photo_ids:
        assert put_photo(guard, report_id, photo_id, jpeg_bytes(800, 600)).status_code == 201
    work_once(seeded)
    assert all(thumbnail_key(seeded, p).endswith(".thumb.jpg") for p in photo_ids)


def test_move_killed_mid_way_finishes_when_run_again(guard, new_report, seeded):
    """A real SIGKILL of `flask photos move` after its first photo, then a second run."""
    slots = [(report_id, p) for report_id, ids in (new_report(5), new_report(5)) for p in ids]
    originals = {}
    for index, (report_id, photo_id) in enumerate(slots):
        data = jpeg_bytes(640, 480, color=(20 * index, 60, 90))
        answer = put_photo(guard, report_id, photo_id, data)
        assert answer.status_code == 201
        originals[answer.json["url"]] = data
    keys = {p.relative_to(seeded.config["PHOTO_DIR"]).as_posix() for p in stored_files(seeded)}
    env = {
        **os.environ,
        "PATROL_DATABASE_URL": seeded.config["DATABASE_URL"],
        "PATROL_PHOTO_DIR": seeded.config["PHOTO_DIR"],
        "PATROL_INSTANCE_PATH": seeded.instance_path,
        "PATROL_SECRET_KEY": "test-secret",
    }
    command = [str(Path(sys.executable).with_name("flask")), "--app", "app", "photos", "move"]
    command += ["--to", "database", "--batch", "1"]
    mover = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        for line in mover.stdout:
            if line.strip().startswith("1/10 photos"):
                mover.kill()  # SIGKILL: no cleanup runs
                break
    finally:
        mover.wait(timeout=60)
    assert mover.returncode == -signal.SIGKILL
    assert 0 < len(blob_keys(seeded)) < len(keys)

    finished = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert finished.returncode == 0, finished.stderr
    assert "10/10 photos" in finished.stdout and "Done." in finished.stdout
    assert blob_keys(seeded) == keys and stored_files(seeded) == []
    use_store(seeded, "database")
    for url, data in originals.items():
        assert guard.get(url).data == data


def test_file_store_syncs_each_new_folder_entry_up_to_the_store(tmp_path, monkeypatch):
    """A rename is durable once its folder is synced; a report's first photo also makes the
    report's folder, whose own entry lives in the folder above. Every fsync is the real one;
    the test only notes which folder each went to."""
    root = tmp_path / "photos"
    root.mkdir()
    store = storage.FilePhotoStore(root)
    synced: list[str] = []
    real_fsync = os.fsync

    def noting_fsync(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        return real_fsync(fd)

    monkeypatch.setattr(storage.os, "fsync", noting_fsync)
    store.save(("report-1/a.jpg", b"first"))
    real_root = os.path.realpath(root)
    folders = [path for path in synced if os.path.isdir(path)]
    assert folders == [f"{real_root}/report-1", real_root]
    synced.clear()
    store.save(("report-1/b.jpg", b"second"))  # the folder exists: only it changes
    assert [path for path in synced if os.path.isdir(path)] == [f"{real_root}/report-1"]
    assert store.read("report-1/a.jpg") == b"first"
    with pytest.raises(ValueError):
        store.path("../outside.jpg")


def test_export_person_takes_photos_from_the_database_store(guard, new_report, seeded, tmp_path):
    """A subject access request on several hosts: the photos come out of the database."""
    use_store(seeded, "database")
    report_id, (photo_id,) = new_report()
    data = jpeg_bytes(1600, 1200)
    assert put_photo(guard, report_id, photo_id, data).status_code == 201
    output = tmp_path / "guard.zip"
    result = seeded.test_cli_runner().invoke(
        args=["export-person", "guard", "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    assert "1 photo files" in result.output
    with zipfile.ZipFile(output) as archive:
        assert archive.read(f"photos/{photo_id}.jpg") == data


@pytest.mark.parametrize("kind", ["report", "handover"])
def test_report_and_handover_photos_are_stored_by_the_same_core(
    kind, guard, new_report, seeded, monkeypatch
):
    """Both uploads go through one `store_photo` (patrol/reports/uploads.py): the store gets
    the digest the route verified for a body kept byte for byte (it never hashes the photo
    again), the row and the bytes agree, a photo sent again is 200 and other bytes under its
    id 409, with nothing more stored. Catches the two routes drifting apart."""
    use_store(seeded, "database")
    hashed = []
    real_sha256 = hashlib.sha256

    def counting_sha256(data=b"", **kwargs):
        hashed.append(len(data))
        return real_sha256(data, **kwargs)

    # What the store module hashes (only it: the route and this test hash as ever).
    monkeypatch.setattr(storage, "hashlib", types.SimpleNamespace(sha256=counting_sha256))
    if kind == "report":
        report_id, (photo_id,) = new_report()
        url = f"/api/v1/reports/{report_id}/photos/{photo_id}"
    else:
        shift_id = start_shift(guard)
        ended = guard.put(
            f"/api/v1/shifts/{shift_id}",
            json={
                "started_at": START,
                "ended_at": "2026-11-24T04:00:00+01:00",
                "note": "Porten stänger inte.",
            },
        )
        assert ended.status_code == 200, ended.json
        photo_id = new_id()
        url = f"/api/v1/shifts/{shift_id}/handover/photos/{photo_id}"
    data = jpeg_bytes(800, 600)

    def put(body: bytes):
        headers = {"Content-Type": "image/jpeg", "Content-Digest": digest(body)}
        return guard.put(url, data=body, headers=headers)

    answer = put(data)
    assert answer.status_code == 201, answer.json
    assert len(data) not in hashed  # the verified digest went to the store with the bytes
    with seeded.app_context():
        blob = db.session.get(PhotoBlob, stored_key(kind, photo_id))
        assert blob.data == data and blob.sha256 == hashlib.sha256(data).hexdigest()
    keys = blob_keys(seeded)
    assert put(data).status_code == 200
    assert put(jpeg_bytes(800, 600, (0, 0, 99))).status_code == 409
    assert blob_keys(seeded) == keys and stored_files(seeded) == []


def stored_key(kind: str, photo_id: str) -> str:
    model = Photo if kind == "report" else HandoverPhoto
    return db.session.get(model, uuid.UUID(photo_id)).storage_key
