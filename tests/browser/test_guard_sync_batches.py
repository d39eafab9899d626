"""The phone's sync in batches, in Chromium (architecture §5, "Batches"; issue 25, point 1):
503s and a lost answer with a batch and three photos in flight still deliver everything
exactly once; a batch whose 7th entry is refused stores the other 49 and only that one needs
the guard. The same night in WebKitGTK: tests/browser/test_guard_webkit.py."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.support.app import LiveServer
from tests.support.faults import QUEUE_NIGHT, Faults
from tests.support.guard_browser import (
    checkpoint_token,
    counts,
    go_offline,
    go_online,
    guard_context,
    login,
    outbox_entries,
    record_offline_shift,
    wait_for_outbox,
    wait_until_all_sent,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


@pytest.fixture
def faulty(live_app):
    faults = Faults(live_app)
    server = LiveServer(faults).start()
    yield faults, server
    server.stop()


def ended_shifts(app) -> int:
    from patrol.db import db
    from patrol.shifts.models import Shift

    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(Shift).where(Shift.ended_at.is_not(None))
        )


def test_503s_and_lost_answers_with_a_batch_and_three_photos_in_flight(live_app, browser, faulty):
    faults, server = faulty
    context = guard_context(browser)
    page = context.new_page()
    try:
        login(page, server.url)
        go_offline(context, page)
        queued = page.evaluate(QUEUE_NIGHT, True)
        assert queued == 1 + 6 + 2 + 4 + 1  # shift, check-ins, reports, photos, end
        # Two 503s for the first batch, then its answer lost, then one photo's answer lost.
        faults.fail_next = 2
        lost = {"batch": False, "photo": False}

        def lose(paths):
            if len(paths) > 1 and not lost["batch"]:
                lost["batch"] = True
                return True
            if lost["batch"] and "/photos/" in paths[0] and not lost["photo"]:
                lost["photo"] = True  # one photo's answer lost, while three are out
                return True
            return False

        faults.lose = lose
        faults.keep_losing = True
        go_online(context, page)
        wait_until_all_sent(page)
        expect(page.locator("#unsent")).to_have_text("Allt skickat")
    finally:
        context.close()
    assert faults.failed == 2
    assert len(faults.lost) >= 1 and len(faults.lost[0]) == 9  # shift, 6 check-ins, 2 reports
    # Three photos were in the server at once.
    assert faults.most_photos_in_flight == 3
    # Everything arrived once: the lost batch's entries and the lost photo twice (the second
    # time confirmed with 200), the shift's URL once more for its end, the rest once.
    lost_paths = {path for paths in faults.lost for path in paths}
    for path, times in faults.reached.items():
        expected = (2 if path in lost_paths else 1) + (1 if "/shifts/" in path else 0)
        assert times == expected, path
    assert counts(live_app) == {"shifts": 1, "checkins": 6, "reports": 2, "photos": 4}
    assert ended_shifts(live_app) == 1
    # The shift's end went last, after every photo of the shift.
    assert faults.order[-1].startswith("/api/v1/shifts/")


SEVENTH_REFUSED = """async () => {
  const records = await import("/static/js/records.js");
  const shift = await records.currentShift();
  const places = records.allProperties(await records.sites())
    .flatMap((p) => (p.checkpoints || []).map((c) => ({ property: p, checkpoint: c })));
  for (let i = 0; i < 50; i++) {
    if (i === 6) await records.checkIn(shift, { code: "ZZ999" }, null, null);
    else await records.checkIn(shift, { checkpointId: places[i % places.length].checkpoint.id }, places[i % places.length], null);
  }
}"""


def test_a_batch_whose_seventh_entry_is_refused_stores_the_other_49(live_app, browser, faulty):
    faults, server = faulty
    context = guard_context(browser)
    page = context.new_page()
    try:
        login(page, server.url)
        page.get_by_role("button", name="Starta pass").click()
        wait_until_all_sent(page)
        go_offline(context, page)
        page.evaluate(SEVENTH_REFUSED)
        go_online(context, page)
        wait_for_outbox(page, 1, "needs_attention")
        left = outbox_entries(page)
        assert len(left) == 1 and left[0]["body"]["checkpoint_code"] == "ZZ999"
        assert left[0]["lastStatus"] == 422 and left[0]["lastMessage"]
        expect(page.locator("#unsent")).to_have_text("1 behöver åtgärd")
    finally:
        context.close()
    assert faults.batches == [50]
    assert counts(live_app)["checkins"] == 49


def test_a_server_without_batches_gets_one_put_at_a_time(live_server, live_app, browser):
    """A phone updated before its server: the batch answers 404, and the pass sends the same
    records one by one; nothing is refused or lost."""
    context = guard_context(browser)
    page = context.new_page()
    puts = []
    batches = []

    def no_batches(route, request):
        batches.append(request.url)
        route.fulfill(
            status=404,
            content_type="application/json",
            body='{"error": "not_found", "message": "Hittades inte."}',
        )

    context.route("**/api/v1/batch", no_batches)
    page.on(
        "request", lambda request: puts.append(request.url) if request.method == "PUT" else None
    )
    try:
        token = checkpoint_token(live_app, "S110")
        record_offline_shift(page, context, live_server.url, token)
        go_online(context, page)
        wait_until_all_sent(page)
    finally:
        context.close()
    assert batches, "the phone tried a batch first"
    assert sum("/checkins/" in url for url in puts) == 3
    assert counts(live_app) == {"shifts": 1, "checkins": 3, "reports": 1, "photos": 1}
    assert ended_shifts(live_app) == 1
