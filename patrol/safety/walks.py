"""Safety walks (issue 14): a checklist walked on a date in an area, the findings reported on
it, what the guard app caches, and the walk's summary for the page and the PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import joinedload

from patrol.db import db
from patrol.errors import field_error
from patrol.nights import today as stockholm_today
from patrol.reports.models import Report
from patrol.safety.models import (
    SafetyWalk,
    WalkCheck,
)

# --- safety walks -----------------------------------------------------------------------------

MAX_CHECKLIST_ITEMS = 60
MAX_ITEM_LENGTH = 200


def walk_for_report(walk_id: int, item: int | None, prop) -> SafetyWalk:
    """The walk a finding is reported on (PUT /api/v1/reports with walk_id): 422 for an
    unknown walk, an item not on its checklist, or a property outside the walk's area."""
    walk = db.session.get(SafetyWalk, walk_id)
    if walk is None:
        raise field_error("walk_id", gettext("Unknown safety walk."))
    if item is not None and item >= len(walk.items):
        raise field_error("walk_item", gettext("The walk's checklist has no such item."))
    if prop.area_id != walk.area_id:
        raise field_error("property_id", gettext("The property is not in the walk's area."))
    return walk


def read_checklist_items(text: str) -> list[str]:
    """One item per line; blank lines dropped, duplicates kept once, in order."""
    items = [line.strip() for line in (text or "").splitlines()]
    return list(dict.fromkeys(item for item in items if item))


def walks_for_guards() -> list[SafetyWalk]:
    """What the guard app caches: walks from yesterday to a week ahead (Stockholm dates)."""
    today = stockholm_today()
    return list(
        db.session.scalars(
            sa.select(SafetyWalk)
            .options(joinedload(SafetyWalk.area))
            .where(
                SafetyWalk.walk_date.between(today - timedelta(days=1), today + timedelta(days=7))
            )
            .order_by(SafetyWalk.walk_date, SafetyWalk.id)
        )
    )


@dataclass
class ItemResult:
    """One checklist item on a walk: found in order, shortcomings reported, or not checked."""

    index: int
    text: str
    checks: list[WalkCheck]
    findings: list  # review ReportRows

    @property
    def status(self) -> str:
        if self.findings:
            return "shortcoming"
        return "ok" if self.checks else "unchecked"


@dataclass
class WalkSummary:
    walk: SafetyWalk
    items: list[ItemResult]
    free_findings: list  # review ReportRows

    @property
    def findings(self) -> list:
        return [row for item in self.items for row in item.findings] + self.free_findings

    @property
    def work_orders(self) -> list:
        return [row.work_order for row in self.findings if row.work_order is not None]

    @property
    def fixed(self) -> int:
        return sum(1 for order in self.work_orders if order.status == "done")


def walk_summary(walk: SafetyWalk) -> WalkSummary:
    """The walk item by item with its findings (reports with reviews, work orders, photos)."""
    from patrol.review.queries import rows_where

    rows = rows_where(Report.walk_id == walk.id)
    checks = list(
        db.session.scalars(
            sa.select(WalkCheck).where(WalkCheck.walk_id == walk.id).order_by(WalkCheck.occurred_at)
        )
    )
    items = [
        ItemResult(
            index=i,
            text=text,
            checks=[c for c in checks if c.item == i],
            findings=[r for r in rows if r.report.walk_item == i],
        )
        for i, text in enumerate(walk.items)
    ]
    free = [r for r in rows if r.report.walk_item is None]
    return WalkSummary(walk=walk, items=items, free_findings=free)


def walks_of_night(night: date) -> list[tuple[SafetyWalk, int]]:
    """Natten: the walks on that date, with how many findings each has."""
    findings = (
        sa.select(sa.func.count())
        .where(Report.walk_id == SafetyWalk.id)
        .correlate(SafetyWalk)
        .scalar_subquery()
    )
    return [
        (walk, int(count or 0))
        for walk, count in db.session.execute(
            sa.select(SafetyWalk, findings)
            .options(joinedload(SafetyWalk.area))
            .where(SafetyWalk.walk_date == night)
            .order_by(SafetyWalk.id)
        )
    ]
