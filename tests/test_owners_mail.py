"""The morning's emails, sent through the outbox to a real SMTP server on loopback: the
owners' news on "Natten granskad" or at the configured time, never twice, quiet nights only for
those who asked, the owner's language; the day crew's list with its PDF at 06:45."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from patrol.auth.models import User
from patrol.db import db, set_clock
from patrol.mail.rules import drain_outbox
from patrol.owners.models import OwnerNews
from patrol.reports.models import Report
from patrol.schedule.rules import run_due_jobs
from patrol.signals import night_reviewed
from tests.support.owners import (
    B_TEXT,
    DRAFT,
    GUARD_NAME,
    INTERNAL,
    NIGHT,
    build_world,
    login_page,
    pdf_text,
)
from tests.support.smtp import SmtpServer

# 09:00 Stockholm the morning after NIGHT: before the owners' 10:00 deadline.
MORNING = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
AFTER_TEN = datetime(2026, 11, 24, 9, 1, tzinfo=UTC)
DAY_CREW_TIME = datetime(2026, 11, 24, 5, 46, tzinfo=UTC)  # 06:46 Stockholm
PUBLIC = "https://patrull.example.se"


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def world(seeded, smtp):
    seeded.config.update(smtp.config(), PUBLIC_URL=PUBLIC, MAIL_FROM="Nattpatrull <n@example.se>")
    set_clock(seeded, MORNING)
    return build_world(seeded)


def mark_reviewed(app, world):
    """What "Natten granskad" does for the owners: send the signal inside its transaction."""
    with app.app_context():
        supervisor = db.session.get(User, world["supervisor"])
        night_reviewed.send(app, night=NIGHT, by=supervisor, review=None)
        db.session.commit()
        while drain_outbox():
            pass


def run_jobs(app):
    with app.app_context():
        runs = run_due_jobs(by="test")
        while drain_outbox():
            pass
        return runs


def to(smtp, address):
    return [m for rcpt, m in ((r, m) for _, r, m in smtp.inbox.received) if address in rcpt]


def test_owners_get_their_own_news_when_the_night_is_reviewed(seeded, world, smtp):
    mark_reviewed(seeded, world)
    (mail_a,) = to(smtp, "agare.a@example.se")
    (mail_b,) = to(smtp, "agare.b@example.se")
    assert mail_a["To"] == "Ägare A <agare.a@example.se>"
    assert mail_a["Subject"] == "Natten mot tisdag 24 november: 2 rapporter för MKB Fastighets AB"
    assert mail_a["List-Unsubscribe"] == f"<{PUBLIC}/owner/settings>"
    text = mail_a.get_body(("plain",)).get_content()
    html = mail_a.get_body(("html",)).get_content()
    for part in (text, html):
        assert "Belysningen i entrén var trasig." in part
        assert f"{PUBLIC}/owner/reports/{world['a_lamp']}" in part
        assert f"{PUBLIC}/owner/settings" in part
        for secret in (B_TEXT, INTERNAL, DRAFT, GUARD_NAME):
            assert secret not in part
    assert list(mail_a.iter_attachments()) == []  # no photos attached
    assert "Hej Ägare A," in text
    # Owner B prefers English.
    # (.strip(): Python folds a long ASCII subject onto its own continuation line, legal
    # RFC 5322 that its parser unfolds with the leading space kept.)
    assert mail_b["Subject"].strip().startswith("The night of Monday 23 November: 1 report for")
    assert B_TEXT in mail_b.get_body(("plain",)).get_content()
    assert "Belysningen" not in mail_b.get_body(("html",)).get_content()


def test_never_twice_for_the_same_night_and_owner(seeded, world, smtp):
    mark_reviewed(seeded, world)
    mark_reviewed(seeded, world)  # marked again (or a second host)
    set_clock(seeded, AFTER_TEN)
    runs = run_jobs(seeded)
    assert any(run.job == "owner-news" for run in runs)
    assert len(to(smtp, "agare.a@example.se")) == 1
    assert len(to(smtp, "agare.b@example.se")) == 1
    with seeded.app_context():
        tonight = sa.select(sa.func.count()).where(OwnerNews.night == NIGHT)
        assert db.session.scalar(tonight) == 2


def test_at_ten_the_news_goes_with_what_is_approved_and_what_awaits(seeded, world, smtp):
    set_clock(seeded, MORNING)
    runs = run_jobs(seeded)
    assert [r for r in runs if r.job == "owner-news" and r.night == NIGHT] == []  # not 10:00 yet
    set_clock(seeded, AFTER_TEN)
    run_jobs(seeded)
    (mail_a,) = to(smtp, "agare.a@example.se")
    text = mail_a.get_body(("plain",)).get_content()
    assert "1 rapport från natten väntar fortfarande på granskning" in text
    # Marking the night reviewed afterwards sends nothing more.
    mark_reviewed(seeded, world)
    assert len(to(smtp, "agare.a@example.se")) == 1


def test_quiet_nights_only_for_owners_who_asked(seeded, world, smtp):
    with seeded.app_context():
        # Owner A's approved reports are un-approved for this test: a quiet night for A.
        db.session.execute(
            sa.update(Report)
            .where(Report.id.in_([world["a_lamp"], world["a_graffiti"]]))
            .values(review_status="new")
        )
        db.session.commit()
    mark_reviewed(seeded, world)
    assert to(smtp, "agare.a@example.se") == []
    with seeded.app_context():
        (news,) = db.session.scalars(
            sa.select(OwnerNews).where(OwnerNews.user_id == world["owner"])
        )
        assert news.kind == "skipped"
        db.session.delete(news)
        owner = db.session.get(User, world["owner"])
        owner.email_prefs = ["morning_report", "nothing_to_report"]
        db.session.commit()
    mark_reviewed(seeded, world)
    (quiet,) = to(smtp, "agare.a@example.se")
    assert quiet["Subject"] == "Inget att rapportera i natt (natten mot tisdag 24 november)"


def test_an_owner_who_unsubscribed_gets_nothing(seeded, world, smtp):
    client = seeded.test_client()
    login_page(client, "owner")
    page = client.get("/owner/settings").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert 'name="morning_report" checked' in page
    response = client.post("/owner/settings", data={"csrf_token": token, "language": "sv"})
    assert response.status_code == 302
    bad = client.post("/owner/settings", data={"csrf_token": token, "language": "klingon"})
    assert bad.status_code == 422
    with seeded.app_context():
        assert db.session.get(User, world["owner"]).email_prefs == []
    mark_reviewed(seeded, world)
    assert to(smtp, "agare.a@example.se") == []
    assert len(to(smtp, "agare.b@example.se")) == 1


def test_the_day_crew_gets_open_work_orders_with_a_pdf_at_six_forty_five(seeded, world, smtp):
    set_clock(seeded, datetime(2026, 11, 24, 5, 40, tzinfo=UTC))
    assert [r for r in run_jobs(seeded) if r.job == "day-crew-mail"] == []
    set_clock(seeded, DAY_CREW_TIME)
    runs = [r for r in run_jobs(seeded) if r.job == "day-crew-mail"]
    assert len(runs) == 1
    (mail,) = to(smtp, "dagpersonal@example.se")
    assert "fastighetsskotare@example.se" in mail["To"]
    assert mail["Subject"].startswith("Arbetsordrar tisdag 24 november – Södra Sofielund")
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    for part in (text, html):
        assert "Byt lysrör i entrén" in part and "Laga dörr" in part
        assert "Sanera klotter" not in part  # done already
        assert world["prop_a_name"] in part
        assert f"{PUBLIC}/crew/" in part
    (pdf,) = list(mail.iter_attachments())
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_filename() == "arbetsordrar-2026-11-24.pdf"
    printed = pdf_text(pdf.get_content())
    assert "Byt lysrör i entrén" in printed and world["prop_a_name"] in printed


def test_the_worker_command_sends_the_morning_mail(seeded, world, smtp):
    set_clock(seeded, DAY_CREW_TIME)
    result = seeded.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert len(to(smtp, "dagpersonal@example.se")) == 1, result.output
    assert to(smtp, "agare.a@example.se") == []  # the owners' time is 10:00
    set_clock(seeded, AFTER_TEN)
    result = seeded.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert len(to(smtp, "agare.a@example.se")) == 1
    assert len(to(smtp, "dagpersonal@example.se")) == 1  # once per morning
