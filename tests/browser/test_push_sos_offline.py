"""The guard's SOS in the real guard app (Chromium): a deliberate gesture, cancellable, and when
pressed offline it is delivered first when the phone comes back, before older entries. Also
the extra-round task on the home screen, acknowledged and completed through the outbox."""

from __future__ import annotations

import time
import uuid

import pytest
import sqlalchemy as sa

from patrol.db import db
from patrol.push.models import Dispatch, DispatchResponse, SosAlert
from patrol.reports.models import Report
from patrol.shifts.models import Shift
from patrol.sites.models import Property
from tests.support.app import TEST_PASSWORD
from tests.support.desk_browser import assert_accessible

pytestmark = pytest.mark.browser

POSITION = {"latitude": 55.58712, "longitude": 13.01471, "accuracy": 9}


@pytest.fixture
def guard_page(browser, live_server, live_app):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        # Playwright polls wait_for_function with eval, which the app's CSP forbids.
        bypass_csp=True,
        geolocation=POSITION,
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.get_by_label("Användarnamn").fill("guard")
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.get_by_role("button", name="Starta pass").click()
    for _ in range(200):  # the shift reaches the server
        with live_app.app_context():
            if db.session.scalar(sa.select(sa.func.count()).select_from(Shift)):
                break
        page.wait_for_timeout(50)
    page.wait_for_function("() => document.querySelector('#unsent').dataset.count === '0'")
    yield context, page
    context.close()


def outbox_urls(page) -> list[str]:
    return page.evaluate(
        """async () => {
        const outbox = await import("/static/js/outbox.js");
        return (await outbox.list()).map((e) => e.url);
    }"""
    )


def hold(page, locator, ms: int) -> None:
    box = locator.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.wait_for_timeout(ms)
    page.mouse.up()


def test_sos_pressed_offline_goes_first_when_back_online(guard_page, live_app, output_dir):
    context, page = guard_page
    with live_app.app_context():
        prop = db.session.scalar(sa.select(Property).order_by(Property.id))
        property_id = prop.id
        shift_id = str(db.session.scalar(sa.select(Shift.id)))

    context.set_offline(True)
    # An older entry recorded offline first (a report made on this shift).
    report_id = str(uuid.uuid4())
    page.evaluate(
        """async ([reportId, shiftId, propertyId]) => {
        const { record } = await import("/static/js/records.js");
        await record(async () => ({ entries: [{
          method: "PUT", url: `/api/v1/reports/${reportId}`, kind: "report", label: "report",
          body: { shift_id: shiftId, property_id: propertyId, category: "lighting",
                  level: "preventive", description: "Trasig lampa", photo_ids: [],
                  occurred_at: new Date().toISOString() },
        }] }));
    }""",
        [report_id, shift_id, property_id],
    )

    sos = page.get_by_role("button", name="SOS", exact=True)
    # A short press is not enough: it asks first, and "Avbryt" there sends nothing.
    sos.click()
    page.get_by_role("button", name="Avbryt").click()
    # Holding starts the countdown; cancelling it sends nothing either.
    hold(page, sos, 1700)
    page.get_by_text("SOS skickas om").wait_for()
    page.get_by_role("button", name="Avbryt").click()
    page.get_by_text("SOS avbrutet. Inget skickades.").wait_for()
    assert outbox_urls(page) == [f"/api/v1/reports/{report_id}"]

    # Now for real: hold, let the countdown run out.
    hold(page, sos, 1700)
    page.get_by_text("SOS skickas om").wait_for()
    assert_accessible(page, "push-sos-countdown-390")
    page.screenshot(path=str(output_dir / "push-sos-countdown-390.png"))
    page.get_by_text("SOS väntar på nät").wait_for(timeout=10000)
    urls = outbox_urls(page)
    assert urls[0].startswith("/api/v1/sos/") and urls[1] == f"/api/v1/reports/{report_id}"
    assert_accessible(page, "push-sos-queued-offline-390")
    page.screenshot(path=str(output_dir / "push-sos-queued-offline-390.png"))

    context.set_offline(False)
    # No supervisor has push here: the phone says so instead of claiming an alert.
    page.get_by_text("ingen arbetsledare har aviseringar på").wait_for(timeout=20000)
    page.wait_for_function("() => document.querySelector('#unsent').dataset.count === '0'")
    with live_app.app_context():
        alert = db.session.scalar(sa.select(SosAlert))
        report = db.session.get(Report, uuid.UUID(report_id))
        assert alert is not None and report is not None
        assert alert.received_at < report.received_at  # delivered first
        assert str(alert.shift_id) == shift_id
        assert alert.lat == pytest.approx(POSITION["latitude"])
        assert alert.accuracy_m == pytest.approx(POSITION["accuracy"])
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SosAlert)) == 1
    assert_accessible(page, "push-sos-sent-390")
    page.screenshot(path=str(output_dir / "push-sos-sent-390.png"))


def test_extra_round_shows_on_home_and_is_acknowledged_and_done(guard_page, live_app, output_dir):
    context, page = guard_page
    with live_app.app_context():
        from patrol.auth.models import User

        supervisor = db.session.scalar(sa.select(User).where(User.username == "supervisor"))
        guard = db.session.scalar(sa.select(User).where(User.username == "guard"))
        prop = db.session.scalar(sa.select(Property).order_by(Property.id))
        dispatch = Dispatch(
            id=uuid.uuid4(),
            created_by_id=supervisor.id,
            property_id=prop.id,
            message="Kontrollera källardörren efter inbrottet.",
            guard_ids=[guard.id],
        )
        db.session.add(dispatch)
        db.session.commit()
        dispatch_id, prop_name = dispatch.id, prop.name

    # The app fetches open extra rounds when it syncs ("Skicka nu" runs a pass).
    page.get_by_role("button", name="Skicka nu").click()
    task = page.locator(f"#dispatch-{dispatch_id}")
    task.wait_for(timeout=10000)
    assert prop_name in task.inner_text() and "källardörren" in task.inner_text()
    assert_accessible(page, "push-dispatch-task-390")
    page.screenshot(path=str(output_dir / "push-dispatch-task-390.png"), full_page=True)

    context.set_offline(True)
    task.get_by_role("button", name="Kvittera").click()
    task.get_by_text("Kvitterad").wait_for()
    task.get_by_role("button", name="Klar").click()
    task.get_by_text("Klar ").wait_for()
    context.set_offline(False)

    # The counter can still read 0 for a moment before the redraw that shows the two new
    # entries, so wait on the server itself, not on the screen.
    def arrived() -> list[str]:
        with live_app.app_context():
            return sorted(
                db.session.scalars(
                    sa.select(DispatchResponse.action).where(
                        DispatchResponse.dispatch_id == dispatch_id
                    )
                ).all()
            )

    deadline = time.monotonic() + 30
    while arrived() != ["acknowledged", "completed"] and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert arrived() == ["acknowledged", "completed"]
