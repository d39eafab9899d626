"""Never stranded (issue 10, points 4 and 6): "Logga ut" with unsent records or offline asks
first and keeps the outbox; a logout made offline waits on the phone and reaches the server
before anything else; each record is sent only under the session of the guard who recorded it;
the log screen says whether the phone may clear the app's data."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.auth.actions import create_user
from patrol.auth.models import User
from patrol.db import db
from patrol.shifts.models import CheckIn, Shift
from tests.support.app import TEST_PASSWORD
from tests.support.desk_browser import assert_accessible
from tests.support.guard_browser import (
    check_in_with_code,
    go_offline,
    go_online,
    guard_context,
    idb_value,
    login,
    outbox_entries,
    poll,
    start_shift,
    wait_for_outbox,
    wait_ready,
    wait_until_all_sent,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def checkins(live_app) -> list[str]:
    with live_app.app_context():
        return list(
            db.session.scalars(
                sa.select(User.username)
                .join(Shift, Shift.guard_id == User.id)
                .join(CheckIn, CheckIn.shift_id == Shift.id)
            ).all()
        )


def log_in_on_the_form(page, username: str) -> None:
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Nattpass")).to_be_visible()


def test_offline_logout_asks_keeps_the_outbox_and_another_guard_never_sends_it(
    live_server, live_app, browser, output_dir
):
    with live_app.app_context():
        create_user("guard2", TEST_PASSWORD, "guard")
    context = guard_context(browser)
    page = context.new_page()
    try:
        login(page, live_server.url)
        start_shift(page)
        wait_until_all_sent(page)
        go_offline(context, page)
        check_in_with_code(page, "S101")

        # Asked first: how many records are unsent, and that logging in again needs a network.
        page.get_by_role("button", name="Logga ut").click()
        dialog = page.get_by_role("alertdialog")
        expect(dialog).to_contain_text("1 registrering är inte skickad än")
        expect(dialog).to_contain_text("För att logga in igen behövs nät")
        assert_accessible(page, "logout-ask-offline-390")
        page.screenshot(path=str(output_dir / "logout-ask-offline-390.png"))
        dialog.get_by_role("button", name="Avbryt").click()
        expect(page.get_by_role("alertdialog")).to_have_count(0)
        expect(page.get_by_role("heading", name="Nattpass")).to_be_visible()

        page.get_by_role("button", name="Logga ut").click()
        page.get_by_role("button", name="Logga ut ändå").click()
        expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
        assert idb_value(page, "pendingLogout") is True  # queued: no network to send it
        [entry] = [e for e in outbox_entries(page) if e["kind"] == "checkin"]  # kept

        # Back online: the logout goes first; the old session sends nothing.
        go_online(context, page)
        poll(
            page,
            """async () => {
                const { getValue } = await import("/static/js/db.js");
                return !(await getValue("pendingLogout"));
            }""",
            what="the queued logout reaching the server",
        )
        assert page.evaluate("async () => (await (await fetch('/api/v1/me')).json()).user") is None
        assert checkins(live_app) == []

        # Another guard logs in on the same phone: the entry is not sent as theirs.
        log_in_on_the_form(page, "guard2")
        page.evaluate("async () => (await import('/static/js/sync.js')).sendNow()")
        wait_for_outbox(page, 1)
        assert checkins(live_app) == []
        assert [e["id"] for e in outbox_entries(page)] == [entry["id"]]

        # Its own guard logs in again: it goes, as theirs, once.
        page.get_by_role("button", name="Logga ut").click()
        expect(page.get_by_role("alertdialog")).to_contain_text("1 registrering")
        page.get_by_role("button", name="Logga ut ändå").click()
        expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
        log_in_on_the_form(page, "guard")
        wait_until_all_sent(page)
        assert checkins(live_app) == ["guard"]
    finally:
        context.close()


def test_log_screen_says_whether_the_phone_may_clear_the_apps_data(
    live_server, browser, output_dir
):
    context = guard_context(browser)
    page = context.new_page()
    try:
        login(page, live_server.url)
        page.get_by_role("link", name="Nattens logg").click()
        wait_ready(page)
        status = page.locator("#storage-status")
        persisted = page.evaluate("() => navigator.storage.persisted()")
        if persisted:
            expect(status).to_contain_text("Telefonen behåller appens data")
        else:
            expect(status).to_contain_text("Telefonen kan rensa appens data")
            expect(page.get_by_text("På iPhone: lägg till appen på hemskärmen")).to_be_visible()
        assert_accessible(page, "log-storage-status-390")
        page.screenshot(path=str(output_dir / "log-storage-status-390.png"))
    finally:
        context.close()


def test_online_logout_without_unsent_records_does_not_ask(live_server, browser):
    context = guard_context(browser)
    page = context.new_page()
    try:
        login(page, live_server.url)
        start_shift(page)
        wait_until_all_sent(page)
        page.get_by_role("button", name="Logga ut").click()
        expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
        deadline = time.monotonic() + 10
        while page.evaluate("async () => (await (await fetch('/api/v1/me')).json()).user"):
            assert time.monotonic() < deadline
            page.wait_for_timeout(100)
    finally:
        context.close()
