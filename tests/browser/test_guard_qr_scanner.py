"""In-app QR scanning without BarcodeDetector (issue 10, point 13): the vendored jsQR reads a
real camera picture. Chromium plays a video file as its camera
(--use-file-for-fake-video-capture): the file is made here from a checkpoint's printed sticker
(a QR code of its /c/<token> URL, drawn by segno, on a white label with a margin), and the
scanner must check in at that checkpoint. Desktop Chromium on Linux has no BarcodeDetector for
QR codes, so this is the jsQR path, as on an iPhone or in Firefox."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.db import db
from patrol.nights import TIME_ZONE_NAME
from patrol.shifts.models import CheckIn
from patrol.sites.models import Checkpoint
from tests.support.app import CHROMIUM, CHROMIUM_ARGS
from tests.support.desk_browser import assert_accessible
from tests.support.guard_browser import (
    MALMO,
    PHONE,
    guard_context,
    login,
    start_shift,
    wait_until_all_sent,
)
from tests.support.scanning import sticker_video

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def test_scanner_reads_a_sticker_from_the_camera_and_checks_in_there(
    live_server, live_app, playwright_instance, tmp_path, output_dir
):
    with live_app.app_context():
        checkpoint = db.session.scalar(sa.select(Checkpoint).where(Checkpoint.short_code == "S105"))
        token, checkpoint_id, label = checkpoint.token, checkpoint.id, checkpoint.label
    video = tmp_path / "sticker.y4m"
    sticker_video(f"{live_server.url}/c/{token}", video)
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    context = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="sv-SE",
        timezone_id=TIME_ZONE_NAME,
        geolocation=MALMO,
        permissions=["geolocation", "camera"],
        color_scheme="dark",
    )
    page = context.new_page()
    try:
        login(page, live_server.url)
        start_shift(page)
        page.get_by_role("link", name="Checka in").click()
        page.get_by_role("button", name="Skanna QR-kod").click()
        expect(page.get_by_role("heading", name="Nattpass")).to_be_visible(timeout=30_000)
        expect(page.get_by_text(f"Incheckad: {label}.")).to_be_visible()
        assert_accessible(page, "checkin-scanned-390")
        page.screenshot(path=str(output_dir / "checkin-scanned-390.png"))
        wait_until_all_sent(page)
        # The decoder was fetched only when the scanner opened (precached for offline).
        assert page.evaluate("() => typeof self.jsQR") == "function"
    finally:
        context.close()
        browser.close()
    with live_app.app_context():
        [checkin] = db.session.scalars(sa.select(CheckIn)).all()
        assert checkin.checkpoint_id == checkpoint_id and checkin.method == "qr"


def test_decoder_is_precached_but_not_loaded_with_the_home_screen(live_server, browser):
    context = guard_context(browser)
    page = context.new_page()
    try:
        login(page, live_server.url)
        page.reload()
        page.wait_for_function("() => document.body.dataset.ready === '1'")
        # The page itself never asked for the decoder; the service worker has it for offline.
        loaded = page.evaluate("() => performance.getEntriesByType('resource').map((e) => e.name)")
        assert loaded and not [url for url in loaded if "jsqr" in url.lower()]
        assert page.evaluate("() => typeof self.jsQR") == "undefined"
        cached = page.evaluate(
            """async () => {
                for (const name of await caches.keys()) {
                  const cache = await caches.open(name);
                  if (await cache.match("/static/vendor/jsqr/jsQR.min.js")) return true;
                }
                return false;
            }"""
        )
        assert cached
    finally:
        context.close()
