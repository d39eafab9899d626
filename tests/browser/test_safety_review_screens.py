"""Issue 14 on the desk and the phone: three disturbances reported offline at one entrance
show the case history on the third one's page; and screenshots of every new review page
(cases, case, resident information plan form, walks, checklists, Natten with the safety
panels), Swedish, dark, looked at."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.db import db
from patrol.reports.models import Report
from patrol.safety.models import CaseReport
from tests.support.app import TEST_PASSWORD
from tests.support.desk_browser import assert_accessible
from tests.support.guard_browser import (
    check_in_from_list,
    go_offline,
    go_online,
    guard_context,
    login,
    reload,
    start_shift,
    wait_until_all_sent,
    write_report,
)
from tests.support.safety import acute_event_with_plan, plan_walk_directly

pytestmark = [pytest.mark.browser, pytest.mark.timeout(400)]

SHOTS = "/work/shots/safety"
DESK = {"width": 1366, "height": 900}


def desk_login(browser, base_url: str, username: str):
    context = browser.new_context(viewport=DESK, locale="sv-SE", color_scheme="dark")
    page = context.new_page()
    page.goto(base_url + "/login")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    # Logged in: the desk's main menu (log-out waits behind "Meny").
    expect(page.get_by_role("navigation", name="Huvudmeny")).to_be_visible()
    return context, page


def test_third_disturbance_shows_the_case_history(live_server, live_app, browser):
    phone = guard_context(browser)
    page = phone.new_page()
    login(page, live_server.url)
    go_offline(phone, page)
    reload(page)
    start_shift(page)
    check_in_from_list(page, "Rasmusgatan 5", "Trapphus A")
    for text in ("Hög musik från lägenhet på plan 3.", "Skrik och bråk i trapphuset.", "Hög musik igen, grannar klagar."):  # fmt: skip
        write_report(page, category="Störning", level="Pågående störning", description=text)
    go_online(phone, page)
    wait_until_all_sent(page)
    phone.close()
    with live_app.app_context():
        reports = db.session.scalars(sa.select(Report).order_by(Report.occurred_at)).all()
        assert len(reports) == 3
        assert len({db.session.get(CaseReport, r.id).case_id for r in reports}) == 1
        third = reports[-1].id
        case_id = db.session.get(CaseReport, third).case_id

    context, boss = desk_login(browser, live_server.url, "supervisor")
    boss.goto(f"{live_server.url}/review/reports/{third}")
    history = boss.locator(".case-history")
    expect(history).to_contain_text(
        "3:e störningen på Rasmusgatan 5, Trapphus A, senaste 30 nätterna"
    )
    assert_accessible(boss, "review-report-case-history")
    boss.screenshot(path=f"{SHOTS}/review-report-case-history.png", full_page=True)
    history.get_by_role("link", name="Öppna ärendet").click()
    expect(
        boss.get_by_role("heading", name="Störningar vid Rasmusgatan 5, Trapphus A")
    ).to_be_visible()
    boss.locator(".case-report").first.get_by_role("button", name="Bekräftad", exact=True).click()
    expect(boss.locator(".case-report").first.locator(".judgement")).to_contain_text("bekräftad")
    assert_accessible(boss, "review-case")
    boss.screenshot(path=f"{SHOTS}/review-case.png", full_page=True)
    boss.goto(f"{live_server.url}/review/cases")
    expect(boss.locator(".case-table")).to_contain_text("Rasmusgatan 5, Trapphus A")
    assert_accessible(boss, "review-cases")
    boss.screenshot(path=f"{SHOTS}/review-cases.png", full_page=True)
    boss.goto(f"{live_server.url}/review/cases/{case_id}")
    boss.get_by_role("textbox", name="Utfall").fill(
        "Samtal med hyresgästen via förvaltaren; lugnt sedan dess."
    )
    boss.get_by_role("button", name="Stäng ärendet").click()
    expect(boss.locator(".page-head")).to_contain_text("Stängt ärende")
    context.close()


def test_screenshots_of_the_new_desk_pages(live_server, live_app, browser):
    today = datetime.now(UTC).astimezone().date()
    acute_event_with_plan(live_app, [("Rasmusgatan 5", "Trapphus A"), ("Rasmusgatan 5", "Entré")], ["notice", "letter"])  # fmt: skip
    plan_walk_directly(live_app, today)
    with live_app.app_context():
        acute = db.session.scalar(sa.select(Report.id))
        night = db.session.scalar(sa.select(Report.night))

    context, boss = desk_login(browser, live_server.url, "supervisor")
    boss.goto(f"{live_server.url}/review/reports/{acute}")
    expect(boss.locator(".resident-info-report")).to_contain_text("0 av 2 klara")
    boss.get_by_role("link", name="Planera boendeinformation").click()
    expect(boss.get_by_role("heading", name="Planera boendeinformation")).to_be_visible()
    assert_accessible(boss, "review-resident-info-form")
    boss.screenshot(path=f"{SHOTS}/review-resident-info-form.png", full_page=True)
    boss.get_by_label("Dörrknackning").check()
    boss.get_by_role("button", name="Spara planen").click()
    expect(boss.locator(".page-head .lead")).to_contain_text("0 av 1 klara")
    assert re.search(r"/review/resident-info/\d+$", boss.url)

    boss.goto(f"{live_server.url}/review/nights/{night.isoformat()}")
    expect(boss.locator(".resident-info-night")).to_contain_text("Boendeinformation")
    assert_accessible(boss, "review-natten-safety")
    boss.screenshot(path=f"{SHOTS}/review-natten-safety.png", full_page=True)
    boss.goto(f"{live_server.url}/review/walks")
    expect(boss.locator(".walk-list")).to_contain_text("Södra Sofielund")
    assert_accessible(boss, "review-walks")
    boss.screenshot(path=f"{SHOTS}/review-walks.png", full_page=True)
    boss.goto(f"{live_server.url}/admin/checklists")
    expect(boss.get_by_text("Bara en administratör får ändra checklistor.")).to_be_visible()
    context.close()

    context, admin = desk_login(browser, live_server.url, "admin")
    admin.goto(f"{live_server.url}/admin/checklists")
    new = admin.get_by_role("region", name="Ny checklista")
    new.get_by_label("Namn").fill("Lekplatser")
    new.get_by_label("Punkter, en per rad").fill(
        "Lekplats hel\nSand utan glas\nBelysning vid gungorna"
    )
    new.get_by_role("button", name="Spara").click()
    expect(admin.get_by_role("heading", name="Lekplatser")).to_be_visible()
    assert_accessible(admin, "admin-checklists")
    admin.screenshot(path=f"{SHOTS}/admin-checklists.png", full_page=True)
    context.close()
