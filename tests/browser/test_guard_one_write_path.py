"""One write path, and a position never holds a save (issue 20, points 1 and 2).

Every screen that records something saves the record at the tap through records.record():
the outbox entry is in IndexedDB at once, stamped with the guard and the tap's time, and its
position is added later. The phone's position is played by an init script that replaces
`Geolocation.prototype.getCurrentPosition` and `watchPosition`: one never answers (a cellar,
a permission prompt nobody answers), one answers after 2 s.

Time is the page's, set by the test (Playwright's page.clock): each tap happens with the
clock paused; the clock is moved 300 ms and the record must then be in IndexedDB (the wait
in between is IndexedDB's own, in real time: no timer of the page may stand between the tap
and the save), then to 1 s after the tap, and the page is reloaded. Before issue 20 the walk,
resident information and the round screen's "Checka in" awaited the position (geo.js gives
up after 10.5 s), so at 300 ms nothing was saved and the reload lost the record."""

from __future__ import annotations

import time as wall
import uuid
from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.db import db, set_clock
from patrol.push.models import DispatchResponse, SosAlert
from patrol.reports.models import Report
from patrol.rounds.models import RoundSkip
from patrol.safety.models import ResidentInfoVisit, WalkCheck
from patrol.shifts.models import CheckIn
from tests.support.app import OUTPUT_DIR
from tests.support.guard_browser import (
    go_offline,
    go_online,
    guard_context,
    login,
    poll,
    reload,
    start_shift,
    wait_for_outbox,
)
from tests.support.rounds import local, make_route
from tests.support.safety import CHECKLIST, acute_event_with_plan, plan_walk_directly

pytestmark = [pytest.mark.browser, pytest.mark.timeout(400)]

NIGHT = date(2026, 11, 23)
SHOTS = OUTPUT_DIR / "one-write-path"

# A phone that never finds its position.
NEVER_ANSWERS = """
(() => {
  Geolocation.prototype.getCurrentPosition = function () {};
  Geolocation.prototype.watchPosition = function () { return 1; };
})();
"""

# A phone that finds its position 2 s after it is asked (on the page's clock).
ANSWERS_AFTER_2S = """
(() => {
  Geolocation.prototype.getCurrentPosition = function (success) {
    setTimeout(() => success({
      coords: { latitude: 55.6049, longitude: 13.0038, accuracy: 9 },
      timestamp: Date.now(),
    }), 2000);
  };
  Geolocation.prototype.watchPosition = function () { return 1; };
})();
"""

# The newest outbox entry whose URL contains `part` and whose id is not in `seen`, as stored
# (a Blob body left out).
FIND_ENTRY = """([part, seen]) => new Promise((resolve, reject) => {
    const open = indexedDB.open("nattpatrull");
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const all = open.result.transaction("outbox").objectStore("outbox").getAll();
      all.onsuccess = () => {
        open.result.close();
        const found = all.result.filter((e) => e.url.includes(part) && !seen.includes(e.id))
          .sort((a, b) => b.createdAt - a.createdAt)[0];
        resolve(found ? { ...found, body: found.bodyRef ? null : found.body } : null);
      };
      all.onerror = () => reject(all.error);
    };
  })"""


def guard_id(app) -> int:
    from patrol.auth.models import User

    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.username == "guard"))


def iso_ms(value: str) -> int:
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


class Taps:
    """Taps with the page's clock paused, and what each one saved."""

    def __init__(self, page, user_id: int):
        self.page = page
        self.user_id = user_id
        self.saved: dict[str, dict] = {}

    def tap(self, name: str, url_part: str, do_tap, *, time_field="occurred_at", countdown=0):
        """`do_tap()` taps; the record (an entry whose URL contains `url_part`) must be in
        IndexedDB 300 ms later (after `countdown` ms for the SOS), stamped with the guard and
        the tap's time, and still there after a reload 1 s after the tap."""
        page = self.page
        now = page.evaluate("() => Date.now()")
        page.clock.pause_at(datetime.fromtimestamp((now + 1000) / 1000, UTC))
        tap_ms = page.evaluate("() => Date.now()")
        do_tap()
        if countdown:
            page.clock.run_for(countdown)
        page.clock.run_for(300)
        seen = [saved["entry"]["id"] for saved in self.saved.values()]
        entry = poll(
            page, FIND_ENTRY, [url_part, seen], timeout=15_000, what=f"{name} in the outbox"
        )
        assert page.evaluate("() => Date.now()") <= tap_ms + countdown + 300
        assert entry["user"] == self.user_id, f"{name} not stamped with the guard"
        recorded = iso_ms(entry["body"][time_field])
        assert 0 <= recorded - tap_ms <= 300, (
            f"{name}: recorded {recorded - tap_ms} ms after the tap"
        )
        page.clock.run_for(700)  # 1 s after the tap (after the countdown for the SOS)
        page.clock.resume()
        reload(page)
        again = poll(page, FIND_ENTRY, [url_part, seen], what=f"{name} after the reload")
        assert again["id"] == entry["id"]
        self.saved[name] = {"entry": entry, "tap_ms": tap_ms, "recorded_ms": recorded}
        return entry


