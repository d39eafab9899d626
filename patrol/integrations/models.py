"""API tokens and webhook subscriptions for the owners' own systems (issue 26, points 4-5).

A token is shown once, when it is made, and stored only as the SHA-256 of its text: the text is
`np_` and 43 characters of `secrets.token_urlsafe(32)` (256 random bits), so nobody can search
the hash space back to it, and a plain fast hash lets a request find its token with one indexed
lookup. A slow password hash (scrypt, argon2) protects low-entropy secrets people choose; it
adds nothing here but a cost on every request.

A subscription's secret must be read back at send time to sign each delivery (HMAC), so it is
stored as it is, like PATROL_ALARM_WEBHOOK_SECRET; the page shows it once.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.db import Base, UTCDateTime, utcnow

# What a token may do. Reads see only what the token's owner (organization) may see in the
# owners' portal; work-orders:write marks a work order done.
SCOPES = ("work-orders:read", "work-orders:write", "reports:read", "alarms:read")

# The events a subscription can ask for.
EVENTS = (
    "work_order.created",
    "work_order.completed",
    "report.approved",
    "night.reviewed",
    "alarm.raised",
    "alarm.acknowledged",
)


class IntegrationToken(Base):
    __tablename__ = "integration_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    # None: every owner's records (the operator's own systems).
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"))
    scopes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # SHA-256 (hex) of the whole token text; the text itself is never stored.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The first characters of the token ("np_AbC1"), so an admin can tell tokens apart.
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Written at most once a minute (integrations.tokens.LAST_USE_EVERY); each use is audited.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization = relationship("Organization")
    created_by = relationship("User")

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    url: Mapped[str] = mapped_column(sa.String(500))
    # None: every owner's events.
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"))
    events: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    secret: Mapped[str] = mapped_column(sa.String(100))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization = relationship("Organization")
    created_by = relationship("User")
