"""The owners' morning news (one row per night and owner user: never sent twice), the acute
notices (one per report and owner user) and the day
crew's photo of a finished repair."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.db import Base, UTCDateTime, enum_column, utcnow

NEWS_TRIGGERS = ("reviewed", "deadline")
NEWS_KINDS = ("news", "nothing", "skipped")


class OwnerNews(Base):
    """The morning email of one night to one owner user, per version of the night's record.

    The unique (night, user, version) row is the lock that keeps an owner from getting two
    emails for a version: "Natten granskad" and the 10:00 deadline job both try to insert
    version 1, and only the first one queues mail; marking the night again (version N+1)
    sends an addendum once. Which reports each email told of is in `OwnerNewsItem`, so an
    addendum or the next morning's "Tidigare nätter" lists only what the owner has not had.
    `kind` "skipped" records a decision not to write (nothing new approved, and the owner did
    not ask for "Inget att rapportera")."""

    __tablename__ = "owner_news"

    id: Mapped[int] = mapped_column(primary_key=True)
    night: Mapped[date]
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"))
    trigger: Mapped[str] = mapped_column(enum_column(*NEWS_TRIGGERS, name="owner_news_trigger"))
    kind: Mapped[str] = mapped_column(enum_column(*NEWS_KINDS, name="owner_news_kind"))
    approved: Mapped[int] = mapped_column(default=0)
    awaiting_review: Mapped[int] = mapped_column(default=0)
    mail_id: Mapped[int | None] = mapped_column(sa.ForeignKey("mail_messages.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("night", "user_id", "version", name="uq_owner_news_night_user_version"),
    )


class OwnerNewsItem(Base):
    """A report one owner email told of: what the owner has already heard about."""

    __tablename__ = "owner_news_items"

    owner_news_id: Mapped[int] = mapped_column(
        sa.ForeignKey("owner_news.id", ondelete="CASCADE"), primary_key=True
    )
    report_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("reports.id"), primary_key=True, index=True
    )


class WorkOrderPhoto(Base):
    """The photo the day crew took of a finished repair (one per work order)."""

    __tablename__ = "work_order_photos"

    work_order_id: Mapped[int] = mapped_column(sa.ForeignKey("work_orders.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, unique=True, default=uuid.uuid4)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    content_type: Mapped[str] = mapped_column(sa.String(32))
    storage_key: Mapped[str] = mapped_column(sa.String(200))
    thumbnail_key: Mapped[str] = mapped_column(sa.String(200))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    work_order = relationship("WorkOrder")


class AcuteNotice(Base):
    """The "acute event approved" email of one report to one owner user: the primary key is
    what makes it once per report, so approving the report again (a new comment, a second
    supervisor at the same moment) sends nothing. `mail_id` is the queued message."""

    __tablename__ = "acute_notices"

    report_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("reports.id"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    mail_id: Mapped[int | None] = mapped_column(sa.ForeignKey("mail_messages.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
