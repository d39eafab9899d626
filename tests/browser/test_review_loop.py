"""The whole morning loop in real browsers.

A guard's phone-sized browser records a shift OFFLINE through the real guard app (start the
shift, a check-in chosen from the list, a preventive report with a camera photo, a check-in
with a typed code, an acute report, end the shift), then goes back online and syncs until
the outbox is empty; the server then holds every record. Then a supervisor's browser logs in,
opens Natten, the shift log and a report, approves it and creates a work order. Screenshots of
each page at 1280x800 and at tablet size (820x1180), dark theme (and Natten in light), go to
test-output/.

Determinism: the night is fixed (19:35-04:05 on 2026-11-23) so the test passes at any hour.
The phone's clock is Playwright's fake clock, moved to each record's moment of the night; the
supervisor's "now" (the server's choice of the most recent night) is 07:00 the morning after.
The server receives the records at the real time, so the shift log's delays are large and the
phone's clock may be flagged as skewed: both are correct behaviour, and nothing here depends
on them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.nights import ZONE
from tests.support.app import TEST_PASSWORD
from tests.support.desk_browser import assert_accessible
from tests.support.guard_browser import (
    camera_photo,
    check_in_from_list,
    check_in_with_code,
    end_shift,
    go_offline,
    go_online,
    guard_context,
    login,
    reload,
    start_shift,
    wait_until_all_sent,
    write_report,
)

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 820, "height": 1180}

STOCKHOLM = ZONE
NIGHT = date(2026, 11, 23)
# The supervisor opens Natten at 07:00 the morning after: it must show the night of the 23rd.
MORNING = datetime(2026, 11, 24, 7, 0, tzinfo=STOCKHOLM)
# The fake clock keeps running (in real time) after each jump: a step of the UI takes seconds,
# so each record lands within this margin after the moment it was meant for.
MARGIN = timedelta(minutes=10)


def shift_times() -> dict:
    """A weekday shift 19:35-04:05 with its records spread over the night."""
    start = datetime(2026, 11, 23, 19, 35, tzinfo=STOCKHOLM)
    step = (datetime(2026, 11, 24, 4, 5, tzinfo=STOCKHOLM) - start) / 5
    return {"night": NIGHT, **{f"t{i}": start + step * i for i in range(6)}}


def demo_ids(app) -> dict:
    from patrol.db import db
    from patrol.sites.models import Property

    with app.app_context():
        first = db.session.scalar(sa.select(Property).order_by(Property.id))
        by_label = {cp.label: cp for cp in first.checkpoints}
        return {
            "property_name": first.name,
            "entrance": by_label["Entré"].id,
            "stairwell": by_label["Trapphus A"].id,
            "stairwell_code": by_label["Trapphus A"].short_code,
        }


def guard_records_offline_and_syncs(browser, server, places) -> None:
    """The guard's night through the guard app's screens, offline, then one sync."""
    times = shift_times()
    context = guard_context(browser)
    # The phone's clock starts shortly before the shift and is moved to each record's moment
    # (set_system_time jumps Date without firing timers; the app's timers keep running).
    context.clock.install(time=times["t0"] - timedelta(minutes=5))
    page = context.new_page()
    login(page, server.url)
    go_offline(context, page)
    reload(page)  # the app shell from the service worker, no network
    context.clock.set_system_time(times["t0"])
    start_shift(page)
    context.clock.set_system_time(times["t1"])
    check_in_from_list(page, places["property_name"], "Entré")
    context.clock.set_system_time(times["t2"])
    # Property and checkpoint come preset from the check-in just made (the entrance; a typed
    # code is only resolved by the server, so it would preset nothing).
    write_report(
        page,
        category="Trasig belysning",
        level="Förebyggande",
        description="Trasig lampa vid entrén, det är helt mörkt.",
        photos=(camera_photo(7, 1600, 1200),),
    )
    context.clock.set_system_time(times["t3"])
    check_in_with_code(page, places["stairwell_code"])
    context.clock.set_system_time(times["t4"])
    write_report(
        page,
        property_name=places["property_name"],
        category="Brand eller rök",
        level="Akut allvarlig händelse",
        description="Rök i soprummet, räddningstjänsten larmad.",
    )
    context.clock.set_system_time(times["t5"])
    end_shift(page)
    # Everything so far is waiting on the phone: back online, the app sends it all.
    expect(page.locator("#unsent")).not_to_have_attribute("data-count", "0")
    go_online(context, page)
    wait_until_all_sent(page)
    context.close()


def server_records(app, places) -> dict:
    """What the server holds after the sync, checked against the phone's (fake) night."""
    from patrol.auth.models import User
    from patrol.db import db
    from patrol.reports.models import Report
    from patrol.shifts.models import Shift

    times = shift_times()

    def at(moment: datetime, key: str) -> None:
        assert times[key] <= moment < times[key] + MARGIN, (key, moment, times[key])

    with app.app_context():
        guard = db.session.scalar(sa.select(User).where(User.username == "guard"))
        (shift,) = db.session.scalars(sa.select(Shift)).all()
        assert shift.guard_id == guard.id and shift.night == NIGHT
        at(shift.started_at, "t0")
        at(shift.ended_at, "t5")
        checkins = sorted(shift.checkins, key=lambda c: c.occurred_at)
        assert [c.method for c in checkins] == ["manual", "code"]
        assert [c.checkpoint_id for c in checkins] == [places["entrance"], places["stairwell"]]
        at(checkins[0].occurred_at, "t1")
        at(checkins[1].occurred_at, "t3")
        reports = db.session.scalars(sa.select(Report).order_by(Report.occurred_at)).all()
        assert [(r.category, r.level) for r in reports] == [
            ("lighting", "preventive"),
            ("fire_smoke", "acute"),
        ]
        assert all(r.shift_id == shift.id for r in reports)
        lighting, acute = reports
        at(lighting.occurred_at, "t2")
        at(acute.occurred_at, "t4")
        assert lighting.checkpoint_id == places["entrance"]
        assert len(lighting.photos) == 1 and lighting.photo_ids == [str(lighting.photos[0].id)]
        assert acute.photos == []
        return {"shift": str(shift.id), "report": str(lighting.id), "night": shift.night}