def wait_for(predicate, what: str, timeout: float = 30.0):
    """Check the server's database until `predicate()` returns something (a condition, in
    real time: the page's clock is paused meanwhile)."""
    deadline = wall.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert wall.monotonic() < deadline, f"timed out waiting for {what}"
        wall.sleep(0.1)


def server_time_ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def send_everything(page, context) -> None:
    """Online, past every record's wait for a position: the outbox empties."""
    page.clock.fast_forward(11_000)
    go_online(context, page)
    page.evaluate("async () => (await import('/static/js/sync.js')).sendNow()")
    wait_for_outbox(page, 0)


def assert_once_at_the_tap(app, taps: Taps, rows: dict) -> None:
    """Each record is on the server exactly once, with the time of its tap."""
    with app.app_context():
        for name, (model, time_column) in rows.items():
            saved = taps.saved[name]
            found = db.session.scalars(
                sa.select(model).where(
                    model.id == uuid.UUID(saved["entry"]["url"].rsplit("/", 1)[1])
                )
            ).all()
            assert len(found) == 1, name
            assert server_time_ms(getattr(found[0], time_column)) == saved["recorded_ms"], name


def test_shift_screens_save_at_the_tap_and_survive_a_reload(live_server, live_app, browser):
    """The check-in screen, a report, and the round screen's "Checka in" and "Hoppa över",
    offline with a position that never comes."""
    from tests.support.rounds import demo_checkpoints

    first = demo_checkpoints(live_app, 3)
    make_route(live_app, [c["id"] for c in first], valid_from=NIGHT, window=(time(19, 30), time(4, 0)))  # fmt: skip
    set_clock(live_app, local(2026, 11, 23, 19, 40))
    context = guard_context(browser)
    context.clock.install(time=local(2026, 11, 23, 19, 40))
    context.add_init_script(NEVER_ANSWERS)
    page = context.new_page()
    try:
        login(page, live_server.url)
        go_offline(context, page)
        reload(page)
        start_shift(page)
        taps = Taps(page, guard_id(live_app))

        page.get_by_role("link", name="Checka in").click()
        page.get_by_label("Kod").fill("S101")
        code_button = page.locator("#code-form").get_by_role("button", name="Checka in")
        taps.tap("checkin", "/checkins/", code_button.click)

        page.get_by_role("link", name="Rapportera").click()
        page.get_by_label("Fastighet").select_option(index=1)
        page.get_by_label("Kategori").select_option(label="Klotter")
        page.get_by_label("Förebyggande", exact=True).check()
        taps.tap("report", "/reports/", page.get_by_role("button", name="Spara").click)

        page.locator("#rounds-card").get_by_role("link", name="Öppna rundan").click()
        stop = page.locator(f'.round-stop[data-checkpoint="{first[0]["id"]}"]')
        taps.tap("round_checkin", "/checkins/", stop.get_by_role("button", name="Checka in").click)  # fmt: skip
        expect(stop).to_contain_text("Incheckad")
        stop = page.locator(f'.round-stop[data-checkpoint="{first[1]["id"]}"]')
        stop.get_by_role("button", name="Hoppa över").click()
        page.get_by_label("Låst dörr eller grind").check()
        taps.tap("skip", "/skips/", page.get_by_role("button", name="Spara").click)
        expect(page.locator(".stop-skip")).to_contain_text("Överhoppad")
        shoot(page, "round-after-reload-offline")

        send_everything(page, context)
        set_clock(live_app, local(2026, 11, 23, 20, 30))
        assert_once_at_the_tap(
            live_app,
            taps,
            {
                "checkin": (CheckIn, "occurred_at"),
                "report": (Report, "occurred_at"),
                "round_checkin": (CheckIn, "occurred_at"),
                "skip": (RoundSkip, "occurred_at"),
            },
        )
        with live_app.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 2
    finally:
        context.close()


