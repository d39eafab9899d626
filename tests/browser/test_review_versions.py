"""A night's record has versions, in real browsers (issue 21, point 1).

The guard's phone records a report while offline (the basement); the supervisor approves the
night's first report and marks the night reviewed (version 1, the owner's email goes). Then the
phone comes back online and syncs: Natten shows the report as "Kom in efter granskningen", the
supervisor approves it and marks the night again. Version 2 is kept beside version 1, both PDFs
download and differ, and the owner gets one addendum, caught by a real SMTP server (aiosmtpd).

The phone's clock is Playwright's fake clock at the night's moments; the server's "most recent
night" is set to the morning after (as in test_review_loop); the server receives at real time,
which is all the versions compare (received vs. kept)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.nights import ZONE
from tests.support.desk_browser import assert_accessible, log_in
from tests.support.guard_browser import (
    go_offline,
    go_online,
    guard_context,
    login,
    start_shift,
    wait_until_all_sent,
    write_report,
)
from tests.support.pdf import pdf_text
from tests.support.smtp import SmtpServer

pytestmark = pytest.mark.browser

STOCKHOLM = ZONE
NIGHT = date(2026, 11, 23)
MORNING = datetime(2026, 11, 24, 8, 0, tzinfo=STOCKHOLM)
PHONE = {"width": 390, "height": 844}
OWNER_EMAIL = "agare@example.se"


def first_property_and_owner(app) -> str:
    """The first demo property's name; its organization gets an owner who wants the news."""
    from patrol.auth.actions import create_user
    from patrol.db import db
    from patrol.sites.models import Property
    from tests.support.app import TEST_PASSWORD

    with app.app_context():
        first = db.session.scalar(sa.select(Property).order_by(Property.id))
        create_user(
            "agare",
            TEST_PASSWORD,
            "owner",
            "Ägare Demo",
            organization_id=first.organization_id,
            email=OWNER_EMAIL,
            email_prefs=["morning_report"],
        )
        return first.name


def drain(app) -> None:
    from patrol.mail.rules import drain_outbox

    with app.app_context():
        while drain_outbox():
            pass


def test_a_report_synced_after_the_review_is_reviewed_into_version_two(
    browser, live_server, live_app, output_dir, monkeypatch
):
    monkeypatch.setattr("patrol.nights.utcnow", lambda: MORNING.astimezone(UTC))
    smtp = SmtpServer().start()
    try:
        live_app.config.update(
            smtp.config(), PUBLIC_URL=live_server.url, MAIL_FROM="Nattpatrull <n@example.se>"
        )
        property_name = first_property_and_owner(live_app)

        # The phone: one report synced at once, then one written in the basement (offline).
        phone = guard_context(browser)
        phone.clock.install(time=datetime(2026, 11, 23, 21, 55, tzinfo=STOCKHOLM))
        guard = phone.new_page()
        login(guard, live_server.url)
        start_shift(guard)
        write_report(
            guard,
            property_name=property_name,
            category="Klotter",
            description="Klotter på porten mot gatan.",
        )
        wait_until_all_sent(guard)
        go_offline(phone, guard)
        phone.clock.set_system_time(datetime(2026, 11, 23, 23, 40, tzinfo=STOCKHOLM))
        write_report(
            guard,
            property_name=property_name,
            category="Skadegörelse",
            level="Pågående störning",
            description="Källardörren uppbruten.",
        )

        # The supervisor approves the first report and marks the night reviewed: version 1.
        desk = browser.new_context(viewport=PHONE, color_scheme="dark", locale="sv-SE")
        page = desk.new_page()
        log_in(page, live_server.url)
        page.goto(f"{live_server.url}/review/reports?from={NIGHT}&to={NIGHT}")
        page.get_by_role("link", name="Klotter").first.click()
        page.get_by_role("button", name="Godkänn").click()
        expect(page.get_by_role("status")).to_contain_text("Rapporten är granskad.")
        page.goto(f"{live_server.url}/review/nights/{NIGHT}")
        page.get_by_role("button", name="Natten granskad").click()
        expect(page.get_by_role("status")).to_contain_text("Natten är markerad som granskad")
        drain(live_app)
        assert len([m for m in smtp.inbox.messages if OWNER_EMAIL in m["To"]]) == 1

        # 09:30: the phone is back online and sends the basement report.
        go_online(phone, guard)
        wait_until_all_sent(guard)
        phone.close()

        page.reload()
        late = page.locator(".late-records")
        expect(late.get_by_role("heading")).to_have_text("Kom in efter granskningen: 1 rapport")
        expect(late).to_contain_text("Skadegörelse")
        expect(page.get_by_role("button", name="Markera granskad igen (version 2)")).to_be_visible()
        # No theme picked: the context's dark system setting decides.
        expect(page.locator("html")).to_have_attribute("data-theme", "auto")
        assert_accessible(page, "review-natten-late-390x844")
        page.screenshot(path=str(output_dir / "review-natten-late-390x844.png"), full_page=True)

        # Marking again before reviewing it asks first, and links the open report.
        page.get_by_role("button", name="Markera granskad igen (version 2)").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "1 rapport är inte granskad. Markera natten som granskad ändå?"
        )
        assert_accessible(page, "review-confirm-night-390x844")
        page.screenshot(path=str(output_dir / "review-confirm-night-390x844.png"), full_page=True)
        # Reviewed, and the night marked again: version 2 beside version 1.
        page.locator(".unreviewed-list").get_by_role("link", name="Skadegörelse").click()
        page.get_by_role("button", name="Godkänn").click()
        expect(page.get_by_role("status")).to_contain_text("Rapporten är granskad.")
        page.goto(f"{live_server.url}/review/nights/{NIGHT}")
        expect(page.locator(".changed-after")).to_contain_text("Godkänd: Skadegörelse")
        page.get_by_role("button", name="Markera granskad igen (version 2)").click()
        expect(page.get_by_role("status")).to_contain_text("version 2")
        expect(page.locator(".late-records")).to_have_count(0)
        page.screenshot(path=str(output_dir / "review-natten-v2-390x844.png"), full_page=True)

        pdfs = {}
        for n in (1, 2):
            link = page.get_by_role("link", name=f"Version {n} (PDF)")
            response = page.request.get(live_server.url + link.get_attribute("href"))
            assert response.status == 200
            assert response.headers["content-type"] == "application/pdf"
            pdfs[n] = response.body()
            (output_dir / f"review-night-version-{n}.pdf").write_bytes(pdfs[n])
        assert pdfs[1] != pdfs[2]
        assert "Källardörren uppbruten." not in pdf_text(pdfs[1])
        assert "Version 2: ändringar sedan version 1" in pdf_text(pdfs[2])
        desk.close()

        drain(live_app)
        mails = [m for m in smtp.inbox.messages if OWNER_EMAIL in m["To"]]
        assert len(mails) == 2
        addenda = [m for m in mails if m["Subject"].startswith("Tillägg för natten")]
        assert len(addenda) == 1
        text = addenda[0].get_body(("plain",)).get_content()
        assert "Skadegörelse" in text and "Klotter" not in text  # only what is new
    finally:
        smtp.stop()
