"""What an owner may see, and the figures of the month.

Every query here takes the owner's organization id and reads only approved reports
(`review_status == "reviewed"`) of that organization's properties, never an incident. The pages never look a row
up by id without going through these functions, so an id guessed from another owner's portal
is simply not found (404)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext
from sqlalchemy.orm import joinedload

from patrol.db import db
from patrol.labels import LEVEL_ORDER
from patrol.owners.models import WorkOrderPhoto
from patrol.params import iso_month
from patrol.reports.models import LEVELS, ORDINARY_CATEGORIES, Photo, Report
from patrol.review.models import ReportReview, WorkOrder
from patrol.review.queries import ReportRow, effective_category, effective_level, rows_where
from patrol.sites.models import Property

HISTORY_MONTHS = 6

# Who closed a work order, as owners see it when the admin set no name for owners: the role.
ROLE_NAMES_FOR_OWNERS = {"crew": lazy_gettext("The day crew")}
OTHER_ROLE_FOR_OWNERS = lazy_gettext("The supervisors")


def name_for_owners(user) -> str:
    """The name an owner sees for a user (who closed a work order): "Namn som ägare ser" when
    the admin set one on the user's page, else the role ("Dagpersonalen"); never the person's
    own name, which is for the staff (issue 22, point 9)."""
    if user is None:
        return "–"
    if user.owner_visible_name:
        return user.owner_visible_name
    return str(ROLE_NAMES_FOR_OWNERS.get(user.role, OTHER_ROLE_FOR_OWNERS))


def approved_of(organization_id: int | None):
    """SQL condition on Report: approved, at a property of this organization, and not a threat
    or violence incident (`Report.is_incident`: the employer's record, never the owner's).
    Every owner-facing read goes through here: the portal, the mails, the month PDF/CSV."""
    return sa.and_(
        Report.review_status == "reviewed",
        ~Report.is_incident,
        Report.property_id.in_(
            sa.select(Property.id).where(Property.organization_id == organization_id)
        ),
    )


def own_properties(organization_id: int | None) -> list[Property]:
    return list(
        db.session.scalars(
            sa.select(Property)
            .options(joinedload(Property.area))
            .where(Property.organization_id == organization_id)
            .order_by(Property.name)
        )
    )


def own_property(organization_id: int | None, property_id: int) -> Property | None:
    return db.session.scalar(
        sa.select(Property)
        .options(joinedload(Property.area))
        .where(Property.id == property_id, Property.organization_id == organization_id)
    )


def own_report(organization_id: int | None, report_id: uuid.UUID) -> ReportRow | None:
    rows = rows_where(sa.and_(Report.id == report_id, approved_of(organization_id)))
    return rows[0] if rows else None


def own_photo(organization_id: int | None, photo_id: uuid.UUID) -> Photo | None:
    return db.session.scalar(
        sa.select(Photo)
        .join(Report, Report.id == Photo.report_id)
        .where(Photo.id == photo_id, approved_of(organization_id))
    )


def own_work_order(organization_id: int | None, order_id: int) -> WorkOrder | None:
    """A work order of the owner's property made from an approved report."""
    return db.session.scalar(
        sa.select(WorkOrder)
        .join(Report, Report.id == WorkOrder.report_id)
        .where(WorkOrder.id == order_id, approved_of(organization_id))
    )


def work_order_photos(order_ids: list[int]) -> dict[int, WorkOrderPhoto]:
    if not order_ids:
        return {}
    return {
        p.work_order_id: p
        for p in db.session.scalars(
            sa.select(WorkOrderPhoto).where(WorkOrderPhoto.work_order_id.in_(order_ids))
        )
    }


def open_order_counts(organization_id: int | None) -> dict[int, int]:
    """Open work orders per property (from approved reports)."""
    return dict(
        db.session.execute(
            sa.select(WorkOrder.property_id, sa.func.count())
            .join(Report, Report.id == WorkOrder.report_id)
            .where(WorkOrder.status == "open", approved_of(organization_id))
            .group_by(WorkOrder.property_id)
        ).all()
    )


def property_reports(organization_id: int | None, property_id: int, limit: int = 50):
    """The property's latest approved reports, newest night first. The latest `limit` are
    chosen in SQL: years of approved reports at a property cost what 50 do."""
    latest = (
        sa.select(Report.id)
        .where(Report.property_id == property_id, approved_of(organization_id))
        .order_by(Report.night.desc(), Report.occurred_at.desc())
        .limit(limit)
    )
    rows = rows_where(Report.id.in_(latest.scalar_subquery()))
    # Report.night, not the shift's: a safety walk's finding has no shift.
    rows.sort(key=lambda r: (r.report.night, r.report.occurred_at), reverse=True)
    return rows[:limit]


