"""A new deployment reaches the phone: the waiting worker shows "Ny version finns" (never on
a form), applies on tap, and the old cache is deleted."""

from __future__ import annotations

import dataclasses

import pytest
from playwright.sync_api import expect

from tests.support.desk_browser import assert_accessible
from tests.support.guard_browser import (
    guard_context,
    home,
    login,
    open_report,
    poll,
    start_shift,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

CACHE_NAMES = "() => caches.keys()"


def test_new_version_banner_waits_for_the_guard_and_replaces_the_cache(
    live_server, live_app, browser, output_dir
):
    context = guard_context(browser)
    page = context.new_page()
    try:
        login(page, live_server.url)
        start_shift(page)
        old = live_app.extensions["patrol_guard_shell"]
        assert f"nattpatrull-shell-{old.version}" in page.evaluate(CACHE_NAMES)

        # Deploy: the server now serves a worker with another content hash.
        new_version = "f" * 16
        live_app.extensions["patrol_guard_shell"] = dataclasses.replace(
            old,
            version=new_version,
            service_worker=old.service_worker.replace(old.version.encode(), new_version.encode()),
            module_service_worker=old.module_service_worker.replace(
                old.version.encode(), new_version.encode()
            ),
        )

        open_report(page)
        page.get_by_label("Beskrivning").fill("Halvskriven rapport.")
        page.evaluate("() => navigator.serviceWorker.getRegistration().then(r => r.update())")
        poll(
            page,
            "() => navigator.serviceWorker.getRegistration().then(r => Boolean(r && r.waiting))",
            what="the new worker waiting",
        )
        # Never in the middle of a form.
        expect(page.locator("#update-banner")).to_be_hidden()

        home(page)
        banner = page.locator("#update-banner")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("Ny version finns")
        assert_accessible(page, "guard-update-banner-online")
        page.screenshot(path=str(output_dir / "guard-update-banner-online.png"))
        banner.get_by_role("button", name="Uppdatera nu").click()

        poll(
            page,
            """([fresh, stale]) => caches.keys().then(names =>
                 names.includes(fresh) && !names.includes(stale))""",
            [f"nattpatrull-shell-{new_version}", f"nattpatrull-shell-{old.version}"],
            what="the new cache replacing the old one",
        )
        expect(page.get_by_role("heading", name="Nattpass")).to_be_visible()
        expect(page.locator("#update-banner")).to_be_hidden()
        # The half-written report is still there.
        open_report(page)
        expect(page.get_by_label("Beskrivning")).to_have_value("Halvskriven rapport.")
    finally:
        context.close()
