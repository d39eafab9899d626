"""Underlag till polisen, in a real browser (issue 26, point 3): on a phone-sized screen in
Swedish and the dark theme, the report's desk page offers the police record; it downloads as a
PDF with the report, its shift and the night's signed root. The evidence file downloads too and
the standalone verifier accepts it."""

from __future__ import annotations

import subprocess
import sys

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.config import ROOT
from tests.support.desk_browser import assert_accessible, log_in, seed_desk_night, set_theme
from tests.support.pdf import pdf_text

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_the_police_record_and_the_evidence_file_from_the_desk(
    browser, live_server, live_app, output_dir, tmp_path
):
    from patrol.auth.models import User
    from patrol.db import db
    from patrol.evidence.models import NightSeal
    from patrol.review import actions
    from tests.support.review import NIGHT

    ids = seed_desk_night(live_app)
    with live_app.app_context():
        supervisor = db.session.scalar(sa.select(User).where(User.username == "supervisor"))
        actions.mark_night_reviewed(NIGHT, supervisor)
        root = db.session.scalar(sa.select(NightSeal.root))

    context = browser.new_context(viewport=PHONE, locale="sv-SE", accept_downloads=True)
    page = context.new_page()
    try:
        set_theme(page, live_server.url, "dark")
        log_in(page, live_server.url)
        page.goto(f"{live_server.url}/review/reports/{ids['lighting']}")
        link = page.get_by_role("link", name="Underlag till polisen")
        expect(link).to_be_visible()
        page.screenshot(path=str(output_dir / "evidence-report-police-dark-390x844.png"))
        assert_accessible(page, "report page with the police record")
        response = page.request.get(live_server.url + link.get_attribute("href"))
        assert response.status == 200 and response.headers["content-type"] == "application/pdf"
        text = pdf_text(response.body())
        assert "Underlag till polisen" in text and "Trasig lampa" in text
        assert root in text.replace(" ", "")

        evidence = page.request.get(f"{live_server.url}/review/nights/{NIGHT}/evidence.zip")
        assert evidence.status == 200
        path = tmp_path / "evidence.zip"
        path.write_bytes(evidence.body())
        result = subprocess.run(
            [sys.executable, str(ROOT / "tools" / "verify_evidence.py"), str(path), "--root", root],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0 and result.stdout.startswith("OK night"), result.stdout
        (output_dir / "evidence-police-record.pdf").write_bytes(response.body())
        kept = page.request.get(f"{live_server.url}/review/nights/{NIGHT}/versions/1.pdf")
        first_page = pdf_text(kept.body()).split("Sammanfattning")[0]
        assert root in first_page.replace(" ", "")
        (output_dir / "evidence-kept-night.pdf").write_bytes(kept.body())
    finally:
        context.close()
