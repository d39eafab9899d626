"""The audit trail: who changed what, when, before -> after.

Shared (not in patrol/admin) so that any feature can write an event in the same transaction as
its change: admin's pages, and the features above it (rounds, safety) that change records a
supervisor must be able to trace. It imports no feature: the actor is the logged-in user (or
none for a command), and the caller names the entity.
"""

from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.db import Base, UTCDateTime, db, utcnow


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


def labelled(name: str | None, row_id: int | None) -> str | None:
    """A row named beside its id, "MKB Fastighets AB (#3)": the name is what a reader
    recognises, the id stays true when the row is renamed later."""
    if row_id is None:
        return None
    return f"{name} (#{row_id})" if name else f"#{row_id}"


def plain(value):
    """A value as the event's JSON keeps it: times and dates as ISO text, sets and tuples as
    sorted or ordered lists; everything else as it is."""
    if isinstance(value, datetime | date | time):
        return value.isoformat(timespec="minutes") if isinstance(value, time) else value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def created(values: dict) -> dict:
    """The changes of a new row: every value it was stored with, each as [None, value] (values
    set by default included: an event must say what the row was, not only what the form
    sent)."""
    return {name: [None, plain(value)] for name, value in values.items()}


def compared(before: dict, after: dict) -> dict:
    """{field: [before, after]} for every field of `after`: all values are kept, those that
    did not change too (the page shows them without an arrow)."""
    return {name: [plain(before.get(name)), plain(value)] for name, value in after.items()}


def write_audit(
    action: str,
    entity: str,
    entity_id: int | None = None,
    entity_name: str = "",
    changes: dict | None = None,
) -> AuditEvent:
    """Add one audit event to the current transaction (the caller commits it together with
    the change it describes, so there is never a change without its event or the reverse)."""
    audit_event = AuditEvent(
        actor_id=current_user.id if current_user and current_user.is_authenticated else None,
        action=action,
        entity=entity,
        entity_id=entity_id,
        entity_name=entity_name[:200],
        changes=changes or {},
    )
    db.session.add(audit_event)
    return audit_event
