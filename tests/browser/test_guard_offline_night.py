"""The guard's offline night (issue 3, test 2): a whole shift recorded in airplane mode with
reloads on the way, then everything arrives exactly once when the network returns."""

from __future__ import annotations

import hashlib
import io

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import expect

from tests.support.guard_browser import (
    add_photo,
    camera_photo,
    check_in_from_list,
    check_in_with_code,
    check_in_with_qr_link,
    checkpoint_token,
    end_shift,
    fill_report,
    go_offline,
    go_online,
    guard_context,
    login,
    open_report,
    outbox_entries,
    reload,
    save_report,
    start_shift,
    wait_for_unsent,
    wait_until_all_sent,
    write_report,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def server_state(app) -> dict:
    """What the server holds: rows and, for each photo, its stored file."""
    from patrol.db import db
    from patrol.reports.models import Photo, Report
    from patrol.reports.storage import photo_store
    from patrol.shifts.models import CheckIn, Shift

    with app.app_context():
        shifts = db.session.scalars(sa.select(Shift)).all()
        checkins = db.session.scalars(sa.select(CheckIn)).all()
        reports = db.session.scalars(sa.select(Report)).all()
        photos = []
        for photo in db.session.scalars(sa.select(Photo)):
            with open(photo_store().path(photo.storage_key), "rb") as stored:
                data = stored.read()
            photos.append({"id": str(photo.id), "sha256": photo.sha256, "data": data})
        return {
            "shifts": [(s.id, s.started_at, s.ended_at) for s in shifts],
            "checkins": [(c.method, c.checkpoint.short_code, c.lat) for c in checkins],
            "reports": [(r.category, r.level, r.description, sorted(r.photo_ids)) for r in reports],
            "photos": photos,
        }


def test_offline_night_arrives_exactly_once(live_server, live_app, browser):
    token = checkpoint_token(live_app, "S110")
    context = guard_context(browser)
    page = context.new_page()
    base = live_server.url
    try:
        login(page, base)
        go_offline(context, page)
        reload(page)  # the shell comes from the service worker's cache
        expect(page.locator("#net-state")).to_have_text("Offline")

        start_shift(page)
        check_in_with_code(page, "S101")
        check_in_from_list(page, "Jespersgatan 6", "Trapphus B")
        check_in_with_qr_link(page, base, token)

        write_report(
            page,
            category="Trasig belysning",
            level="Förebyggande",
            description="Lampan i entrén är trasig.",
            photos=(camera_photo(1), camera_photo(2, orientation=6)),
        )
        # A form half filled survives a reload: description and one photo, reload, finish.
        open_report(page)
        fill_report(
            page,
            category="Klotter",
            level="Pågående störning",
            description="Klotter på porten.",
            photos=(camera_photo(3),),
        )
        reload(page)
        expect(page.get_by_label("Beskrivning")).to_have_value("Klotter på porten.")
        expect(page.get_by_label("Pågående störning", exact=True)).to_be_checked()
        expect(page.locator(".thumbs .thumb")).to_have_count(1)
        add_photo(page, camera_photo(4))
        save_report(page)
        write_report(
            page,
            category="Krossad ruta",
            level="Akut allvarlig händelse",
            description="Krossad ruta i trapphuset.",
            photos=(camera_photo(5), camera_photo(6)),
        )

        reload(page)
        reload(page)
        # 1 shift + 3 check-ins + 3 reports + 6 photos, nothing sent while offline.
        wait_for_unsent(page, 13)
        end_shift(page)
        wait_for_unsent(page, 14)
        expect(page.get_by_text("Passet avslutades")).to_be_visible()

        queued = outbox_entries(page)
        sent_photos = {e["url"].rsplit("/", 1)[1]: e for e in queued if e["kind"] == "photo"}
        assert len(sent_photos) == 6
        for entry in sent_photos.values():
            assert entry["bodyType"] == "image/jpeg"
            assert entry["meta"]["sha256"] == entry["bodySha256"]
            # Chromium's IndexedDB keeps Blobs: the bytes-instead path is only for engines
            # that refuse them (test_guard_blobs_refused.py).
            assert entry["bodyKeptAs"] == "blob"
        assert server_state(live_app)["shifts"] == []

        go_online(context, page)
        wait_until_all_sent(page)
    finally:
        context.close()

    state = server_state(live_app)
    assert len(state["shifts"]) == 1
    (_, started_at, ended_at) = state["shifts"][0]
    assert ended_at is not None and ended_at >= started_at
    assert sorted(method for method, _, _ in state["checkins"]) == ["code", "manual", "qr"]
    assert {code for _, code, _ in state["checkins"]} == {"S101", "S110"} | {
        code for method, code, _ in state["checkins"] if method == "manual"
    }
    assert all(lat is not None for _, _, lat in state["checkins"])  # the location came along
    assert len(state["reports"]) == 3
    assert sorted(level for _, level, _, _ in state["reports"]) == [
        "acute",
        "disturbance",
        "preventive",
    ]
    assert len(state["photos"]) == 6
    for photo in state["photos"]:
        phone = sent_photos[photo["id"]]
        # What the phone sent is what the server stored, byte for byte.
        assert photo["sha256"] == phone["bodySha256"]
        assert hashlib.sha256(photo["data"]).hexdigest() == phone["bodySha256"]
        image = Image.open(io.BytesIO(photo["data"]))
        assert image.format == "JPEG"
        assert max(image.size) <= 1600
        assert "exif" not in image.info
        assert len(image.getexif()) == 0
    sizes = sorted(Image.open(io.BytesIO(p["data"])).size for p in state["photos"])
    # The photo with EXIF orientation 6 (turned on its side) arrives upright: portrait.
    assert sizes.count((1200, 1600)) == 1
    assert sizes.count((1600, 1200)) == 5
