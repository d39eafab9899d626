"""The admin's audit trail: every change made under /admin/ (who, when, what, before -> after)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.db import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    """One change. Append-only: rows are never updated or deleted (the ORM refuses below, and
    on PostgreSQL a trigger refuses any SQL that tries)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # e.g. "create", "update", "deactivate", "rotate_token", "reset_password", "import".
    action: Mapped[str] = mapped_column(sa.String(40))
    # "organization", "area", "property", "checkpoint", "user" (or "import").
    entity: Mapped[str] = mapped_column(sa.String(40), index=True)
    entity_id: Mapped[int | None]
    # What it is called, kept as it was (the row may be renamed later).
    entity_name: Mapped[str] = mapped_column(sa.String(200), default="")
    # {field: [before, after]}; secrets (passwords, tokens) are never written here.
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    actor = relationship("User")


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _audit_is_append_only(_mapper, _connection, target):
    raise RuntimeError(f"audit event {target.id} is append-only")