def shoot(page, output_dir, name: str) -> None:
    assert_accessible(page, "-1280x800")
    page.screenshot(path=str(output_dir / f"review-{name}-1280x800.png"), full_page=True)


def test_guard_syncs_then_supervisor_reviews_approves_and_orders(
    browser, live_server, live_app, output_dir, monkeypatch
):
    # The live server runs in this process: its clock for "the most recent night" is set to
    # 07:00 on the morning after the shift.
    monkeypatch.setattr("patrol.nights.utcnow", lambda: MORNING.astimezone(UTC))
    places = demo_ids(live_app)
    guard_records_offline_and_syncs(browser, live_server, places)
    ids = server_records(live_app, places)
    night = ids["night"].isoformat()

    context = browser.new_context(viewport=DESKTOP, color_scheme="dark", locale="sv-SE")
    page = context.new_page()
    page.goto(live_server.url + "/review/")
    expect(page).to_have_url(live_server.url + "/login?next=/review/")
    page.get_by_label("Användarnamn").fill("supervisor")
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()

    # Natten opens on the current night, with the acute report first and marked.
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Natten {night}")
    # No theme picked: the system's setting (this context's is dark) decides.
    expect(page.locator("html")).to_have_attribute("data-theme", "auto")
    acute = page.locator(".acute-list")
    expect(acute).to_contain_text("Brand eller rök")
    expect(page.locator(".shift-card")).to_contain_text("Väktare Demo")
    expect(page.locator(".shift-card")).to_contain_text("Manuell: vald i listan")
    shoot(page, output_dir, "natten")

    # The shift log: a timeline with the photo thumbnail; the thumbnail opens the full photo.
    page.get_by_role("link", name="Passlogg").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Passlogg: Väktare Demo")
    thumb = page.locator(".timeline img").first
    expect(thumb).to_be_visible()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.timeline img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    shoot(page, output_dir, "passlogg")
    full = page.locator(".timeline a.photo-link").first.get_attribute("href")
    response = page.request.get(live_server.url + full)
    assert response.status == 200 and response.headers["content-type"] == "image/jpeg"

    # The report: approve with a comment, then "needs repair" -> work order.
    page.get_by_role("link", name="Trasig belysning").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Trasig belysning")
    shoot(page, output_dir, "rapport")
    page.get_by_label("Kommentar").fill("Lampan ska bytas i dag.")
    page.get_by_role("button", name="Godkänn").click()
    expect(page.get_by_role("status")).to_contain_text("Rapporten är granskad.")
    expect(page.locator(".report-head")).to_contain_text("granskad")
    page.get_by_label("Vad är trasigt").fill("Byt lampan vid entrén")
    page.get_by_label("Prioritet").select_option("high")
    page.get_by_role("button", name="Behöver reparation: skapa arbetsorder").click()
    expect(page.get_by_role("status")).to_contain_text("Arbetsorder skapad")
    expect(page.locator(".audit")).to_contain_text("Godkänd")
    expect(page.locator(".audit")).to_contain_text("Arbetsorder skapad")
    shoot(page, output_dir, "rapport-granskad")

    # The day crew's list: grouped by area and property, with the link back to the report.
    page.get_by_role("link", name="Arbetsordrar").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Arbetsordrar för dagpersonalen")
    expect(page.locator(".wo-area h2")).to_have_text("Södra Sofielund")
    expect(page.locator(".wo-property h3")).to_contain_text(places["property_name"])
    expect(page.locator(".wo")).to_contain_text("Byt lampan vid entrén")
    expect(page.get_by_role("button", name="Skriv ut")).to_be_visible()  # review/desk.js ran
    shoot(page, output_dir, "arbetsordrar")
    page.emulate_media(media="print")
    page.pdf(path=str(output_dir / "review-arbetsordrar-print.pdf"), format="A4")
    page.emulate_media(media="screen")

    page.get_by_role("link", name="Rapporter").first.click()
    expect(page.locator(".report-table tbody tr")).to_have_count(2)
    shoot(page, output_dir, "rapporter")
    urls = {
        "natten": f"/review/nights/{night}",
        "passlogg": f"/review/shifts/{ids['shift']}",
        "rapport": f"/review/reports/{ids['report']}",
        "arbetsordrar": "/review/work-orders",
        "rapporter": "/review/reports",
    }
    cookies = context.cookies()

    # The theme switch (a form, no script needed) turns the pages light and back.
    page.goto(live_server.url + urls["natten"])
    page.locator(".desk-more summary").click()  # the theme switch sits behind "Meny"
    page.get_by_role("button", name="Ljust tema").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Natten {night}")
    assert_accessible(page, "review-natten-light-1280x800")
    page.screenshot(path=str(output_dir / "review-natten-light-1280x800.png"), full_page=True)
    page.locator(".desk-more summary").click()
    page.get_by_role("button", name="Mörkt tema").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    context.close()

    tablet = browser.new_context(viewport=TABLET, color_scheme="dark", locale="sv-SE")
    tablet.add_cookies(cookies)
    page = tablet.new_page()
    for name, url in urls.items():
        page.goto(live_server.url + url)
        expect(page.locator("main h1")).to_be_visible()
        page.wait_for_load_state("networkidle")
        assert_accessible(page, "-820x1180")
        page.screenshot(path=str(output_dir / f"review-{name}-820x1180.png"), full_page=True)
        # Nothing overflows the tablet's width.
        assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
    tablet.close()
