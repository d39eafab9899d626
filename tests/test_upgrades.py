"""Upgrades keep the data (issue Operations, point 6). For the last migration of each wave, the
database is built and filled by THAT version of the app (its own code from this repository's
history: migrations, demo data, a guard's night through its sync API and photo store), then
upgraded to this code's head, and the night is checked through today's models, API and pages.

Each later wave adds its last commit to WAVES when it ends. (The history must be there: a
shallow clone cannot run this test.)"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import date

import pytest
import sqlalchemy as sa

from patrol.db import db, engine_of
from patrol.migrate import upgrade_database
from patrol.reports.models import Photo, Report
from patrol.shifts.models import CheckIn, Shift
from patrol.status import collect
from tests.support.app import DATABASES, Api, fresh_database, make_test_app
from tests.support.old_version import PASSWORD, store_a_night
from tests.support.review import login_page_client

# migration head at the end of a wave -> the last commit with that head
WAVES = {
    "0001": "b6aa492",  # the first cut: shifts, check-ins, reports, photos
    "0004_merge": "c588194^",  # wave 1: review and push joined
    "0013_photo_blob_storage": "0222e05",  # wave 2: set-up, rounds, owners, mail, safety
}


@pytest.mark.parametrize("kind", DATABASES)
@pytest.mark.parametrize("head", list(WAVES))
def test_an_upgrade_keeps_the_night_stored_by_an_older_version(head, kind, tmp_path):
    photos = tmp_path / "photos"
    with fresh_database(kind, tmp_path, "patrol_upgrade") as url:
        old = store_a_night(WAVES[head], tmp_path / "old", url, photos)
        assert old["heads"] == [head]
        ids = {key: uuid.UUID(value) for key, value in old["ids"].items()}

        upgrade_database(url)
        app = make_test_app(url, tmp_path / "new", PHOTO_DIR=str(photos))
        try:
            with app.app_context():
                assert all(probe.ok for probe in collect().values() if probe.blocking)
                shift = db.session.get(Shift, ids["shift"])
                assert shift.night == date(2026, 11, 10)
                assert shift.ended_at is not None and shift.note == "Lugn natt."
                checkin = db.session.get(CheckIn, ids["checkin"])
                assert checkin.method == "qr" and checkin.checkpoint_id == old["checkpoint_id"]
                report = db.session.get(Report, ids["report"])
                assert report.night == date(2026, 11, 10)  # a column later waves added
                assert report.description == "Trasig lampa, plan 3"
                photo = db.session.get(Photo, ids["photo"])
                assert photo.sha256 == old["photo_sha256"]
                guard_id = shift.guard_id
                assert db.session.scalar(sa.select(sa.func.count()).select_from(Shift)) == 1

            # The guard's old password still logs in, and the photo is served byte for byte.
            guard = Api(app)
            guard.login("guard", PASSWORD)
            served = guard.get(f"/api/v1/reports/{ids['report']}/photos/{ids['photo']}")
            assert served.status_code == 200
            assert hashlib.sha256(served.data).hexdigest() == old["photo_sha256"]
            assert guard.get("/api/v1/me").json["user"]["id"] == guard_id

            # The supervisor's morning shows the night.
            boss = login_page_client(app, "supervisor")
            page = boss.get("/review/nights/2026-11-10")
            assert page.status_code == 200
            text = " ".join(re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)).split())
            assert "Pass 1 Incheckningar 1 Rapporter 1" in text
            assert "Väktare Demo 19:40–04:02 avslutat" in text
        finally:
            engine_of(app).dispose()
