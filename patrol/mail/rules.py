"""Queueing and sending email.

`queue_mail` builds the whole message (text and HTML parts, attachments, a Message-ID) and adds
it to the outbox in the caller's transaction. `drain_outbox` is the worker's `mail` drain: it
claims due rows through the server's one outbox (`patrol.outbox`: SKIP LOCKED on PostgreSQL,
a lease, backoff, giving up), then talks SMTP with no lock held. A temporary SMTP failure (the
server unreachable, a 4xx answer) puts the message back with exponential backoff; a permanent
5xx refusal fails it; a message whose next attempt would come after MAIL_GIVE_UP_AFTER is
failed for the operator to see. Retries send the same bytes, so the same Message-ID.
"""

from __future__ import annotations

import contextlib
import email.policy
import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, getaddresses, make_msgid

import sqlalchemy as sa
from flask import current_app, url_for

from patrol.db import db, utcnow
from patrol.mail.models import MailMessage
from patrol.outbox import Drain, Outbox, Policy, lane_name

log = logging.getLogger(__name__)

BATCH = 20


def mail_policy() -> Policy:
    config = current_app.config
    return Policy(
        lease=config["MAIL_CLAIM_LEASE"],
        retry_base_s=config["MAIL_RETRY_BASE_S"],
        retry_max_s=config["MAIL_RETRY_MAX_S"],
        give_up_after=config["MAIL_GIVE_UP_AFTER"],
    )


OUTBOX = Outbox(MailMessage, channel="patrol_mail", policy=mail_policy)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


def public_url(endpoint: str, **values) -> str:
    """An absolute link for an email, on PATROL_PUBLIC_URL (the worker has no request to take
    the host from). Without one, development links point at `flask run`'s address; production
    refuses rather than mail links that lead nowhere."""
    base = current_app.config.get("PUBLIC_URL")
    if not base:
        if current_app.config["ENV"] == "production":
            raise RuntimeError("PATROL_PUBLIC_URL must be set for email links in production")
        base = "http://localhost:5000"
    base = base.rstrip("/")
    with current_app.test_request_context(base_url=base + "/"):
        return url_for(endpoint, _external=True, **values)


def header_text(value: str) -> str:
    """A value that cannot break a header: control characters (CR, LF, tab, NUL...) become one
    space. Names come from admin forms and CSV imports; "Vasa\r\nBcc: x" must stay a name."""
    return " ".join("".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in value).split())


