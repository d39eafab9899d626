"""The webhook outbox: every signed POST the server makes waits here until the worker sends it."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from patrol.db import Base, enum_column
from patrol.outbox import OutboxColumns

DELIVERY_STATUSES = ("pending", "sending", "sent", "failed")


class WebhookDelivery(OutboxColumns, Base):
    """One delivery of one event to one receiver, written in the transaction of the event.

    The body is kept as the exact bytes sent, so that every retry sends the same body (each
    attempt signs it again with a new time). `target` says whose receiver it is, and so where
    the worker finds the secret when it signs: "alarm" (the alarm receiver of the settings) or
    "subscription:<id>" (an integration's subscription). The secret itself is never stored
    here: a rotated secret applies to deliveries still waiting."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(sa.String(60), index=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    # e.g. alarm.escalated, work_order.created
    event: Mapped[str] = mapped_column(sa.String(60))
    body: Mapped[bytes] = mapped_column(sa.LargeBinary)
    status: Mapped[str] = mapped_column(
        enum_column(*DELIVERY_STATUSES, name="webhook_delivery_status"), default="pending"
    )
    # The receiver's last answer (None: no answer, e.g. the connection failed).
    response_status: Mapped[int | None] = mapped_column()
    # attempts, created_at, next_attempt_at, claimed_by/_until, sent_at, last_error: the
    # server outbox's columns (`patrol.outbox.OutboxColumns`).

    __table_args__ = (sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)

    @property
    def subscription_id(self) -> int | None:
        kind, _, rest = self.target.partition(":")
        return int(rest) if kind == "subscription" and rest.isdigit() else None
