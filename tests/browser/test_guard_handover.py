"""The shift's hand-over on the phones (issue 23, point 7), offline on both sides: guard A ends
a shift offline with a hand-over (text and a photo) and syncs; guard B's phone loads the sites
document, goes offline, starts a shift in the same area, sees the hand-over (its photo from the
phone's own storage) before the first round, taps "Läst" and syncs; the desk no longer lists
it as not read. Screenshots: the end-shift form and the hand-over on the phone (390x844,
Swedish, dark)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.auth.actions import create_user
from patrol.auth.models import User
from patrol.db import db
from patrol.handover.models import HandoverPhoto, HandoverRead
from patrol.shifts.models import Shift
from patrol.sites.models import Area
from tests.factories import new_id
from tests.support.app import TEST_PASSWORD, Api
from tests.support.desk_browser import assert_accessible, log_in, sideways_overflow
from tests.support.guard_browser import (
    camera_photo,
    go_offline,
    go_online,
    guard_context,
    idb_value,
    login,
    poll,
    start_shift,
    wait_until_all_sent,
)
from tests.support.review import login_page_client

pytestmark = pytest.mark.browser

NOTE = "Porten till Jespersgatan 6 går inte i lås – vaktmästaren kommer 07:00.\nNyckeln till soprummet ligger i kassaskåpet."


def test_a_handover_reaches_the_next_shift_offline_and_is_read(
    browser, live_server, live_app, output_dir
):
    with live_app.app_context():
        create_user("natt2", TEST_PASSWORD, "guard", display_name="Väktare Natt")
        # Both guards work the demo area: each shift starts in it (point 0).
        area = db.session.scalar(sa.select(Area).order_by(Area.id))
        for user in db.session.scalars(sa.select(User).where(User.role == "guard")):
            user.areas = [area]
        db.session.commit()

    # Guard A: the shift ends offline, with the hand-over and a photo of the door.
    first = guard_context(browser)
    a = first.new_page()
    login(a, live_server.url)
    go_offline(first, a)
    start_shift(a)
    a.get_by_role("link", name="Avsluta pass").click()
    expect(a.get_by_role("heading", name="Avsluta pass")).to_be_visible()
    a.get_by_label("Överlämning till nästa pass (valfri)").fill(NOTE)
    a.locator("#handover-photo-input").set_input_files(camera_photo(7, 1200, 900))
    expect(a.locator("#end-shift-form .thumbs .thumb")).to_have_count(1, timeout=30_000)
    assert_accessible(a, "guard-end-shift-handover")
    a.screenshot(path=str(output_dir / "guard-end-shift-handover-390x844.png"), full_page=True)
    a.locator("#end-shift-form").get_by_role("button", name="Avsluta pass").click()
    expect(a.get_by_role("heading", name="Nattpass")).to_be_visible()
    go_online(first, a)
    wait_until_all_sent(a)
    with live_app.app_context():
        shift = db.session.scalar(sa.select(Shift).where(Shift.note == NOTE))
        assert shift is not None and shift.area_id is not None and shift.ended_at is not None
        [photo] = db.session.scalars(sa.select(HandoverPhoto)).all()
        assert photo.shift_id == shift.id
        handover_id = str(shift.id)
    desk = login_page_client(live_app, "supervisor")
    assert f'data-shift="{handover_id}"' in desk.get("/review/handovers").get_data(as_text=True)
    # The desk's list, on a phone-sized dark screen as a supervisor on duty sees it.
    office = guard_context(browser)
    supervisor = office.new_page()
    log_in(supervisor, live_server.url)
    supervisor.goto(f"{live_server.url}/review/handovers")
    expect(supervisor.locator(f'#handovers-waiting [data-shift="{handover_id}"]')).to_contain_text(
        "Nyckeln till soprummet"
    )
    assert sideways_overflow(supervisor) is None
    assert_accessible(supervisor, "desk-handovers")
    supervisor.screenshot(path=str(output_dir / "desk-handovers-390x844.png"), full_page=True)
    office.close()

    # Guard B: loads the sites document (and the photo) online, then works offline.
    second = guard_context(browser)
    b = second.new_page()
    login(b, live_server.url, username="natt2")
    assert idb_value(b, "sites")["handovers"][0]["shift_id"] == handover_id
    poll(
        b,
        """() => new Promise(resolve => {
            const open = indexedDB.open("nattpatrull");
            open.onsuccess = () => {
              const get = open.result.transaction("kv").objectStore("kv").get("handoverPhotoIds");
              get.onsuccess = () => { open.result.close(); resolve(Boolean(get.result && get.result.length)); };
            };
          })""",
        what="the hand-over's photo kept on the phone",
    )
    go_offline(second, b)
    card = b.locator("#handover-card")
    expect(card).to_be_hidden()  # no shift yet
    start_shift(b)
    expect(card).to_be_visible()
    expect(card.get_by_role("heading", name="Överlämning från förra passet")).to_be_visible()
    expect(card).to_contain_text("Porten till Jespersgatan 6 går inte i lås")
    expect(card).to_contain_text("Väktare")  # who wrote it
    # Before the first round: above the shift's actions and tonight's rounds.
    card_top = card.bounding_box()["y"]
    assert card_top < b.get_by_role("link", name="Checka in").bounding_box()["y"]
    image = card.locator(".handover-photos img")
    expect(image).to_have_count(1)
    b.wait_for_function(
        "() => { const i = document.querySelector('#handover-card .handover-photos img'); return i && i.complete && i.naturalWidth > 0; }"
    )
    assert_accessible(b, "guard-home-handover")
    b.screenshot(path=str(output_dir / "guard-home-handover-390x844.png"))

    card.get_by_role("button", name="Läst: överlämning från").click()
    expect(card).to_be_hidden()
    b.reload()
    expect(b.get_by_role("heading", name="Nattpass")).to_be_visible()
    expect(card).to_be_hidden()  # the phone's own mark: read offline, still read
    go_online(second, b)
    wait_until_all_sent(b)
    with live_app.app_context():
        [reading] = db.session.scalars(sa.select(HandoverRead)).all()
        assert str(reading.handover_shift_id) == handover_id
        reader_shift = db.session.get(Shift, reading.shift_id)
        assert reader_shift.guard.username == "natt2"
    page = desk.get("/review/handovers").get_data(as_text=True)
    waiting = page.split('id="handovers-waiting"')[1].split('id="handovers-read"')[0]
    assert f'data-shift="{handover_id}"' not in waiting
    first.close()
    second.close()


def test_starta_pass_online_fetches_a_handover_written_since_the_last_document(
    browser, live_server, live_app
):
    """The phone's document is from before the hand-over was written (the app was opened
    earlier in the evening); "Starta pass" online asks for the newest one, so the hand-over
    comes at the start of the shift, not at the next periodic refresh."""
    with live_app.app_context():
        area = db.session.scalar(sa.select(Area).order_by(Area.id))
        create_user("natt2", TEST_PASSWORD, "guard", display_name="Väktare Natt")
        for user in db.session.scalars(sa.select(User).where(User.role == "guard")):
            user.areas = [area]
        db.session.commit()
        area_id = area.id
    context = guard_context(browser)
    page = context.new_page()
    login(page, live_server.url, username="natt2")
    assert idb_value(page, "sites")["handovers"] == []

    writer = Api(live_app)
    assert writer.login("guard").status_code == 200
    shift_id = new_id()
    started = datetime.now(UTC) - timedelta(hours=2)
    body = {"started_at": started.isoformat(), "area_id": area_id}
    assert writer.put(f"/api/v1/shifts/{shift_id}", json=body).status_code == 201
    end = body | {"ended_at": datetime.now(UTC).isoformat(), "note": "Hissen i hus B står still."}
    assert writer.put(f"/api/v1/shifts/{shift_id}", json=end).status_code == 200

    start_shift(page)
    card = page.locator("#handover-card")
    expect(card).to_contain_text("Hissen i hus B står still.")
    context.close()