def build_message(
    to: list[str],
    subject: str,
    text: str,
    html: str | None = None,
    attachments: tuple[Attachment, ...] = (),
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    sender = current_app.config["MAIL_FROM"]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(header_text(item) for item in to)
    message["Subject"] = header_text(subject)
    message["Date"] = format_datetime(utcnow())
    domain = getaddresses([sender])[0][1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    # RFC 3834: no vacation auto-replies to a robot.
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (headers or {}).items():
        message[name] = header_text(value)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for item in attachments:
        maintype, _, subtype = item.content_type.partition("/")
        message.add_attachment(
            item.data, maintype=maintype, subtype=subtype, filename=item.filename
        )
    return message


def queue_mail(
    kind: str,
    to: list[str],
    subject: str,
    text: str,
    html: str | None = None,
    attachments: tuple[Attachment, ...] = (),
    headers: dict[str, str] | None = None,
) -> MailMessage:
    """Add one email to the outbox (flushed, not committed: it commits with the caller).

    A message that cannot be built (an address the email library refuses, say) never takes
    the caller's page or job down: it is stored as failed with the reason, which the desk's
    status line and `/review/mail` show with "Försök igen", and `mail-status` lists."""
    if not to:
        raise ValueError("an email needs at least one recipient")
    try:
        message = build_message(to, subject, text, html, attachments, headers)
    except (ValueError, TypeError, IndexError) as error:
        log.warning("mail %s to %s could not be built: %s", kind, to, error)
        row = MailMessage(
            kind=kind,
            sender=str(current_app.config["MAIL_FROM"])[:254],
            recipients=[header_text(item) for item in to],
            subject=header_text(subject)[:300],
            raw=b"",
            created_at=utcnow(),
            next_attempt_at=utcnow(),
            status="failed",
            attempts=0,
            last_error=f"could not be built: {error}"[:2000],
        )
        db.session.add(row)
        db.session.flush()
        return row
    row = MailMessage(
        kind=kind,
        sender=getaddresses([message["From"]])[0][1],
        recipients=list(to),
        subject=header_text(subject)[:300],
        # CRLF line ends, as SMTP wants them (smtplib sends bytes as they are).
        raw=message.as_bytes(policy=email.policy.SMTP),
        created_at=utcnow(),
        next_attempt_at=utcnow(),
        status="pending",
        attempts=0,
    )
    db.session.add(row)
    db.session.flush()
    OUTBOX.wake()
    return row


def address(display_name: str, email: str) -> str:
    """ "Name <addr>" with the name encoded as the headers need."""
    return formataddr((display_name, email)) if display_name else str(Address(addr_spec=email))


# --- sending ---------------------------------------------------------------------------------


class Temporary(Exception):
    """Try again later (server unreachable, 4xx)."""


class Permanent(Exception):
    """The server refused for good (5xx): retrying would only be refused again."""


def smtp_connection() -> smtplib.SMTP:
    config = current_app.config
    try:
        smtp = smtplib.SMTP(
            config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=config["SMTP_TIMEOUT_S"]
        )
        if config["SMTP_STARTTLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
    except (OSError, smtplib.SMTPException) as error:
        # An unreachable server or failed login is the operator's to fix: keep the mail.
        raise Temporary(f"{type(error).__name__}: {error}") from error
    return smtp


def send_with(smtp: smtplib.SMTP, row: MailMessage) -> str | None:
    """Hand one message to the server; returns a note on recipients it refused, if any."""
    try:
        refused = smtp.sendmail(row.sender, row.recipients, row.raw)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        if all(code >= 500 for code in codes):
            raise Permanent(f"recipients refused: {error.recipients}") from error
        raise Temporary(f"recipients refused: {error.recipients}") from error
    except smtplib.SMTPResponseException as error:
        text = f"{error.smtp_code} {error.smtp_error!r}"
        if 500 <= error.smtp_code < 600:
            raise Permanent(text) from error
        raise Temporary(text) from error
    except (OSError, smtplib.SMTPException) as error:
        raise Temporary(f"{type(error).__name__}: {error}") from error
    if refused:
        return f"refused by the server: {refused}"[:2000]
    return None


def drain_outbox(by: str | None = None, batch: int = BATCH) -> int:
    """Claim one batch and send it over one SMTP connection; returns how many were claimed.

    When the server cannot be reached, every claimed message goes back with its backoff (and
    the worker turns to other work); nothing is dropped."""
    by = by or lane_name(DRAIN)
    ids = OUTBOX.claim(by, batch)
    if not ids:
        return 0
    rows = list(
        db.session.scalars(
            sa.select(MailMessage)
            .options(sa.orm.undefer(MailMessage.raw))
            .where(MailMessage.id.in_(ids), MailMessage.claimed_by == by)
            .order_by(MailMessage.id)
        )
    )
    db.session.commit()  # no transaction open while we talk to the mail server
    try:
        smtp = smtp_connection()
    except Temporary as error:
        for row in rows:
            OUTBOX.retry(row, by, str(error))
        db.session.commit()
        return len(ids)
    try:
        for row in rows:
            try:
                note = send_with(smtp, row)
            except Permanent as error:
                log.warning("mail %s refused: %s", row.id, error)
                OUTBOX.fail(row.id, by, str(error))
            except Temporary as error:
                OUTBOX.retry(row, by, str(error))
            else:
                OUTBOX.sent(row.id, by, last_error=note)
            db.session.commit()
    finally:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            smtp.quit()
    return len(ids)


# The worker's `mail` drain (registered by `patrol.mail.init_app`).
DRAIN = Drain(
    name="mail", run=drain_outbox, outbox=OUTBOX, batch=BATCH, failures_page="mail_pages.failed"
)


# --- failures a person acts on ---------------------------------------------------------------

FAILURES_SHOWN = 100


def failed_messages() -> list[MailMessage]:
    """Messages that failed in the last week, newest first (the desk's /review/mail)."""
    since = utcnow() - timedelta(days=7)
    return list(
        db.session.scalars(
            sa.select(MailMessage)
            .where(MailMessage.status == "failed", MailMessage.created_at >= since)
            .order_by(MailMessage.created_at.desc(), MailMessage.id.desc())
            .limit(FAILURES_SHOWN)
        )
    )


def retry_message(message: MailMessage) -> bool:
    """ "Försök igen": a failed message goes back to the outbox, due now, with a fresh count of
    attempts. One that could not be built (no bytes) cannot be sent: False."""
    if message.status != "failed" or not db.session.scalar(
        sa.select(sa.func.length(MailMessage.raw)).where(MailMessage.id == message.id)
    ):
        return False
    message.status = "pending"
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.created_at = utcnow()  # a new give-up deadline counts from the retry
    message.claimed_by = None
    message.claimed_until = None
    OUTBOX.wake()
    return True
