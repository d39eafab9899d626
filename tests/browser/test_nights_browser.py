"""The phone's night rule is the server's (issue 20, point 5), and the phone's log screen says
which 02:10 of the autumn night it means (point 6).

The night is computed in Python (patrol.nights.night_of) and in the browser (static/js/
nights.js, imported into a page of the app) for every 15 minutes of both clock-change weekends
of 2026 and 2027 and of an ordinary weekend, in a browser whose own time zone is not
Stockholm's, and the two agree; so do the wall-clock time and whether it happens twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from patrol import nights
from patrol.db import set_clock
from tests.support.desk_browser import assert_accessible
from tests.support.guard_browser import (
    check_in_with_code,
    go_offline,
    guard_context,
    login,
    start_shift,
)

pytestmark = pytest.mark.browser

SHOTS = Path("/work/shots/nights")
# Friday noon to Monday noon (UTC) around each change, and an ordinary weekend.
WEEKENDS = (
    datetime(2026, 3, 27, 12, tzinfo=UTC),  # spring 2026: Sunday 29 March
    datetime(2026, 10, 23, 12, tzinfo=UTC),  # autumn 2026: Sunday 25 October
    datetime(2027, 3, 26, 12, tzinfo=UTC),  # spring 2027: Sunday 28 March
    datetime(2027, 10, 29, 12, tzinfo=UTC),  # autumn 2027: Sunday 31 October
    datetime(2026, 11, 20, 12, tzinfo=UTC),  # an ordinary weekend
)


def instants() -> list[datetime]:
    moments = []
    for start in WEEKENDS:
        moment = start
        while moment < start + timedelta(days=3):
            moments.append(moment)
            moment += timedelta(minutes=15)
    return moments


@pytest.mark.parametrize("browser_zone", ["America/New_York", "Asia/Tokyo"])
def test_the_phone_and_the_server_agree_on_every_night(browser, live_server, browser_zone):
    moments = instants()
    context = guard_context(browser, timezone_id=browser_zone)
    page = context.new_page()
    page.goto(live_server.url + "/")
    result = page.evaluate(
        """async (list) => {
          const nights = await import("/static/js/nights.js");
          return list.map((ms) => {
            const w = nights.wallClock(ms);
            const hhmm = `${String(w.hour).padStart(2, "0")}:${String(w.minute).padStart(2, "0")}`;
            return [nights.nightOf(ms), hhmm, nights.isAmbiguous(ms), w.offsetMinutes];
          });
        }""",
        [int(m.timestamp() * 1000) for m in moments],
    )
    context.close()
    python = [
        [
            nights.night_of(m).isoformat(),
            nights.wall_clock(m).strftime("%H:%M"),
            nights.is_ambiguous(m),
            int(nights.wall_clock(m).utcoffset().total_seconds() // 60),
        ]
        for m in moments
    ]
    assert len(result) == len(python) == 5 * 3 * 24 * 4
    disagreements = [
        (m.isoformat(), js, py)
        for m, js, py in zip(moments, result, python, strict=True)
        if js != py
    ]
    assert disagreements == []
    # The weekends do cover what they are for: two repeated hours a year, two skipped ones.
    assert sum(1 for row in python if row[2]) == 2 * 2 * 4


def python_clock(moment: datetime) -> list:
    return [
        nights.night_of(moment).isoformat(),
        nights.wall_clock(moment).strftime("%H:%M"),
        nights.is_ambiguous(moment),
        int(nights.wall_clock(moment).utcoffset().total_seconds() // 60),
    ]


def test_the_offsets_kept_for_the_next_start_are_the_formatters(browser, live_server):
    """Issue 25, point 5: a start draws its times from the offsets nights.js kept on the phone
    (no Intl formatter before the first screen). Kept around each weekend in turn, they cover
    it, change at the very second the clock does, and a fresh copy of the module that reads
    them, with no formatter to be had, gives the server's night, time, repeated hour and offset
    for every 15 minutes."""
    context = guard_context(browser, timezone_id="America/New_York")
    page = context.new_page()
    page.goto(live_server.url + "/static/icons/icon-192.png")  # same origin, no app running
    changes = []
    for start in WEEKENDS:
        moments = [start + timedelta(minutes=15 * i) for i in range(3 * 24 * 4)]
        middle = int((start + timedelta(days=1, hours=12)).timestamp() * 1000)
        result = page.evaluate(
            """async ([middle, list]) => {
              const keeper = await import(`/static/js/nights.js?keep=${middle}`);
              const spans = keeper.keepOffsets(middle);
              const kept = JSON.parse(localStorage.getItem("nattpatrull-clock-offsets"));
              const covered = list.every((ms) => spans.some((s) => s.from <= ms && ms < s.to));
              // The next start: the module anew, and no formatter may be made.
              const formatter = Intl.DateTimeFormat;
              Intl.DateTimeFormat = function () {
                throw new Error("a formatter at start");
              };
              try {
                const nights = await import(`/static/js/nights.js?start=${middle}`);
                const rows = list.map((ms) => {
                  const w = nights.wallClock(ms);
                  const hhmm = `${String(w.hour).padStart(2, "0")}:${String(w.minute).padStart(2, "0")}`;
                  return [nights.nightOf(ms), hhmm, nights.isAmbiguous(ms), w.offsetMinutes];
                });
                return { spans, stored: kept.spans, covered, rows };
              } finally {
                Intl.DateTimeFormat = formatter;
              }
            }""",
            [middle, [int(m.timestamp() * 1000) for m in moments]],
        )
        assert result["covered"] and result["stored"] == result["spans"]
        spans = result["spans"]
        assert all(a["to"] == b["from"] for a, b in zip(spans, spans[1:], strict=False))
        changes += [span["from"] for span in spans[1:]]
        assert result["rows"] == [python_clock(m) for m in moments]
    # The four changes, each at 01:00 UTC to the second (the ordinary weekend has none).
    assert [datetime.fromtimestamp(ms / 1000, UTC) for ms in changes] == [
        datetime(2026, 3, 29, 1, tzinfo=UTC),
        datetime(2026, 10, 25, 1, tzinfo=UTC),
        datetime(2027, 3, 28, 1, tzinfo=UTC),
        datetime(2027, 10, 31, 1, tzinfo=UTC),
    ]
    context.close()


def test_the_log_screen_says_which_0210_of_the_autumn_night(browser, live_server, live_app):
    """Check-ins at 02:10 summer time and 02:10 winter time (an hour apart) on the phone's log
    screen: newest first, each with its offset; 03:10 and the evening without."""
    evening = datetime(2026, 10, 24, 20, 0, tzinfo=UTC)  # 22:00 CEST
    set_clock(live_app, evening)
    context = guard_context(browser)
    context.clock.install(time=evening)
    page = context.new_page()
    login(page, live_server.url)
    go_offline(context, page)
    start_shift(page)
    for moment in (
        datetime(2026, 10, 25, 0, 10, tzinfo=UTC),  # 02:10 CEST
        datetime(2026, 10, 25, 1, 10, tzinfo=UTC),  # 02:10 CET
        datetime(2026, 10, 25, 2, 10, tzinfo=UTC),  # 03:10 CET
    ):
        context.clock.set_system_time(moment)
        check_in_with_code(page, "S101")
    page.get_by_role("link", name="Nattens logg").click()
    times = page.locator("#log-list .log-head time")
    expect(times).to_have_count(4)
    expect(times).to_have_text(["03:10", "02:10 (vintertid)", "02:10 (sommartid)", "22:00"])
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert_accessible(page, "phone-log-autumn-night")
    page.screenshot(path=str(SHOTS / "phone-log-autumn-night-390x844.png"))
    # English: the offsets' short names.
    page.get_by_role("button", name="English").click()
    expect(times).to_have_text(["03:10", "02:10 (CET)", "02:10 (CEST)", "22:00"])
    context.close()


def test_the_desk_shift_log_on_the_autumn_night_on_a_phone(browser, live_server, live_app):
    """The supervisor's shift log of the autumn night on a phone-sized screen: the two 02:10
    with their offsets in the order they happened, the skipped checkpoint with its reason."""
    from tests.support.app import Api
    from tests.support.desk_browser import log_in
    from tests.support.nights import SKIP_TEXT, record_autumn_night
    from tests.support.review import demo_places

    guard = Api(live_app)
    assert guard.login("guard").status_code == 200
    ids = record_autumn_night(live_app, guard, demo_places(live_app))
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, color_scheme="dark", locale="sv-SE"
    )
    page = context.new_page()
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/review/shifts/{ids['shift']}")
    whens = page.locator(".timeline .entry .when strong")
    expect(whens).to_have_text(
        [
            "02:10:00 (sommartid)",
            "02:40:00 (sommartid)",
            "02:50:00 (sommartid)",
            "02:10:00 (vintertid)",
            "02:20:00 (vintertid)",
        ]
    )
    skip = page.locator(".timeline .entry.skip")
    expect(skip).to_contain_text("Överhoppad kontrollpunkt")
    expect(skip).to_contain_text("Anledning: Avspärrat av polis eller räddningstjänst")
    expect(skip.locator(".description")).to_have_text(SKIP_TEXT)
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert_accessible(page, "desk-shift-log-autumn-night")
    skip.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "desk-shift-log-autumn-night-390x844.png"))
    context.close()