def property_work_orders(organization_id: int | None, property_id: int) -> list[WorkOrder]:
    """Work orders at the property from approved reports: open first, then the latest done."""
    return list(
        db.session.scalars(
            sa.select(WorkOrder)
            .options(joinedload(WorkOrder.done_by), joinedload(WorkOrder.report))
            .join(Report, Report.id == WorkOrder.report_id)
            .where(WorkOrder.property_id == property_id, approved_of(organization_id))
            .order_by(
                sa.case((WorkOrder.status == "open", 0), else_=1),
                WorkOrder.done_at.desc(),
                WorkOrder.created_at.desc(),
            )
            .limit(100)
        )
    )


# --- months ------------------------------------------------------------------------------------


def parse_month(text: str) -> date | None:
    """ "2026-11" -> 2026-11-01; None for anything else, a month outside 2000-2099 included
    (the page counts back its history months from it: 0001-01 would fall below year 1)."""
    return iso_month(text)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_end(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


@dataclass
class MonthCounts:
    levels: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    categories: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(ORDINARY_CATEGORIES, 0)
    )

    @property
    def total(self) -> int:
        return sum(self.levels.values())


@dataclass
class PropertyHistory:
    property: Property
    # Oldest month first; the chosen month last.
    months: dict[date, MonthCounts]

    @property
    def categories_seen(self) -> list[str]:
        return [
            c for c in ORDINARY_CATEGORIES if any(m.categories[c] for m in self.months.values())
        ]

    @property
    def has_reports(self) -> bool:
        """Any approved report in these months: the month page and PDF give such a property
        its own chart and table, and name the quiet ones on one line."""
        return any(m.total for m in self.months.values())


def month_history(
    organization_id: int | None,
    month: date,
    months: int = HISTORY_MONTHS,
    property_id: int | None = None,
) -> list[PropertyHistory]:
    """Approved reports per property, per month (by the report's night: a safety walk's
    finding has no shift), per category and level,
    for `month` and the months before it: one grouped statement. With `property_id`, that
    property's alone (the property page: not every property's year to keep one)."""
    first = add_months(month, -(months - 1))
    properties = own_properties(organization_id)
    if property_id is not None:
        properties = [p for p in properties if p.id == property_id]
    history = {
        p.id: PropertyHistory(p, {add_months(first, n): MonthCounts() for n in range(months)})
        for p in properties
    }
    query = sa.select(Report.property_id, Report.night)
    if property_id is None:
        category, level = effective_category, effective_level
        query = query.outerjoin(ReportReview, ReportReview.report_id == Report.id)
    else:
        # One property's year: a few hundred reports, whose corrections are looked up by
        # key. Joined, PostgreSQL hashed every review ever made (3 ms after three years,
        # growing); for every property's months the join is the faster way.
        category, level = (
            sa.func.coalesce(
                sa.select(corrected).where(ReportReview.report_id == Report.id).scalar_subquery(),
                original,
            )
            for corrected, original in (
                (ReportReview.category, Report.category),
                (ReportReview.level, Report.level),
            )
        )
    category, level = category.label("category"), level.label("level")
    rows = db.session.execute(
        query.add_columns(category, level, sa.func.count())
        .where(
            approved_of(organization_id),
            Report.night.between(first, month_end(month)),
            Report.property_id.in_([p.id for p in properties]),
        )
        .group_by(Report.property_id, Report.night, category, level)
    )
    for property_id, night, category, level, n in rows:
        counts = history[property_id].months[night.replace(day=1)]
        counts.levels[level] += n
        counts.categories[category] += n
    return list(history.values())


def month_rows(organization_id: int | None, month: date) -> list[ReportRow]:
    """The approved reports of a month, by property then time (PDF and CSV)."""
    rows = rows_where(
        sa.and_(
            approved_of(organization_id),
            Report.night.between(month, month_end(month)),
        )
    )
    rows.sort(key=lambda r: (r.report.property.name, r.report.occurred_at))
    return rows


# --- the chart ---------------------------------------------------------------------------------

CHART_W, CHART_H, CHART_PAD = 320, 140, 22


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    level: str
    count: int
    month: date


def chart_bars(history: PropertyHistory) -> tuple[list[Bar], int]:
    """Stacked bars (acute at the bottom) per month for the inline SVG; returns (bars, max)."""
    months = list(history.months)
    peak = max([m.total for m in history.months.values()] + [1])
    slot = (CHART_W - CHART_PAD) / len(months)
    scale = (CHART_H - CHART_PAD) / peak
    bars: list[Bar] = []
    for index, month in enumerate(months):
        counts = history.months[month]
        base = CHART_H - CHART_PAD
        for level in sorted(LEVELS, key=LEVEL_ORDER.get):
            n = counts.levels[level]
            if not n:
                continue
            height = n * scale
            base -= height
            bars.append(
                Bar(
                    CHART_PAD + index * slot + slot * 0.15,
                    base,
                    slot * 0.7,
                    height,
                    level,
                    n,
                    month,
                )
            )
    return bars, peak
