"""Push notifications: subscriptions, the outbox of messages, extra rounds and SOS alerts."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.db import Base, UTCDateTime, enum_column, utcnow
from patrol.outbox import OutboxColumns

# round_unreported: a planned round whose window closed with nothing reported (rounds package).
# drill: an alarm drill for one guard (patrol.drills).
# A timer that ran out and a silence are alarms of their own kind (patrol.alarms): the
# notification says which, and the service worker rings for them as for an SOS.
MESSAGE_KINDS = (
    "acute",
    "sos",
    "sos_ack",
    "dispatch",
    "test",
    "round_unreported",
    "drill",
    "timer",
    "silence",
)
# pending: waiting to be sent (or re-sent after next_attempt_at); sending: claimed by a worker
# until claimed_until; sent: the push service accepted it; gone: the subscription expired
# (404/410) and was removed; failed: refused for good, out of attempts, or past its TTL.
MESSAGE_STATUSES = ("pending", "sending", "sent", "gone", "failed")
URGENCIES = ("very-low", "low", "normal", "high")
RESPONSE_ACTIONS = ("acknowledged", "completed")


class PushSubscription(Base):
    """One browser's push subscription (`PushSubscription.toJSON()`), one per user and device.

    The endpoint is unique: a device that changes hands (another user logs in) moves its
    subscription to the new user instead of notifying both.
    """

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(sa.String(1024), unique=True)
    # The browser's keys (base64url): its P-256 public key and the 16-byte auth secret.
    p256dh: Mapped[str] = mapped_column(sa.String(128))
    auth: Mapped[str] = mapped_column(sa.String(64))
    # The language the user had when subscribing: notifications are written in it.
    locale: Mapped[str] = mapped_column(sa.String(8), default="sv")
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")

    def info(self) -> dict:
        """What pywebpush takes as `subscription_info`."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class PushMessage(OutboxColumns, Base):
    """One notification for one subscription: the outbox of the worker's `push` drain.

    Written in the same transaction as the event that causes it (a report, an SOS, a
    dispatch), so that a message exists if and only if its event committed; sent after commit.
    Claimed, leased, retried and given up by the server's one outbox (`patrol.outbox`).
    """

    __tablename__ = "push_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("push_subscriptions.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(enum_column(*MESSAGE_KINDS, name="push_kind"))
    # The JSON the service worker receives: type, title, body, url, tag, id.
    payload: Mapped[dict] = mapped_column(sa.JSON)
    ttl_s: Mapped[int]
    urgency: Mapped[str] = mapped_column(enum_column(*URGENCIES, name="push_urgency"))
    status: Mapped[str] = mapped_column(
        enum_column(*MESSAGE_STATUSES, name="push_status"), default="pending"
    )
    # The outbox's columns (`OutboxColumns`), two with the lengths this table was made with.
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    # The push service's last HTTP status.
    last_status: Mapped[int | None]

    subscription = relationship("PushSubscription")

    __table_args__ = (sa.Index("ix_push_messages_queue", "status", "next_attempt_at"),)


class Dispatch(Base):
    """An extra round: a supervisor sends guards to a property with a message."""

    __tablename__ = "dispatches"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    property_id: Mapped[int] = mapped_column(sa.ForeignKey("properties.id"), index=True)
    message: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The guards sent, as sorted user ids (fixed at creation: who was on shift then).
    guard_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)

    created_by = relationship("User")
    property = relationship("Property")
    responses: Mapped[list[DispatchResponse]] = relationship(
        back_populates="dispatch", order_by="DispatchResponse.occurred_at"
    )


class DispatchResponse(Base):
    """A guard's acknowledgement or completion of an extra round, synced like any record
    (the phone's UUID, idempotent PUT)."""

    __tablename__ = "dispatch_responses"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    dispatch_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("dispatches.id"), index=True)
    guard_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(enum_column(*RESPONSE_ACTIONS, name="dispatch_action"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(sa.Text)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    accuracy_m: Mapped[float | None]

    dispatch: Mapped[Dispatch] = relationship(back_populates="responses")
    guard = relationship("User")

    __table_args__ = (
        # One acknowledgement and one completion per guard and dispatch.
        sa.UniqueConstraint("dispatch_id", "guard_id", "action", name="uq_dispatch_response"),
    )


# What raised an alarm: the guard's SOS button, a "Jag är OK" timer that ran out, or the
# server hearing nothing from an open shift (alone at night, patrol.alarms).
ALARM_KINDS = ("sos", "timer", "silence")
# The alarms the database allows once per shift at a time (the partial unique index below).
OPEN_SILENCE = sa.text("kind = 'silence' AND ended_at IS NULL")


class SosAlert(Base):
    """A guard's call for help, or an alarm the server raised for a guard (a timer that ran out,
    silence). Open until a supervisor (or admin) acknowledges it; a silence alarm also ends by
    itself when the phone is heard again (ended_at), and stays on the record."""

    __tablename__ = "sos_alerts"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    guard_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # The phone's shift id, kept without a foreign key: an SOS jumps the outbox queue, so it
    # can arrive before its shift does, and it must never be refused for that.
    # Both indexed: a night's or a shift's alerts (by shift, or by time when the shift is
    # unknown) are found without reading every alert of every year.
    shift_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    accuracy_m: Mapped[float | None]
    note: Mapped[str | None] = mapped_column(sa.Text)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The rest of the lifecycle (patrol.alarms): the kind (ALARM_KINDS), when a silence alarm
    # ended by itself (the phone heard again), when a late "Jag är OK" came, when the chain
    # escalated to every supervisor, and when the alarm receiver's webhook was queued.
    kind: Mapped[str] = mapped_column(sa.String(16), default="sos", server_default="sos")
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    receiver_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    guard = relationship("User", foreign_keys=[guard_id])
    acknowledged_by = relationship("User", foreign_keys=[acknowledged_by_id])

    __table_args__ = (
        # One silence, one alarm: at most one silence alarm per shift that has not ended
        # (patrol.alarms.actions.check_silence; two passes racing cannot raise a second).
        sa.Index(
            "uq_sos_alerts_open_silence",
            "shift_id",
            unique=True,
            postgresql_where=OPEN_SILENCE,
            sqlite_where=OPEN_SILENCE,
        ),
    )

    @property
    def is_open(self) -> bool:
        """Still waiting for someone: not acknowledged, and not a silence that ended by itself
        (the board, Natten's count and the PDF's mark all ask this, as the board's query
        does in SQL)."""
        return self.acknowledged_at is None and self.ended_at is None