def test_walk_and_resident_information_save_at_the_tap(live_server, live_app, browser):
    """A safety walk's OK and Brist, and resident information's Spara: saved at the tap with
    the guard's id (before issue 20 they waited up to 10.5 s for the position, unstamped)."""
    set_clock(live_app, local(2026, 11, 23, 20, 0))
    walk_id = plan_walk_directly(live_app, NIGHT)
    acute_event_with_plan(live_app, [("Rasmusgatan 5", "Entré")], ["notice"])
    context = guard_context(browser)
    context.clock.install(time=local(2026, 11, 23, 20, 0))
    context.add_init_script(NEVER_ANSWERS)
    page = context.new_page()
    try:
        login(page, live_server.url)
        expect(page.locator(".walk-card").get_by_role("link")).to_have_count(1, timeout=30_000)
        expect(page.locator(".resident-info-card")).to_contain_text("1 entré kvar", timeout=30_000)  # fmt: skip
        go_offline(context, page)
        reload(page)
        taps = Taps(page, guard_id(live_app))

        page.goto(f"{live_server.url}/walk?id={walk_id}")
        item = page.locator(".walk-item").filter(has_text=CHECKLIST[1])
        taps.tap("walk_ok", "/walk-checks/", item.get_by_role("button", name=f"OK: {CHECKLIST[1]}").click)  # fmt: skip
        expect(item.locator(".walk-status")).to_have_text("OK")

        lights = page.locator(".walk-item").filter(has_text=CHECKLIST[0])
        lights.get_by_role("button", name=f"Brist: {CHECKLIST[0]}").click()
        lights.get_by_label("Fastighet").select_option(label="Rasmusgatan 5")
        lights.get_by_label("Kategori").select_option(label="Trasig belysning")
        lights.get_by_label("Beskrivning").fill("Lampan vid entrén är trasig.")
        taps.tap("walk_finding", "/reports/", lights.get_by_role("button", name="Spara").click)
        expect(lights.locator(".walk-status")).to_have_text("1 brist")
        shoot(page, "walk-after-reload-offline")

        page.goto(f"{live_server.url}/resident-info")
        door = page.locator(".ri-entrance").filter(has_text="Rasmusgatan 5, Entré")
        door.get_by_role("button", name="Registrera: Rasmusgatan 5, Entré").click()
        door.get_by_label("Anslag uppsatt").check()
        taps.tap("visit", "/resident-info/visits/", door.get_by_role("button", name="Spara").click, time_field="done_at")  # fmt: skip
        expect(door).to_contain_text("Anslag uppsatt")
        shoot(page, "resident-info-after-reload-offline")

        send_everything(page, context)
        assert_once_at_the_tap(
            live_app,
            taps,
            {
                "walk_ok": (WalkCheck, "occurred_at"),
                "walk_finding": (Report, "occurred_at"),
                "visit": (ResidentInfoVisit, "done_at"),
            },
        )
        with live_app.app_context():
            finding = db.session.scalar(sa.select(Report).where(Report.walk_id.is_not(None)))
            assert (finding.walk_id, finding.walk_item, finding.lat) == (walk_id, 0, None)
    finally:
        context.close()


def make_dispatch(app):
    from patrol.auth.models import User
    from patrol.push.models import Dispatch
    from patrol.sites.models import Property

    with app.app_context():
        supervisor = db.session.scalar(sa.select(User).where(User.username == "supervisor"))
        guard = db.session.scalar(sa.select(User).where(User.username == "guard"))
        prop = db.session.scalar(sa.select(Property).order_by(Property.id))
        dispatch = Dispatch(
            id=uuid.uuid4(),
            created_by_id=supervisor.id,
            property_id=prop.id,
            message="Kontrollera källardörren.",
            guard_ids=[guard.id],
        )
        db.session.add(dispatch)
        db.session.commit()
        return dispatch.id


def test_sos_and_extra_round_answer_save_at_the_tap(live_server, live_app, browser):
    """An SOS (on a phone with no shift: no log line) and an extra round's "Kvittera"."""
    context = guard_context(browser)
    context.clock.install(time=datetime.now(UTC))
    context.add_init_script(NEVER_ANSWERS)
    page = context.new_page()
    try:
        login(page, live_server.url)
        dispatch_id = make_dispatch(live_app)
        reload(page)
        task = page.locator(f"#dispatch-{dispatch_id}")
        task.wait_for(timeout=30_000)
        go_offline(context, page)
        taps = Taps(page, guard_id(live_app))

        taps.tap("dispatch", "/dispatch-responses/", task.get_by_role("button", name="Kvittera").click)  # fmt: skip
        expect(task.get_by_text("Kvitterad")).to_be_visible()

        page.get_by_role("button", name="SOS", exact=True).click()

        def press_yes():
            page.get_by_role("button", name="Ja, skicka SOS").click()
            expect(page.get_by_text("SOS skickas om")).to_be_visible()

        # The SOS is recorded when its 5 s countdown ends, with the time of the tap.
        taps.tap("sos", "/sos/", press_yes, countdown=5000)
        expect(page.locator("#sos-banner")).to_contain_text("SOS väntar på nät")

        send_everything(page, context)
        assert_once_at_the_tap(
            live_app,
            taps,
            {"dispatch": (DispatchResponse, "occurred_at"), "sos": (SosAlert, "occurred_at")},
        )
    finally:
        context.close()


