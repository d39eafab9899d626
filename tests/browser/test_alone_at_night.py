"""Alone at night in the browser (issue 23, points 2, 3 and the outbox's alarm class).

The guard starts a "Jag är OK" timer offline: the phone says the server does not know ("Väntar
på nät – gå inte in än"); online it says it does ("Servern vet ✓"); the page's clock
(Playwright's page.clock) lets it run out, and the phone sounds and vibrates (both stubbed and
checked); the server's clock is set past the due time, the worker's rules run, and the
supervisor's alert board shows the alarm. And: the phone's outbox sends alarms before
everything, an SOS and an older check-in included.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from patrol.alarms.actions import check_alarms
from patrol.db import set_clock
from tests.support.app import OUTPUT_DIR
from tests.support.desk_browser import log_in
from tests.support.guard_browser import (
    check_in_with_code,
    go_offline,
    go_online,
    guard_context,
    home,
    login,
    start_shift,
    wait_for_unsent,
    wait_until_all_sent,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

SHOTS = OUTPUT_DIR / "alone"

# Sound and vibration, stubbed: every call is kept for the test to check.
STUBS = """
window.__alone = { vibrate: [], tones: 0 };
navigator.vibrate = (pattern) => { window.__alone.vibrate.push(pattern); return true; };
class FakeContext {
  constructor() { this.currentTime = 0; this.destination = {}; }
  createOscillator() {
    return { frequency: {}, connect: (n) => n, start: () => { window.__alone.tones += 1; }, stop: () => {} };
  }
  createGain() { return { gain: {}, connect: (n) => n }; }
}
window.AudioContext = FakeContext;
window.webkitAudioContext = FakeContext;
"""


def test_a_timer_started_offline_is_known_online_runs_out_and_the_desk_shows_it(
    live_server, live_app, browser
):
    context = guard_context(browser)
    context.add_init_script(STUBS)
    page = context.new_page()
    page.clock.install()
    try:
        login(page, live_server.url)
        start_shift(page)
        wait_until_all_sent(page)
        card = page.locator("#alone-card")
        expect(card).to_be_visible()
        go_offline(context, page)
        page.locator("#alone-task").fill("Går in i trapphuset")
        page.locator("#alone-minutes").select_option("5")
        page.locator("#alone-timer-start").click()
        expect(page.locator("#alone-timer-line")).to_contain_text("Går in i trapphuset")
        expect(card.locator(".alone-known")).to_have_text("Väntar på nät – gå inte in än")
        page.screenshot(path=f"{SHOTS}/timer-offline.png")
        go_online(context, page)
        page.get_by_role("button", name="Skicka nu").click()
        wait_until_all_sent(page)
        expect(card.locator(".alone-known")).to_have_text("Servern vet ✓")
        card.evaluate("(card) => card.scrollIntoView()")
        page.screenshot(path=f"{SHOTS}/timer-known.png")
        assert page.evaluate("() => window.__alone.vibrate.length") == 0
        # The phone's clock runs the timer out: it sounds and vibrates in the foreground.
        page.clock.run_for(6 * 60 * 1000)
        expect(page.locator("#alone-due")).to_be_visible()
        page.locator("#alone-card").evaluate("(card) => card.scrollIntoView()")
        calls = page.evaluate("() => window.__alone")
        assert calls["vibrate"] and calls["tones"] >= 1
        page.screenshot(path=f"{SHOTS}/timer-due.png")
        # The server's clock past the due time: the worker's rules raise the alarm.
        set_clock(live_app, datetime.now(UTC) + timedelta(minutes=7))
        with live_app.app_context():
            check_alarms()
        desk = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark")
        try:
            board = desk.new_page()
            log_in(board, live_server.url)
            board.goto(live_server.url + "/push/alerts")
            alarm = board.locator(".sos-alert").first
            expect(alarm).to_contain_text("Jag är OK-timern gick ut")
            expect(alarm).to_contain_text("Går in i trapphuset")
            expect(alarm).to_contain_text("Position")
            board.screenshot(path=f"{SHOTS}/desk-timer-alarm.png", full_page=True)
        finally:
            desk.close()
    finally:
        set_clock(live_app, None)
        context.close()


def test_the_outbox_sends_alarms_before_everything_sos_included(live_server, live_app, browser):
    import sqlalchemy as sa

    from patrol.db import db
    from patrol.shifts.models import Shift

    context = guard_context(browser)
    page = context.new_page()
    beats = []
    page.on("request", lambda r: beats.append(r.method) if "/heartbeat" in r.url else None)
    sent = []
    page.on(
        "request",
        lambda r: (
            sent.append(r.url.split("/api/v1/")[1].split("/")[0])
            if r.method == "PUT" and "/api/v1/" in r.url and "/heartbeat" not in r.url
            else None
        ),
    )
    try:
        login(page, live_server.url)
        start_shift(page)
        wait_until_all_sent(page)
        # The app comes back to the foreground: one heartbeat (never from a timer).
        assert beats == []
        page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
        page.wait_for_function("() => true")
        with live_app.app_context():
            for _ in range(100):
                if db.session.scalar(sa.select(Shift.last_heartbeat_at)) is not None:
                    break
                db.session.rollback()
                page.wait_for_timeout(100)
            assert db.session.scalar(sa.select(Shift.last_heartbeat_at)) is not None
        assert beats == ["PUT"]
        go_offline(context, page)
        check_in_with_code(page, "S101")  # the oldest: a record
        page.evaluate(
            """async () => {
                const { currentShift, record } = await import("/static/js/records.js");
                const { sosEntry } = await import("/static/js/sos.js");
                const alone = await import("/static/js/alone.js");
                const shift = await currentShift();
                const sos = sosEntry({ sosId: crypto.randomUUID(), shiftId: shift.id,
                                       occurredAt: new Date().toISOString() });
                await record(async () => ({ entries: [{ ...sos, position: false }] }));
                await alone.startNoCoverage(shift, 20);  // the newest: an alarm record
            }"""
        )
        wait_for_unsent(page, 3)
        sent.clear()
        go_online(context, page)
        page.get_by_role("button", name="Skicka nu").click()
        wait_until_all_sent(page)
    finally:
        context.close()
    assert sent[:3] == ["no-coverage", "sos", "checkins"], sent


def test_a_guard_with_two_areas_picks_one_at_starta_pass_offline(live_server, live_app, browser):
    """Point 0: the list comes with the cached sites document, so the choice works offline;
    the shift reaches the server with its area."""
    import sqlalchemy as sa

    from patrol.auth.models import User
    from patrol.db import db
    from patrol.shifts.models import Shift
    from patrol.sites.models import Area

    with live_app.app_context():
        home = db.session.scalar(sa.select(Area).order_by(Area.id))
        other = Area(name="Rosengård", city="Malmö")
        db.session.add(other)
        guard = db.session.scalar(sa.select(User).where(User.username == "guard"))
        guard.areas = [home, other]
        db.session.commit()
        other_id = other.id
    context = guard_context(browser)
    page = context.new_page()
    try:
        login(page, live_server.url)
        go_offline(context, page)
        page.get_by_role("button", name="Starta pass").click()
        expect(page.locator("#notice")).to_contain_text("Välj område först")
        page.get_by_label("Område för passet").select_option(label="Rosengård")
        page.screenshot(path=f"{SHOTS}/area-choice-offline.png")
        page.get_by_role("button", name="Starta pass").click()
        expect(page.locator(".shift-line.running")).to_be_visible()
        go_online(context, page)
        page.get_by_role("button", name="Skicka nu").click()
        wait_until_all_sent(page)
    finally:
        context.close()
    with live_app.app_context():
        assert db.session.scalars(sa.select(Shift.area_id)).all() == [other_id]


# Every moment the page shows, the alone card's "Väntar på nät" beside a status line that says
# everything is sent is kept (a MutationObserver sees the DOM after each task, before paint).
CLAIMS = """
window.__claims = [];
const sentClaim = () => {
  const top = document.getElementById("unsent");
  const home = document.getElementById("home-unsent");
  const said = [];
  if (top && top.textContent.trim() === "Allt skickat") said.push("top: Allt skickat");
  if (home && home.textContent.trim() === "Allt är skickat till servern.") said.push("home: Allt är skickat");
  return said;
};
new MutationObserver(() => {
  const waiting = [...document.querySelectorAll('#alone-card .alone-known[data-known="no"]')];
  if (!waiting.length) return;
  for (const claim of sentClaim()) {
    const last = window.__claims[window.__claims.length - 1];
    if (last !== claim) window.__claims.push(claim);
  }
}).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
"""


def test_nothing_says_sent_while_a_timer_or_no_coverage_waits_for_the_network(
    live_server, live_app, browser
):
    """Issue 23 follow-up: the card said "Väntar på nät – gå inte in än" while the top bar still
    said "Allt skickat" (its count came 150 ms later, from a coalescing timer; longer where the
    phone slows timers). The counters and the card now draw from one snapshot of the outbox."""
    import sqlalchemy as sa

    from patrol.alarms.models import CheckinTimer, NoCoverage
    from patrol.db import db

    context = guard_context(browser)
    context.add_init_script(STUBS)
    context.add_init_script(CLAIMS)
    page = context.new_page()
    card = page.locator("#alone-card")
    try:
        login(page, live_server.url)
        start_shift(page)
        wait_until_all_sent(page)
        expect(card).to_be_visible()
        go_offline(context, page)
        page.locator("#alone-task").fill("Källaren, Jespersgatan 6")
        page.locator("#alone-minutes").select_option("5")
        page.locator("#alone-timer-start").click()
        expect(card.locator(".alone-known")).to_have_text("Väntar på nät – gå inte in än")
        expect(page.locator("#unsent")).to_have_text("1 osänd")
        assert page.evaluate("() => window.__claims") == []
        card.locator('[data-minutes="20"]').click()
        expect(card.locator(".alone-known")).to_have_text(["Väntar på nät – gå inte in än"] * 2)
        expect(page.locator("#unsent")).to_have_text("2 osända")
        expect(page.locator("#home-unsent")).to_have_text("2 registreringar väntar på att skickas.")
        card.evaluate("(card) => card.scrollIntoView()")
        page.screenshot(path=SHOTS / "alone-waiting-offline.png")
        go_online(context, page)
        page.get_by_role("button", name="Skicka nu").click()
        wait_until_all_sent(page)
        expect(card.locator(".alone-known")).to_have_text(["Servern vet ✓"] * 2)
        card.evaluate("(card) => card.scrollIntoView()")
        page.screenshot(path=SHOTS / "alone-known-online.png")
        # "+10 min" offline: waiting again, and said so everywhere, until it is sent.
        go_offline(context, page)
        page.locator("#alone-extend").click()
        expect(card.locator(".alone-known").first).to_have_text("Väntar på nät – gå inte in än")
        expect(page.locator("#unsent")).to_have_text("1 osänd")
        go_online(context, page)
        page.get_by_role("button", name="Skicka nu").click()
        wait_until_all_sent(page)
        expect(card.locator(".alone-known")).to_have_text(["Servern vet ✓"] * 2)
        assert page.evaluate("() => window.__claims") == []
        phone_due = page.evaluate(
            """async () => {
                const { getValue } = await import("/static/js/db.js");
                const { TIMER_KEY } = await import("/static/js/alone.js");
                return (await getValue(TIMER_KEY)).dueAt;
            }"""
        )
    finally:
        context.close()
    with live_app.app_context():
        [timer] = db.session.scalars(sa.select(CheckinTimer)).all()
        assert timer.task == "Källaren, Jespersgatan 6"
        # "+10 min" on a 5-minute timer with 4 whole minutes left: 14 minutes from the tap, so
        # the due time is about 15 minutes after the start (it was 10 from the tap, shortening
        # what was left), and the phone shows the server's due time.
        assert timer.minutes == 14 or timer.minutes == 13  # 13 if a minute passed before the tap
        due_after_start = timer.due_at - timer.started_at
        assert timedelta(minutes=14) <= due_after_start <= timedelta(minutes=15), due_after_start
        assert datetime.fromisoformat(phone_due.replace("Z", "+00:00")) == timer.due_at
        [window] = db.session.scalars(sa.select(NoCoverage)).all()
        assert window.minutes == 20 and window.ended_at is None


REFUSED_SHIFT = {
    "error": "validation",
    "message": "Några fält är inte giltiga.",
    "errors": {"area_id": ["Området finns inte längre."]},
}


def test_the_card_says_servern_vet_only_for_what_the_server_answered(
    live_server, live_app, browser
):
    """The card used to say "Servern vet ✓" whenever no request for the timer was left in the
    outbox. A guard who discards a refused shift start throws away the timer that waited behind
    it: nothing is left, the server never had it, and the card said the server knows. It now
    says so only for a save the server answered, and says what else happened."""
    import sqlalchemy as sa

    from patrol.alarms.models import CheckinTimer
    from patrol.db import db

    context = guard_context(browser)
    context.add_init_script(STUBS)

    def refuse_the_shift_start(route, request):
        if request.method == "PUT" and request.url.rstrip("/").count("/") == 6:
            # PUT /api/v1/shifts/<id> (not its heartbeat, hand-over or end)
            route.fulfill(
                status=422, content_type="application/json", body=json.dumps(REFUSED_SHIFT)
            )
        else:
            route.continue_()

    context.route("**/api/v1/shifts/*", refuse_the_shift_start)
    page = context.new_page()
    card = page.locator("#alone-card")
    try:
        login(page, live_server.url)
        start_shift(page)
        page.locator("#alone-task").fill("Vinden, Jespersgatan 6")
        page.locator("#alone-minutes").select_option("10")
        page.locator("#alone-timer-start").click()
        # Behind its refused shift start the timer waits: not known.
        expect(card.locator(".alone-known")).to_have_text("Väntar på nät – gå inte in än")
        page.locator("#unsent").click()
        item = page.locator(".log-item[data-kind='shift_start']")
        expect(item).to_have_attribute("data-state", "needs_attention", timeout=60_000)
        item.get_by_role("button", name="Kasta").click()
        item.get_by_role("button", name="Ja, kasta").click()
        expect(item).to_have_attribute("data-state", "discarded")
        home(page)
        line = card.locator(".alone-known")
        expect(line).to_have_text("Servern vet inte – starta igen")
        expect(line).to_have_attribute("data-known", "no")
        card.evaluate("(card) => card.scrollIntoView()")
        page.screenshot(path=SHOTS / "timer-lost.png")
        # "+10 min" sends it again; the server has no such shift (422): refused, said so.
        card.locator("#alone-extend").click()
        expect(line).to_have_text("Servern tog inte emot – räkna inte med den", timeout=60_000)
        expect(line).to_have_attribute("data-state", "refused")
        page.screenshot(path=SHOTS / "timer-refused.png")
    finally:
        context.close()
    with live_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckinTimer)) == 0
