"""The outbox delivered with no window of the app open (issue 10, point 15).

Where the browser has Background Sync (Chromium), the app registers the module form of its
service worker, which imports the page's own sync engine. The test records a check-in and a
report with a photo offline, closes every page of the app (an about:blank page stays open for
the DevTools session), comes back online and fires the worker's "outbox" sync event through the
DevTools protocol (ServiceWorker.dispatchSyncEvent), as Chrome does when the network returns.
The records arrive exactly once, and the app, opened again, has nothing left to send."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.db import db
from patrol.reports.models import Photo, Report
from patrol.shifts.models import CheckIn
from tests.support.guard_browser import (
    camera_photo,
    check_in_with_code,
    go_offline,
    go_online,
    guard_context,
    login,
    start_shift,
    wait_for_outbox,
    wait_ready,
    wait_until_all_sent,
    write_report,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def counts(live_app) -> tuple[int, int, int]:
    with live_app.app_context():
        return tuple(
            db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (CheckIn, Report, Photo)
        )


def test_worker_replays_the_outbox_with_no_window_open(live_server, live_app, browser):
    context = guard_context(browser)
    page = context.new_page()
    try:
        login(page, live_server.url)
        script = page.evaluate(
            "() => navigator.serviceWorker.getRegistration().then(r => r.active.scriptURL)"
        )
        assert script.endswith("/service-worker-module.js")  # the module form, with the engine
        start_shift(page)
        wait_until_all_sent(page)
        go_offline(context, page)
        check_in_with_code(page, "S101")
        write_report(page, property_name="Jespersgatan 6", photos=(camera_photo(51, 800, 600),))
        wait_for_outbox(page, 3)

        # Every window of the app closed; a blank page keeps the DevTools session.
        blank = context.new_page()
        page.close()
        cdp = context.new_cdp_session(blank)
        registrations: list[dict] = []
        cdp.on(
            "ServiceWorker.workerRegistrationUpdated",
            lambda event: registrations.extend(event["registrations"]),
        )
        cdp.send("ServiceWorker.enable")
        deadline = time.monotonic() + 10
        while not registrations and time.monotonic() < deadline:
            blank.wait_for_timeout(100)
        [registration] = [r for r in registrations if r["scopeURL"] == live_server.url + "/"]
        go_online(context)
        assert counts(live_app) == (0, 0, 0)
        cdp.send(
            "ServiceWorker.dispatchSyncEvent",
            {
                "origin": live_server.url,
                "registrationId": registration["registrationId"],
                "tag": "outbox",
                "lastChance": False,
            },
        )
        deadline = time.monotonic() + 60
        while counts(live_app) != (1, 1, 1) and time.monotonic() < deadline:
            blank.wait_for_timeout(200)
        assert counts(live_app) == (1, 1, 1)

        # Opened again: nothing left to send, nothing sent twice.
        again = context.new_page()
        again.goto(live_server.url + "/")
        wait_ready(again)
        wait_until_all_sent(again)
        expect(again.locator("#unsent")).to_have_text("Allt skickat")
        assert counts(live_app) == (1, 1, 1)
    finally:
        context.close()
