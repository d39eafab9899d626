"""Mail that fails is seen (issue 21, point 3): header values from names cannot break a
message, an address the email library refuses never takes a page down, failed mail shows on the
desk with its reason and "Försök igen", and forms refuse addresses email-validator refuses."""

from __future__ import annotations

import email
import email.policy

import pytest
import sqlalchemy as sa

from patrol.admin.schemas import AreaIn
from patrol.db import db
from patrol.fields import email_address
from patrol.mail.models import MailMessage
from patrol.mail.rules import queue_mail


def test_control_characters_in_names_never_make_a_header(app):
    with app.app_context():
        row = queue_mail(
            "owner_news",
            ["Vasa\r\nBcc: thief@example.se <ops@example.se>"],
            "Natten\r\nX-Evil: 1 – Fastigheten\tVasa",
            "text",
        )
        db.session.commit()
        parsed = email.message_from_bytes(
            db.session.get(MailMessage, row.id).raw, policy=email.policy.default
        )
    assert parsed["Subject"] == "Natten X-Evil: 1 – Fastigheten Vasa"
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert len(parsed.get_all("To")) == 1


def test_a_message_that_cannot_be_built_is_stored_failed_not_raised(app):
    with app.app_context():
        row = queue_mail("owner_news", ["a@"], "Natten", "text")
        db.session.commit()
        stored = db.session.get(MailMessage, row.id)
        assert stored.status == "failed"
        assert stored.last_error.startswith("could not be built")


def test_failed_mail_shows_on_the_desk_and_can_be_tried_again(seeded, boss):
    with seeded.app_context():
        sent_later = queue_mail("day_crew", ["crew@example.se"], "Arbetsordrar", "text")
        db.session.flush()
        sent_later.status = "failed"
        sent_later.last_error = "550 mailbox unavailable"
        unbuildable = queue_mail("owner_news", ["a@"], "Natten", "text")
        db.session.commit()
        ids = (sent_later.id, unbuildable.id)
    page = boss.get("/review/").get_data(as_text=True)
    assert "2 mejl kunde inte skickas det senaste dygnet." in page
    assert 'href="/review/mail"' in page
    listing = boss.get("/review/mail").get_data(as_text=True)
    assert "550 mailbox unavailable" in listing and "could not be built" in listing
    assert "Försök igen" in listing

    again = boss.post(f"/review/mail/{ids[0]}/retry", data={"csrf_token": boss.csrf})
    assert again.status_code == 302
    refused = boss.post(
        f"/review/mail/{ids[1]}/retry", data={"csrf_token": boss.csrf}, follow_redirects=True
    )
    assert "går inte att skicka igen" in refused.get_data(as_text=True)
    with seeded.app_context():
        statuses = dict(db.session.execute(sa.select(MailMessage.id, MailMessage.status)).all())
    assert statuses[ids[0]] == "pending" and statuses[ids[1]] == "failed"
    assert boss.post(f"/review/mail/{ids[0]}/retry").status_code == 403  # no CSRF token


@pytest.mark.parametrize(
    "bad", ["anna@", "anna@example", "anna@exa mple.se", "a@b.se\r\nBcc: x@y.se"]
)
def test_forms_refuse_addresses_email_validator_refuses(bad):
    with pytest.raises(ValueError):
        email_address(bad)
    errors = AreaIn().validate({"name": "Vasa", "city": "Malmö", "day_crew_emails": [bad]})
    assert "day_crew_emails" in str(errors)
    assert email_address("Anna.Admin@Example.se") == "Anna.Admin@example.se"
