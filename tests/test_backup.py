"""Backup and a tested restore (issue Operations, point 5): the drill on SQLite and PostgreSQL.
A night with reports, photos, an SOS and a reviewed night PDF -> `backup` -> a fresh database
and instance -> `restore` -> the app serves the night's pages, the same PDF bytes and every photo
byte for byte. And the refusals: a non-empty database, a changed file, another database kind."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from patrol.db import db, engine_of
from patrol.push.models import SosAlert
from patrol.reports.models import Photo
from patrol.review.models import NightReview
from tests.support.app import fresh_database, make_test_app
from tests.support.review import NIGHT, login_page_client, new_id, sync_shift


@pytest.fixture
def reviewed_night(seeded, api_as, places, boss):
    guard = api_as("guard")
    ids = sync_shift(guard, places)
    ids["sos"] = new_id()
    response = guard.put(
        f"/api/v1/sos/{ids['sos']}",
        json={"shift_id": ids["shift"], "occurred_at": "2026-11-23T23:15:00+01:00", "lat": places["cp1_lat"], "lon": places["cp1_lon"]},
    )  # fmt: skip
    assert response.status_code == 201, response.json
    response = boss.post(
        f"/review/nights/{NIGHT}/reviewed", data={"csrf_token": boss.csrf, "confirm": "1"}
    )
    assert response.status_code == 302, response.data
    with seeded.app_context():
        kept_pdf = db.session.scalar(sa.select(NightReview.pdf).where(NightReview.night == NIGHT))
        photos = {
            (str(p.report_id), str(p.id)): p.sha256 for p in db.session.scalars(sa.select(Photo))
        }
    assert photos
    return {"ids": ids, "pdf": kept_pdf, "photos": photos}


def run(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output


def test_backup_and_restore_drill(seeded, reviewed_night, tmp_path, request):
    kind = request.node.callspec.params["app"]
    folder = tmp_path / "backup"
    code, output = run(seeded, "backup", str(folder))
    assert code == 0, output
    stored = [p for p in (tmp_path / "photos").rglob("*") if p.is_file()]
    assert f"photos: {len(stored)} of {len(stored)}" in output  # progress, photo and thumbnail
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["database"]["dialect"] == kind
    assert manifest["migration_heads"]
    assert not (folder / "secrets").exists()  # only with --include-secrets
    code, output = run(seeded, "backup", "--verify", str(folder))
    assert code == 0 and "every file matches" in output, output

    with fresh_database(kind, tmp_path, "patrol_restore") as url:
        restored = make_test_app(
            url, tmp_path / "second", PHOTO_DIR=str(tmp_path / "second" / "photos")
        )
        try:
            code, output = run(restored, "restore", str(folder))
            assert code == 0, output

            boss = login_page_client(restored, "supervisor")
            night = boss.get(f"/review/nights/{NIGHT}")
            assert night.status_code == 200
            page = " ".join(re.sub(r"<[^>]+>", " ", night.get_data(as_text=True)).split())
            assert "Obehöriga i fastigheten" in page and "Natten granskad av" in page
            pdf = boss.get(f"/review/nights/{NIGHT}.pdf")
            assert pdf.data == reviewed_night["pdf"]  # the kept record, byte for byte
            for (report_id, photo_id), sha256 in reviewed_night["photos"].items():
                served = boss.get(f"/api/v1/reports/{report_id}/photos/{photo_id}")
                assert served.status_code == 200
                assert hashlib.sha256(served.data).hexdigest() == sha256
            with restored.app_context():
                sos = db.session.get(SosAlert, uuid.UUID(reviewed_night["ids"]["sos"]))
                assert sos is not None and sos.lat is not None

            # A second restore into the now filled database is refused and changes nothing.
            code, output = run(restored, "restore", str(folder))
            assert code != 0 and "not empty" in output
        finally:
            engine_of(restored).dispose()


def test_verify_names_a_changed_or_missing_file(seeded, reviewed_night, tmp_path):
    folder = tmp_path / "backup"
    assert run(seeded, "backup", str(folder))[0] == 0
    photo = next((folder / "photos").rglob("*.jpg"), None) or next(
        p for p in (folder / "photos").rglob("*") if p.is_file()
    )
    data = bytearray(photo.read_bytes())
    data[-3] ^= 0xFF
    photo.write_bytes(bytes(data))
    (folder / "stray.txt").write_text("not from the backup")
    code, output = run(seeded, "backup", "--verify", str(folder))
    assert code == 1
    assert f"changed (SHA-256 differs): {photo.relative_to(folder).as_posix()}" in output
    assert "not in the manifest: stray.txt" in output

    # A backup that does not verify is never restored.
    with fresh_database("sqlite", tmp_path, "patrol_restore") as url:
        restored = make_test_app(url, tmp_path / "second")
        try:
            code, output = run(restored, "restore", str(folder))
            assert code != 0 and "does not verify" in output
            with restored.app_context():
                assert not sa.inspect(db.engine).get_table_names()
        finally:
            engine_of(restored).dispose()


def test_backup_refuses_a_folder_in_use_and_keeps_secrets_only_when_asked(seeded, tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "something").write_text("x")
    code, output = run(seeded, "backup", str(tmp_path / "used"))
    assert code != 0 and "not empty" in output
    instance = Path(seeded.instance_path)
    (instance / "vapid_private.pem").write_text("-----BEGIN PRIVATE KEY-----\n")
    code, output = run(seeded, "backup", "--include-secrets", str(tmp_path / "with"))
    assert code == 0, output
    assert (tmp_path / "with" / "secrets" / "vapid_private.pem").stat().st_mode & 0o077 == 0
