"""The sync engine against a bad network and a bad night (issue 3, tests 3-5):
server errors and a lost answer, a refused entry, and a session that expired offline."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.support.app import TEST_PASSWORD
from tests.support.desk_browser import assert_accessible
from tests.support.guard_browser import (
    ENTRIES_OF_SMALL_SHIFT,
    camera_photo,
    check_in_with_code,
    checkpoint_token,
    counts,
    entry_paths,
    go_offline,
    go_online,
    guard_context,
    login,
    outbox_entries,
    record_offline_shift,
    reload,
    start_shift,
    wait_for_outbox,
    wait_for_unsent,
    wait_until_all_sent,
    write_report,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


# record_offline_shift: shift start + 3 check-ins + 1 report + 1 photo + shift end.
def ended_shifts(app) -> int:
    from patrol.db import db
    from patrol.shifts.models import Shift

    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(Shift).where(Shift.ended_at.is_not(None))
        )


def test_server_errors_and_a_lost_answer_still_deliver_everything_once(
    live_server, live_app, browser
):
    context = guard_context(browser)
    page = context.new_page()
    token = checkpoint_token(live_app, "S110")
    record_offline_shift(page, context, live_server.url, token)
    wait_for_unsent(page, ENTRIES_OF_SMALL_SHIFT)

    # Record path -> times the server handled it (a PUT, or an entry of a batch).
    reached_server = Counter()
    plan = {"failures_left": ["503", "503", "500"], "lost": {}}

    def intercept(route, request):
        paths = entry_paths(request)
        if not paths:
            route.continue_()
            return
        if plan["failures_left"]:
            status = int(plan["failures_left"].pop(0))
            route.fulfill(
                status=status,
                content_type="application/json",
                body=json.dumps({"error": "server_error", "message": "Tillfälligt fel."}),
            )
            return
        kinds = {
            "photos" if "/photos/" in p else p.split("/api/v1/")[1].split("/")[0] for p in paths
        }
        kind = next((k for k in ("checkins", "photos") if k in kinds), None)
        if kind and kind not in plan["lost"]:
            # The request reaches the server and is stored, but the answer never comes back.
            plan["lost"][kind] = paths
            response = route.fetch()
            reached_server.update(paths)
            assert response.status in (200, 201), response.text()
            route.abort("connectionreset")
            return
        reached_server.update(paths)
        route.continue_()

    context.route("**/api/v1/**", intercept)
    try:
        go_online(context, page)
        wait_until_all_sent(page)
        expect(page.locator("#unsent")).to_have_text("Allt skickat")
    finally:
        context.close()

    assert plan["failures_left"] == [] and set(plan["lost"]) == {"checkins", "photos"}
    # The lost ones (a whole batch, a photo) were sent again (the server answered 200 the
    # second time); everything else reached the server once (the shift's URL twice: its start
    # and its end).
    lost = {path for paths in plan["lost"].values() for path in paths}
    for path, times in reached_server.items():
        expected = (2 if path in lost else 1) + (1 if "/shifts/" in path else 0)
        assert times == expected, path
    assert counts(live_app) == {"shifts": 1, "checkins": 3, "reports": 1, "photos": 1}
    assert ended_shifts(live_app) == 1


def test_refused_entry_needs_attention_with_the_server_message(live_server, live_app, browser):
    context = guard_context(browser)
    page = context.new_page()
    try:
        # The online lookup could not be made (a dropped connection): the check-in is saved
        # and the server refuses it at sync, as for a code typed offline.
        context.route("**/api/v1/checkpoint-lookups", lambda route: route.abort())
        login(page, live_server.url)
        start_shift(page)
        check_in_with_code(page, "S999")  # no such code: the server answers 422
        check_in_with_code(page, "S101")
        wait_for_unsent(page, 1)  # the shift and the good check-in went, the bad one stays
        expect(page.locator("#unsent")).to_have_text("1 behöver åtgärd")
        page.locator("#unsent").click()
        item = page.locator(".log-item.needs_attention")
        expect(item).to_have_count(1)
        expect(item.locator(".state")).to_have_text("behöver åtgärd")
        expect(item).to_contain_text("Okänd kod. Kontrollera koden som står under QR-koden.")
        expect(page.locator(".log-item.sent")).to_have_count(2)

        # Not dropped: after more passes, a reload and a retry it is still there, still refused.
        page.get_by_role("button", name="Skicka nu").click()
        reload(page)
        before = outbox_entries(page)
        assert len(before) == 1 and before[0]["state"] == "needs_attention"
        item.get_by_role("button", name="Försök igen").click()
        wait_for_outbox(page, 1, "needs_attention", min_attempts=before[0]["attempts"] + 1)
        expect(page.locator(".log-item.needs_attention")).to_have_count(1)
        entries = outbox_entries(page)
        assert len(entries) == 1
        assert entries[0]["state"] == "needs_attention" and entries[0]["lastStatus"] == 422
        assert entries[0]["body"]["checkpoint_code"] == "S999"
    finally:
        context.close()
    assert counts(live_app)["checkins"] == 1


def test_session_lost_offline_asks_for_login_and_loses_nothing(
    live_server, live_app, browser, output_dir
):
    context = guard_context(browser)
    page = context.new_page()
    token = checkpoint_token(live_app, "S110")
    puts = []
    page.on("request", lambda request: request.method == "PUT" and puts.append(request.url))
    try:
        record_offline_shift(page, context, live_server.url, token)
        context.clear_cookies()  # the session cookie is gone (expired, cleared)
        go_online(context, page)

        expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
        expect(page.locator("#login-banner")).to_be_visible()
        assert_accessible(page, "guard-login-session-lost-online")
        page.screenshot(path=str(output_dir / "guard-login-session-lost-online.png"))
        wait_for_unsent(page, ENTRIES_OF_SMALL_SHIFT)
        assert puts == []  # nothing was sent without a session
        assert counts(live_app)["shifts"] == 0

        page.get_by_label("Lösenord").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Logga in").click()
        expect(page.get_by_role("heading", name="Nattpass")).to_be_visible()
        wait_until_all_sent(page)
        expect(page.locator("#login-banner")).to_be_hidden()
    finally:
        context.close()
    assert counts(live_app) == {"shifts": 1, "checkins": 3, "reports": 1, "photos": 1}
    assert ended_shifts(live_app) == 1


def test_offline_entries_survive_going_offline_again(live_server, live_app, browser):
    """Half a sync: the network drops in the middle; the rest waits and goes later."""
    context = guard_context(browser)
    page = context.new_page()
    token = checkpoint_token(live_app, "S110")
    try:
        record_offline_shift(page, context, live_server.url, token)
        sent = []

        def cut_after_the_first(route, request):
            # The first sync request goes (a batch: the shift's start, its check-ins and its
            # report), then the network is gone.
            paths = entry_paths(request)
            if paths and sent:
                route.abort("internetdisconnected")
                return
            if paths:
                sent.append(paths)
            route.continue_()

        context.route("**/api/v1/**", cut_after_the_first)
        go_online(context, page)
        wait_for_unsent(page, ENTRIES_OF_SMALL_SHIFT - 5)
        assert len(sent[0]) == 5
        go_offline(context, page)
        context.unroute("**/api/v1/**")
        reload(page)
        wait_for_unsent(page, ENTRIES_OF_SMALL_SHIFT - 5)
        go_online(context, page)
        wait_until_all_sent(page)
    finally:
        context.close()
    assert counts(live_app) == {"shifts": 1, "checkins": 3, "reports": 1, "photos": 1}


def test_a_mistyped_code_is_corrected_in_the_log_and_then_arrives(
    live_server, live_app, browser, output_dir
):
    context = guard_context(browser)
    page = context.new_page()
    try:
        context.route("**/api/v1/checkpoint-lookups", lambda route: route.abort())  # as above
        login(page, live_server.url)
        start_shift(page)
        check_in_with_code(page, "S99")  # one digit short: the server answers 422
        wait_for_outbox(page, 1, "needs_attention", min_attempts=1)
        page.locator("#unsent").click()
        item = page.locator(".log-item.needs_attention")
        expect(item).to_contain_text("Okänd kod. Kontrollera koden som står under QR-koden.")
        code = item.get_by_label("Kod")
        expect(code).to_have_value("S99")
        code.fill("s101")
        assert_accessible(page, "guard-log-fix-code-online")
        page.screenshot(path=str(output_dir / "guard-log-fix-code-online.png"), full_page=True)
        item.get_by_role("button", name="Spara").click()
        wait_until_all_sent(page)
        expect(page.locator(".log-item.needs_attention")).to_have_count(0)
        expect(page.locator(".log-item", has_text="S101")).to_contain_text("skickad")
    finally:
        context.close()
    assert counts(live_app)["checkins"] == 1
    with live_app.app_context():
        from patrol.db import db
        from patrol.shifts.models import CheckIn

        checkin = db.session.scalars(sa.select(CheckIn)).one()
        assert checkin.method == "code" and checkin.checkpoint.short_code == "S101"


def test_a_photo_the_browser_lost_needs_attention_and_the_rest_arrives(
    live_server, live_app, browser
):
    """The sync engine reads each photo's stored bytes while the entry before it is on its way;
    a photo whose bytes the browser lost (storage evicted, a broken profile) is shown to the
    guard as needing attention, never dropped, and the photos after it still go."""
    context = guard_context(browser)
    page = context.new_page()
    try:
        login(page, live_server.url)
        go_offline(context, page)
        reload(page)
        start_shift(page)
        write_report(
            page,
            property_name="Rasmusgatan 5",
            description="Krossad ruta i porten.",
            photos=tuple(camera_photo(seed, 1600, 1200) for seed in (11, 12, 13)),
        )
        photos = [e for e in outbox_entries(page) if e["kind"] == "photo"]
        assert len(photos) == 3
        lost = photos[1]["id"]
        page.evaluate(
            """(id) => new Promise((resolve, reject) => {
                const open = indexedDB.open("nattpatrull");
                open.onsuccess = () => {
                  const tx = open.result.transaction("bodies", "readwrite");
                  tx.objectStore("bodies").delete(id);
                  tx.oncomplete = () => { open.result.close(); resolve(); };
                  tx.onerror = () => reject(tx.error);
                };
              })""",
            lost,
        )
        go_online(context, page)
        wait_for_outbox(page, 1, "needs_attention")
        (entry,) = outbox_entries(page)
        assert entry["id"] == lost and "is missing" in entry["lastMessage"]
    finally:
        context.close()
    assert counts(live_app)["photos"] == 2
