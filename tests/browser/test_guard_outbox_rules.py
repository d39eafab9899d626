"""Outbox rules beyond the night's happy path: order (priority, age, dependencies), a stale
CSRF token, a 401 in the middle of a pass, and a browser killed with entries queued."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.nights import TIME_ZONE_NAME
from tests.support.app import CHROMIUM, CHROMIUM_ARGS, TEST_PASSWORD
from tests.support.guard_browser import (
    ENTRIES_OF_SMALL_SHIFT,
    PHONE,
    checkpoint_token,
    counts,
    entry_paths,
    go_online,
    guard_context,
    login,
    outbox_entries,
    record_offline_shift,
    wait_for_unsent,
    wait_ready,
    wait_until_all_sent,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def test_order_priority_then_oldest_and_children_wait_for_parents(live_server, browser):
    context = guard_context(browser)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/")
        wait_ready(page)
        order = page.evaluate(
            """async () => {
                const { PRIORITY, makeEntry, nextDue, sortEntries } = await import("/static/js/outbox.js");
                const { backoffDelay } = await import("/static/js/sync.js");
                const report = makeEntry({ method: "PUT", url: "/r", label: "report" });
                const photo = makeEntry({ method: "PUT", url: "/p", label: "photo", dependsOn: report.id });
                const older = makeEntry({ method: "PUT", url: "/o", label: "older" });
                const sos = makeEntry({ method: "POST", url: "/s", label: "sos", priority: PRIORITY.sos });
                const later = makeEntry({ method: "PUT", url: "/l", label: "later" });
                later.nextAttemptAt = Date.now() + 60000;  // backing off
                const entries = sortEntries([photo, later, older, sos, report]);
                const present = new Set(entries.map(e => e.id));
                const picked = [];
                const done = new Set();
                for (let e; (e = nextDue(entries, present, done)); ) {
                  picked.push(e.label);
                  done.add(e.id);
                  present.delete(e.id);  // delivered: its children may go
                }
                const delays = [1, 2, 3, 10, 20].map(n => backoffDelay(n));
                return { picked, delays, retryAfter: backoffDelay(1, 30) };
            }"""
        )
    finally:
        context.close()
    assert order["picked"] == ["sos", "report", "photo", "older"]  # "later" is not due yet
    first, second, third, tenth, twentieth = order["delays"]
    assert 500 <= first <= 1000 and 1000 <= second <= 2000 and 2000 <= third <= 4000
    assert 150_000 <= tenth <= 300_000 and twentieth <= 300_000  # capped at 5 minutes
    assert order["retryAfter"] >= 30_000


def test_stale_csrf_token_gets_one_fresh_token_and_a_401_asks_for_login(
    live_server, live_app, browser
):
    context = guard_context(browser)
    page = context.new_page()
    token = checkpoint_token(live_app, "S110")
    record_offline_shift(page, context, live_server.url, token)
    answered = {"csrf": 0, "401": 0}

    def intercept(route, request):
        carried = " ".join(entry_paths(request))
        if "/checkins/" in carried and not answered["csrf"]:
            answered["csrf"] += 1
            route.fulfill(
                status=403,
                content_type="application/json",
                body=json.dumps({"error": "csrf", "message": "Säkerhetstoken saknas."}),
            )
        elif "/reports/" in carried and not answered["401"]:
            answered["401"] += 1
            route.fulfill(
                status=401,
                content_type="application/json",
                body=json.dumps({"error": "unauthorized", "message": "Du är inte inloggad."}),
            )
        else:
            route.continue_()

    context.route("**/api/v1/**", intercept)
    try:
        go_online(context, page)
        # The 401 stops the pass and asks for a login; nothing is dropped.
        expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
        # The outbox itself (IndexedDB) still holds them; the counter shows them once the
        # login screen has redrawn it (reading it at once raced that redraw in a CI run).
        assert len(outbox_entries(page)) > 0
        page.wait_for_function("document.querySelector('#unsent')?.dataset.count > 0")
        page.get_by_label("Lösenord").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Logga in").click()
        wait_until_all_sent(page)
    finally:
        context.close()
    assert answered == {"csrf": 1, "401": 1}
    assert counts(live_app) == {"shifts": 1, "checkins": 3, "reports": 1, "photos": 1}


def test_killed_browser_keeps_the_outbox(live_server, live_app, playwright_instance, tmp_path):
    """Record offline, close the whole browser (as when the phone kills it), start it again:
    the entries are still there and go."""
    token = checkpoint_token(live_app, "S110")
    profile = str(tmp_path / "phone-profile")
    options = {
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
        "headless": True,
        "viewport": PHONE,
        "locale": "sv-SE",
        "timezone_id": TIME_ZONE_NAME,
        "permissions": ["geolocation"],
        "geolocation": {"latitude": 55.5937, "longitude": 13.0101, "accuracy": 12},
    }
    context = playwright_instance.chromium.launch_persistent_context(profile, **options)
    page = context.pages[0]
    record_offline_shift(page, context, live_server.url, token)
    wait_for_unsent(page, ENTRIES_OF_SMALL_SHIFT)
    context.close()  # the whole browser goes away, offline, with everything queued
    assert counts(live_app)["shifts"] == 0

    context = playwright_instance.chromium.launch_persistent_context(profile, **options)
    try:
        page = context.pages[0]
        page.goto(live_server.url + "/")
        wait_ready(page)
        wait_until_all_sent(page)
    finally:
        context.close()
    assert counts(live_app) == {"shifts": 1, "checkins": 3, "reports": 1, "photos": 1}


def test_login_page_of_the_server_leads_into_the_app(live_server, browser):
    """Logging in on the server's /login page also opens the app (same session)."""
    context = guard_context(browser)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/login")
        page.get_by_label("Användarnamn").fill("guard")
        page.get_by_label("Lösenord").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Logga in").click()
        expect(page.get_by_role("heading", name="Nattpass")).to_be_visible()
    finally:
        context.close()


def test_qr_code_scanned_before_the_shift_starts_it_there(live_server, live_app, browser):
    from patrol.db import db
    from patrol.shifts.models import CheckIn

    token = checkpoint_token(live_app, "S110")
    context = guard_context(browser)
    page = context.new_page()
    try:
        login(page, live_server.url)
        page.goto(f"{live_server.url}/c/{token}")
        wait_ready(page)
        expect(page.get_by_text("Starta passet först.")).to_be_visible()
        page.get_by_role("button", name="Starta pass").click()
        expect(page.get_by_text("Soprum")).to_be_visible()
        page.get_by_role("button", name="Checka in").click()
        expect(page.get_by_role("heading", name="Nattpass")).to_be_visible()
        assert page.url == live_server.url + "/"  # the token does not stay in the history
        wait_until_all_sent(page)
    finally:
        context.close()
    with live_app.app_context():
        checkin = db.session.scalars(sa.select(CheckIn)).one()
        assert checkin.method == "qr" and checkin.checkpoint.short_code == "S110"
