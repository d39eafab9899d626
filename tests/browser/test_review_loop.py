"""The whole morning loop in real browsers.

A guard's browser records a shift and syncs it through the sync API (the guard app is built
in parallel, so this test drives the API from the guard's browser with fetch(): records are
made while offline, fail to send, and are sent again with the same UUIDs once back online).
Then a supervisor's browser logs in, opens Natten, the shift log and a report, approves it and
creates a work order. Screenshots of each page at 1280x800 and at tablet size (820x1180), dark
theme, go to test-output/.
"""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD
from tests.images import digest, jpeg_bytes

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 820, "height": 1180}

SEND = """async ([method, url, body, headers]) => {
  const me = await (await fetch('/api/v1/me')).json();
  const init = {method, headers: {'X-CSRFToken': me.csrf_token, ...headers}};
  if (body !== null) init.body = typeof body === 'string' && headers['Content-Type'] === 'image/jpeg'
    ? Uint8Array.from(atob(body), c => c.charCodeAt(0)) : JSON.stringify(body);
  if (body !== null && !headers['Content-Type']) init.headers['Content-Type'] = 'application/json';
  const response = await fetch(url, init);
  return response.status;
}"""


def iso(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("Europe/Stockholm")).isoformat()


STOCKHOLM = ZoneInfo("Europe/Stockholm")
NIGHT = date(2026, 11, 23)
# The supervisor opens Natten at 07:00 the morning after: it must show the night of the 23rd.
MORNING = datetime(2026, 11, 24, 7, 0, tzinfo=STOCKHOLM)


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
        cp = first.checkpoints[0]
        return {
            "property": first.id,
            "checkpoint": cp.id,
            "token": cp.token,
            "lat": cp.lat,
            "lon": cp.lon,
            "property_name": first.name,
        }


def guard_records_and_syncs(browser, server, places) -> dict:
    times = shift_times()
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark")
    page = context.new_page()
    page.goto(server.url + "/api/v1/me")
    status = page.evaluate(
        SEND, ["POST", "/api/v1/session", {"username": "guard", "password": TEST_PASSWORD}, {}]
    )
    assert status == 200
    ids = {k: str(uuid.uuid4()) for k in ("shift", "c1", "c2", "report", "acute", "photo")}
    image = jpeg_bytes(800, 600, color=(200, 120, 30))
    records = [
        ("PUT", f"/api/v1/shifts/{ids['shift']}", {"started_at": iso(times["t0"])}, {}),
        (
            "PUT",
            f"/api/v1/checkins/{ids['c1']}",
            {
                "shift_id": ids["shift"],
                "checkpoint_token": places["token"],
                "method": "qr",
                "occurred_at": iso(times["t1"]),
                "lat": places["lat"],
                "lon": places["lon"],
                "accuracy_m": 9,
            },
            {},
        ),
        (
            "PUT",
            f"/api/v1/reports/{ids['report']}",
            {
                "shift_id": ids["shift"],
                "property_id": places["property"],
                "checkpoint_id": places["checkpoint"],
                "category": "lighting",
                "level": "preventive",
                "description": "Trasig lampa vid entrén, det är helt mörkt.",
                "occurred_at": iso(times["t2"]),
                "lat": places["lat"],
                "lon": places["lon"],
                "accuracy_m": 9,
                "photo_ids": [ids["photo"]],
            },
            {},
        ),
        (
            "PUT",
            f"/api/v1/reports/{ids['report']}/photos/{ids['photo']}",
            base64.b64encode(image).decode(),
            {"Content-Type": "image/jpeg", "Content-Digest": digest(image)},
        ),
        (
            "PUT",
            f"/api/v1/checkins/{ids['c2']}",
            {
                "shift_id": ids["shift"],
                "checkpoint_id": places["checkpoint"],
                "method": "manual",
                "occurred_at": iso(times["t3"]),
            },
            {},
        ),
        (
            "PUT",
            f"/api/v1/reports/{ids['acute']}",
            {
                "shift_id": ids["shift"],
                "property_id": places["property"],
                "category": "fire_smoke",
                "level": "acute",
                "description": "Rök i soprummet, räddningstjänsten larmad.",
                "occurred_at": iso(times["t4"]),
                "photo_ids": [],
            },
            {},
        ),
        (
            "PUT",
            f"/api/v1/shifts/{ids['shift']}",
            {"started_at": iso(times["t0"]), "ended_at": iso(times["t5"])},
            {},
        ),
    ]
    # Offline on the stairs: nothing gets through, nothing is lost (the phone keeps it).
    context.set_offline(True)
    with pytest.raises(Exception, match="Failed to fetch"):
        page.evaluate(SEND, list(records[0]))
    context.set_offline(False)
    # Back online: the records go out oldest first, a report before its photo.
    statuses = [page.evaluate(SEND, list(record)) for record in records]
    assert statuses == [201, 201, 201, 201, 201, 201, 200], statuses
    context.close()
    return ids | {"night": times["night"]}


def shoot(page, output_dir, name: str) -> None:
    page.screenshot(path=str(output_dir / f"review-{name}-1280x800.png"), full_page=True)


def test_guard_syncs_then_supervisor_reviews_approves_and_orders(
    browser, live_server, live_app, output_dir, monkeypatch
):
    # The live server runs in this process: its clock for "the most recent night" is set to
    # 07:00 on the morning after the shift.
    monkeypatch.setattr("patrol.review.views.utcnow", lambda: MORNING.astimezone(UTC))
    places = demo_ids(live_app)
    ids = guard_records_and_syncs(browser, live_server, places)
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
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
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
    expect(page.get_by_role("button", name="Skriv ut")).to_be_visible()  # review.js ran
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
    page.get_by_role("button", name="Ljust tema").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Natten {night}")
    page.screenshot(path=str(output_dir / "review-natten-light-1280x800.png"), full_page=True)
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
        page.screenshot(path=str(output_dir / f"review-{name}-820x1180.png"), full_page=True)
        # Nothing overflows the tablet's width.
        assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
    tablet.close()