def test_an_entry_without_a_log_line_gets_its_position_and_goes_as_soon_as_it_comes(
    live_server, live_app, browser
):
    """An extra round's answer and an SOS on a phone that never started a shift (neither has
    a log line: records.js awaitPosition read `s.log` without the store, a TypeError that
    rolled the position back). The position comes 2 s after the tap; online, the record is on
    the server, with the position, while the page's clock still says 2 s (the wait for a
    position would have ended at 10 s)."""
    context = guard_context(browser)
    context.clock.install(time=datetime.now(UTC))
    context.add_init_script(ANSWERS_AFTER_2S)
    page = context.new_page()
    try:
        login(page, live_server.url)
        dispatch_id = make_dispatch(live_app)
        reload(page)
        task = page.locator(f"#dispatch-{dispatch_id}")
        task.wait_for(timeout=30_000)
        wait_for_outbox(page, 0)

        now = page.evaluate("() => Date.now()")
        page.clock.pause_at(datetime.fromtimestamp((now + 1000) / 1000, UTC))
        task.get_by_role("button", name="Kvittera").click()
        page.clock.run_for(2000)  # the position comes; the page's time stops at 2 s

        def answer():
            with live_app.app_context():
                return db.session.scalar(
                    sa.select(DispatchResponse).where(DispatchResponse.dispatch_id == dispatch_id)
                )

        arrived = wait_for(answer, what="the answer on the server")
        assert (arrived.lat, arrived.lon, arrived.accuracy_m) == pytest.approx((55.6049, 13.0038, 9))  # fmt: skip

        # The SOS: asked for the position at the tap; the countdown ends at 5 s.
        page.clock.resume()
        page.get_by_role("button", name="SOS", exact=True).click()
        now = page.evaluate("() => Date.now()")
        page.clock.pause_at(datetime.fromtimestamp((now + 1000) / 1000, UTC))
        page.get_by_role("button", name="Ja, skicka SOS").click()
        page.clock.run_for(5000)

        def sos():
            with live_app.app_context():
                return db.session.scalar(sa.select(SosAlert))

        alert = wait_for(sos, what="the SOS on the server")
        assert alert.shift_id is None
        assert (alert.lat, alert.lon) == pytest.approx((55.6049, 13.0038))
        page.clock.run_for(300)
        expect(page.locator(".sos-status")).to_have_text("Med din position (±9 m).")
        shoot(page, "sos-no-shift-with-position")
    finally:
        context.close()


def test_priority_classes_order_the_outbox(live_server, browser):
    """Alarm before SOS before records before photos, oldest first within a class; an SOS
    saved before the named classes (priority 1000) still goes as an SOS, after an alarm."""
    context = guard_context(browser)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/")
        order = page.evaluate(
            """async () => {
                const { PRIORITY, makeEntry, sortEntries, nextDue } = await import("/static/js/outbox.js");
                const make = (label, fields) => makeEntry({ method: "PUT", url: `/${label}`, label, ...fields });
                const photo = make("photo", { kind: "photo" });
                const record = make("record", { kind: "checkin" });
                const oldSos = make("old sos", { kind: "sos", priority: 1000 });
                const sos = make("sos", { kind: "sos", priority: PRIORITY.sos });
                const alarm = make("alarm", { kind: "alarm", priority: PRIORITY.alarm });
                const later = make("later record", { kind: "report" });
                const sorted = sortEntries([later, photo, sos, record, alarm, oldSos]);
                const present = new Set(sorted.map((e) => e.id));
                const first = nextDue(sorted, present);
                return {
                  classes: PRIORITY,
                  order: sorted.map((e) => e.label),
                  defaults: [record.priority, photo.priority],
                  first: first.label,
                };
            }"""
        )
    finally:
        context.close()
    assert order["classes"] == {"alarm": 30, "sos": 20, "record": 10, "photo": 0}
    assert order["order"] == ["alarm", "old sos", "sos", "record", "later record", "photo"]
    assert order["defaults"] == [10, 0]
    assert order["first"] == "alarm"
