"""Checkpoints on the round screen are scanned, not only picked (issue 20, point 4).

Each stop offers the in-app QR scanner (Chromium films a printed sticker: a y4m file as its
camera), Web NFC (a stand-in `NDEFReader`) and a typed code; the check-ins carry method qr, nfc
and code. A sticker whose code was replaced ("Byt QR-kod") is recognised offline from the
sites document's retired digests: the stop says "Gammal QR-kod – räknas inte till rundan. Säg
till arbetsledaren." and nothing is saved; `/c/<old token>` says the same. An unknown token on
`/c/` offers the typed code. The phone's clock is Playwright's `page.clock`; the server's is
`set_clock`."""

from __future__ import annotations

from datetime import date, time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.db import db, set_clock
from patrol.shifts.models import CheckIn
from patrol.sites.models import Checkpoint, Property, RetiredToken, new_checkpoint_token
from tests.support.desk_browser import assert_accessible
from tests.support.guard_browser import (
    go_offline,
    go_online,
    login,
    outbox_entries,
    reload,
    start_shift,
    wait_ready,
    wait_until_all_sent,
)
from tests.support.rounds import local, make_route
from tests.support.scanning import (
    STAND_IN_NDEF_READER,
    camera_browser,
    camera_context,
    sticker_video,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

NIGHT = date(2026, 11, 23)
OLD_QR = "Gammal QR-kod – räknas inte till rundan. Säg till arbetsledaren."


def round_stops(app) -> list[dict]:
    """Entré, Trapphus A and Tvättstuga of the first demo property: id, label, code, token."""
    with app.app_context():
        first = db.session.scalar(sa.select(Property).order_by(Property.id))
        by_label = {cp.label: cp for cp in first.checkpoints}
        return [
            {
                "id": by_label[label].id,
                "label": label,
                "code": by_label[label].short_code,
                "token": by_label[label].token,
            }
            for label in ("Entré", "Trapphus A", "Tvättstuga")
        ]


def replace_sticker(app, checkpoint_id: int) -> str:
    """What "Byt QR-kod" does: a new token, the old one kept as retired. Returns the old one."""
    with app.app_context():
        checkpoint = db.session.get(Checkpoint, checkpoint_id)
        old = checkpoint.token
        db.session.add(RetiredToken(token=old, checkpoint_id=checkpoint.id))
        checkpoint.token = new_checkpoint_token()
        db.session.commit()
        return old


def open_round(page) -> None:
    page.locator("#rounds-card").get_by_role("link", name="Öppna rundan").click()
    expect(page.get_by_role("heading", name="Kvällsrundan")).to_be_visible()


def checkins(app) -> list[tuple[int, str]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(CheckIn.checkpoint_id, CheckIn.method).order_by(CheckIn.occurred_at)
        )
        return [tuple(row) for row in rows]


def test_round_stops_check_in_by_scan_nfc_and_typed_code(
    live_server, live_app, playwright_instance, tmp_path, output_dir
):
    stops = round_stops(live_app)
    make_route(
        live_app, [s["id"] for s in stops], valid_from=NIGHT, window=(time(19, 30), time(4, 0))
    )
    set_clock(live_app, local(2026, 11, 23, 19, 40))
    video = tmp_path / "entre.y4m"
    sticker_video(f"{live_server.url}/c/{stops[0]['token']}", video)
    browser = camera_browser(playwright_instance, video)
    context = camera_context(browser)
    context.add_init_script(STAND_IN_NDEF_READER)
    context.clock.install(time=local(2026, 11, 23, 19, 40))
    page = context.new_page()
    try:
        login(page, live_server.url)
        start_shift(page)
        open_round(page)
        progress = page.locator("#round-progress")
        expect(progress).to_have_text("0 av 3")
        expect(page.locator(".stop-next")).to_contain_text("Entré")
        expect(page.get_by_text("markeras som manuell")).to_be_visible()
        assert_accessible(page, "round-stop-sticker-390")
        page.screenshot(path=str(output_dir / "round-stop-sticker-390.png"), full_page=True)

        # Entré: the in-app scanner reads its sticker.
        page.locator(".stop-next").get_by_role("button", name="Skanna QR-kod").click()
        expect(progress).to_have_text("1 av 3", timeout=30_000)
        expect(page.locator("#notice")).to_have_text("Incheckad: Entré")

        # Trapphus A: the code printed under the QR code, typed.
        next_stop = page.locator(".stop-next")
        expect(next_stop).to_contain_text("Trapphus A")
        next_stop.get_by_role("button", name="Skriv kod").click()
        next_stop.get_by_label("Kod").fill("S999")  # mistyped: said at once, nothing saved
        next_stop.locator("form.stop-code").get_by_role("button", name="Checka in").click()
        expect(next_stop.get_by_role("alert")).to_have_text(
            "Okänd kod. Kontrollera koden som står under QR-koden."
        )
        next_stop.get_by_label("Kod").fill(stops[1]["code"].lower())
        next_stop.locator("form.stop-code").get_by_role("button", name="Checka in").click()
        expect(progress).to_have_text("2 av 3")

        # Tvättstuga: its NFC tag.
        next_stop = page.locator(".stop-next")
        expect(next_stop).to_contain_text("Tvättstuga")
        next_stop.get_by_role("button", name="Läs NFC-tagg").click()
        expect(next_stop.get_by_role("status")).to_have_text(
            "Håll telefonen mot NFC-taggen vid kontrollpunkten."
        )
        page.evaluate(f"() => window.__touchTag('{live_server.url}/c/{stops[2]['token']}')")
        # Round 1 is complete: the screen moves on to round 2.
        expect(page.locator("#notice")).to_have_text("Incheckad: Tvättstuga")
        expect(page.get_by_text("Runda 2")).to_be_visible()
        wait_until_all_sent(page)
    finally:
        context.close()
        browser.close()
    assert checkins(live_app) == [
        (stops[0]["id"], "qr"),
        (stops[1]["id"], "code"),
        (stops[2]["id"], "nfc"),
    ]


def test_an_old_sticker_offline_says_so_and_saves_nothing(
    live_server, live_app, playwright_instance, tmp_path, output_dir
):
    stops = round_stops(live_app)
    make_route(
        live_app, [s["id"] for s in stops], valid_from=NIGHT, window=(time(19, 30), time(4, 0))
    )
    old_token = replace_sticker(live_app, stops[0]["id"])
    set_clock(live_app, local(2026, 11, 23, 19, 40))
    video = tmp_path / "old-entre.y4m"
    sticker_video(f"{live_server.url}/c/{old_token}", video)
    browser = camera_browser(playwright_instance, video)
    context = camera_context(browser)
    context.clock.install(time=local(2026, 11, 23, 19, 40))
    page = context.new_page()
    try:
        login(page, live_server.url)  # the sites document brings the old sticker's digest
        go_offline(context, page)
        reload(page)
        start_shift(page)
        open_round(page)
        entrance = page.locator(".stop-next")
        expect(entrance).to_contain_text("Entré")
        entrance.get_by_role("button", name="Skanna QR-kod").click()
        expect(entrance.get_by_role("alert")).to_have_text(OLD_QR, timeout=30_000)
        expect(page.locator("#round-progress")).to_have_text("0 av 3")
        entrance.get_by_role("alert").scroll_into_view_if_needed()
        assert_accessible(page, "round-old-sticker-offline-390")
        page.screenshot(path=str(output_dir / "round-old-sticker-offline-390.png"))
        # Nothing that could count was saved: the outbox holds the shift's start only.
        assert [e["kind"] for e in outbox_entries(page)] == ["shift"]

        # The phone's own camera opens /c/<old token>: the same, offline.
        page.goto(f"{live_server.url}/c/{old_token}")
        wait_ready(page)
        expect(page.locator("#qr-retired")).to_have_text(OLD_QR)
        expect(page.get_by_role("button", name="Checka in")).to_have_count(0)
        assert_accessible(page, "checkin-old-sticker-offline-390")
        page.screenshot(path=str(output_dir / "checkin-old-sticker-offline-390.png"))

        go_online(context, page)
        wait_until_all_sent(page)
    finally:
        context.close()
        browser.close()
    assert checkins(live_app) == []


def test_an_unknown_qr_link_offers_the_typed_code(live_server, live_app, browser, output_dir):
    stops = round_stops(live_app)
    context = camera_context(browser, permissions=["geolocation"])
    page = context.new_page()
    try:
        login(page, live_server.url)
        start_shift(page)
        wait_until_all_sent(page)
        # Online: the server does not know the token; the printed code is the way on.
        page.goto(f"{live_server.url}/c/not-a-sticker-of-ours-1234567890")
        wait_ready(page)
        expect(page.locator("#qr-unknown")).to_have_text(
            "Okänd kod. Kontrollera koden som står under QR-koden."
        )
        expect(page.get_by_role("heading", name="Skriv koden under QR-koden")).to_be_visible()
        assert_accessible(page, "checkin-unknown-qr-type-code-390")
        page.screenshot(path=str(output_dir / "checkin-unknown-qr-type-code-390.png"))
        page.get_by_label("Kod").fill(stops[1]["code"])
        page.locator("#code-form").get_by_role("button", name="Checka in").click()
        expect(page.get_by_role("heading", name="Nattpass")).to_be_visible()
        expect(page.locator("#notice")).to_have_text("Incheckad: Trapphus A.")
        wait_until_all_sent(page)
    finally:
        context.close()
    assert checkins(live_app) == [(stops[1]["id"], "code")]
