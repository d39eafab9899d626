"""The mail outbox: every email the app sends waits here until the worker hands it to SMTP."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from patrol.db import Base, enum_column
from patrol.outbox import OutboxColumns

MAIL_STATUSES = ("pending", "sending", "sent", "failed")


class MailMessage(OutboxColumns, Base):
    """One email, stored whole (RFC 5322 bytes with its Message-ID) when it is queued.

    Queued in the same transaction as the change that causes it, so a rolled-back action
    sends nothing and a committed one cannot lose its mail. The worker claims rows (SKIP
    LOCKED on PostgreSQL), sends them, and on an SMTP error puts them back with a later
    `next_attempt_at`: a retry sends the very same bytes, so the same Message-ID."""

    __tablename__ = "mail_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the mail is (owner_news, day_crew, ...), for the operator.
    kind: Mapped[str] = mapped_column(sa.String(40))
    sender: Mapped[str] = mapped_column(sa.String(254))
    recipients: Mapped[list[str]] = mapped_column(sa.JSON)
    subject: Mapped[str] = mapped_column(sa.String(300))
    raw: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    status: Mapped[str] = mapped_column(
        enum_column(*MAIL_STATUSES, name="mail_status"), default="pending"
    )
    # attempts, created_at, next_attempt_at, claimed_by/_until, sent_at, last_error: the
    # server outbox's columns (`patrol.outbox.OutboxColumns`).

    __table_args__ = (sa.Index("ix_mail_messages_due", "status", "next_attempt_at"),)
