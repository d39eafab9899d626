"""Admin pages: the audit trail, newest first, a page at a time."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    render_template,
)
from sqlalchemy.orm import selectinload

from patrol.admin.pages import bp, int_arg
from patrol.audit import AuditEvent
from patrol.db import db

AUDIT_PAGE_SIZE = 100


# --- audit -----------------------------------------------------------------------------------


@bp.get("/audit")
def audit():
    page = int_arg("page") or 1
    events = db.session.scalars(
        sa.select(AuditEvent)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .offset((page - 1) * AUDIT_PAGE_SIZE)
        .limit(AUDIT_PAGE_SIZE + 1)
    ).all()
    return render_template(
        "admin/audit.html",
        events=events[:AUDIT_PAGE_SIZE],
        page=page,
        more=len(events) > AUDIT_PAGE_SIZE,
    )
