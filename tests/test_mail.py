"""The mail outbox against a real SMTP server on loopback: what arrives, retries with backoff
when the server is down or answers 4xx, failure on 5xx, and the worker draining it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from patrol.db import db, set_clock
from patrol.mail.models import MailMessage
from patrol.mail.rules import Attachment, drain_outbox, queue_mail
from patrol.schedule.commands import work_once
from tests.support.smtp import SmtpServer

T0 = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n% a tiny test attachment\n%%EOF\n"


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


def queue_one(subject="Nattens rapport", to=("agare@example.se",)) -> int:
    row = queue_mail(
        "test",
        list(to),
        subject,
        "Hej!\nLänk: http://example.se/owner/\n",
        "<p>Hej! <a href='http://example.se/owner/'>Portalen</a></p>",
        (Attachment("rapport.pdf", "application/pdf", PDF),),
        {"List-Unsubscribe": "<http://example.se/owner/settings>"},
    )
    db.session.commit()
    return row.id


def statuses() -> list[str]:
    db.session.rollback()
    db.session.expire_all()  # the session keeps objects across commits (expire_on_commit off)
    return list(db.session.scalars(sa.select(MailMessage.status).order_by(MailMessage.id)))


def test_a_queued_message_arrives_whole(app, smtp):
    app.config.update(smtp.config(), MAIL_FROM="Nattpatrull <patrull@example.se>")
    with app.app_context():
        set_clock(app, T0)
        queue_one("Natten 23 nov: två rapporter")
        assert drain_outbox() == 1
        assert statuses() == ["sent"]
        assert drain_outbox() == 0
    ((sender, rcpts, message),) = smtp.inbox.received
    assert sender == "patrull@example.se"
    assert rcpts == ["agare@example.se"]
    assert message["Subject"] == "Natten 23 nov: två rapporter"
    assert message["From"] == "Nattpatrull <patrull@example.se>"
    assert message["Message-ID"].endswith("@example.se>")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe"] == "<http://example.se/owner/settings>"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "http://example.se/owner/" in text
    assert "<a href='http://example.se/owner/'>" in html
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "rapport.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == PDF


def test_a_server_down_for_an_hour_loses_nothing(app):
    server = SmtpServer()  # a port with nothing listening yet
    app.config.update(server.config())
    with app.app_context():
        set_clock(app, T0)
        ids = [queue_one(f"Meddelande {n}") for n in range(3)]
        message_ids = {}
        now = T0
        while now < T0 + timedelta(hours=1):
            drain_outbox()
            assert statuses() == ["pending"] * 3
            now += timedelta(minutes=5)
            set_clock(app, now)
        rows = db.session.scalars(sa.select(MailMessage).order_by(MailMessage.id)).all()
        assert all(row.attempts > 2 and "ConnectionRefused" in row.last_error for row in rows)
        # Backoff: far fewer attempts than the 12 passes over the hour.
        assert all(row.attempts < 12 for row in rows)
        message_ids = {row.id: row.next_attempt_at for row in rows}
        server.start()
        try:
            set_clock(app, max(message_ids.values()))
            assert drain_outbox() == 3
            assert statuses() == ["sent"] * 3
            set_clock(app, now + timedelta(hours=2))
            assert drain_outbox() == 0
        finally:
            server.stop()
    subjects = sorted(m["Subject"] for m in server.inbox.messages)
    assert subjects == ["Meddelande 0", "Meddelande 1", "Meddelande 2"]
    assert len(ids) == 3


def test_a_4xx_answer_is_retried_later_and_a_5xx_fails(app, smtp):
    app.config.update(smtp.config())
    with app.app_context():
        set_clock(app, T0)
        smtp.inbox.refuse = ["451 4.3.0 Try again later", "550 5.1.1 No such mailbox"]
        queue_one("Först")
        queue_one("Sedan")
        assert drain_outbox() == 2
        assert statuses() == ["pending", "failed"]
        first = db.session.scalars(sa.select(MailMessage).order_by(MailMessage.id)).first()
        assert "451" in first.last_error
        assert drain_outbox() == 0  # not due yet: backoff
        set_clock(app, T0 + timedelta(minutes=5))
        assert drain_outbox() == 1
        assert statuses() == ["sent", "failed"]
    assert [m["Subject"] for m in smtp.inbox.messages] == ["Först"]


def test_mail_is_given_up_only_after_the_configured_time(app):
    server = SmtpServer()
    app.config.update(server.config(), MAIL_GIVE_UP_AFTER=timedelta(hours=36))
    with app.app_context():
        set_clock(app, T0)
        queue_one()
        drain_outbox()
        set_clock(app, T0 + timedelta(hours=35))
        drain_outbox()
        assert statuses() == ["pending"]
        set_clock(app, T0 + timedelta(hours=37))
        drain_outbox()
        assert statuses() == ["failed"]


def test_the_worker_drains_the_mail_outbox(app, smtp):
    app.config.update(smtp.config())
    with app.app_context():
        set_clock(app, T0)
        queue_one()
    handled, _runs = work_once(app)
    assert handled >= 1
    assert len(smtp.inbox.messages) == 1


def test_a_message_rolled_back_with_its_cause_is_never_sent(app, smtp):
    app.config.update(smtp.config())
    with app.app_context():
        queue_mail("test", ["a@example.se"], "Aldrig", "text")
        db.session.rollback()
        assert drain_outbox() == 0
    assert smtp.inbox.messages == []


def test_two_workers_draining_at_once_send_each_message_once(app, smtp):
    """SKIP LOCKED on PostgreSQL (the single write lock on SQLite): disjoint claims."""
    import threading

    app.config.update(smtp.config())
    with app.app_context():
        set_clock(app, T0)
        for n in range(12):
            queue_one(f"Parallell {n}")

    def worker(name):
        with app.app_context():
            while drain_outbox(by=name, batch=3):
                pass

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    subjects = sorted(m["Subject"] for m in smtp.inbox.messages)
    assert subjects == sorted(f"Parallell {n}" for n in range(12))
    with app.app_context():
        assert statuses() == ["sent"] * 12


def test_mail_test_and_mail_status_commands(app, smtp):
    runner = app.test_cli_runner()
    app.config.update(smtp.config())
    result = runner.invoke(args=["mail-test", "drift@example.se"])
    assert result.exit_code == 0, result.output
    assert "sent to drift@example.se" in result.output
    assert smtp.inbox.messages[0]["Subject"] == "Nattpatrull: testmeddelande"
    down = SmtpServer()  # nothing listening
    app.config.update(down.config())
    failed = runner.invoke(args=["mail-test", "drift@example.se"])
    assert failed.exit_code != 0 and "retries it with backoff" in failed.output
    status = runner.invoke(args=["mail-status"])
    assert "pending: 1" in status.output and "sent: 1" in status.output
    assert "ConnectionRefused" in status.output
