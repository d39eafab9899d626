"""What the review pages read, in a fixed number of SQL statements however big the night.

A night can hold thousands of reports and check-ins. Every function here aggregates in the
database or loads a whole collection in one statement (never one query per shift or report),
so the number of statements does not grow with the night; `tests/test_review_queries.py`
holds us to that.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from patrol.db import db
from patrol.labels import LEVEL_ORDER
from patrol.nights import night_window, tonight
from patrol.push.models import SosAlert
from patrol.reports.models import Photo, Report
from patrol.review.forms import ReportFilters
from patrol.review.models import ReportReview, ReviewEvent, WorkOrder
from patrol.rounds.models import RoundSkip
from patrol.shifts.models import CHECKIN_FLAGS, CheckIn, Shift
from patrol.sites.models import Area, Checkpoint, Property

# The supervisor's correction wins where there is one; the guard's original stays in Report.
effective_category = sa.func.coalesce(ReportReview.category, Report.category)
effective_level = sa.func.coalesce(ReportReview.level, Report.level)


EMPTY_SHIFT_SECONDS = 60


def has_flag(column, flag: str):
    """SQL: does this JSON list column contain the flag? (portable: SQLite and PostgreSQL)."""
    return sa.cast(column, sa.Text).like(f'%"{flag}"%')


def count_if(condition):
    return sa.func.sum(sa.case((condition, 1), else_=0))


@dataclass
class ReportRow:
    """A report with its review and work order, as the pages show it."""

    report: Report
    review: ReportReview | None = None
    work_order: WorkOrder | None = None

    @property
    def category(self) -> str:
        return (self.review and self.review.category) or self.report.category

    @property
    def level(self) -> str:
        return (self.review and self.review.level) or self.report.level

    @property
    def corrected(self) -> bool:
        return bool(self.review and (self.review.category or self.review.level))


@dataclass
class ShiftSummary:
    shift: Shift
    checkins: int = 0
    checkin_flags: dict[str, int] = field(default_factory=dict)
    reports_by_level: dict[str, int] = field(default_factory=dict)
    report_flags: dict[str, int] = field(default_factory=dict)
    unreviewed: int = 0
    photos_expected: int = 0
    photos_arrived: int = 0
    sos: list[SosAlert] = field(default_factory=list)

    @property
    def reports(self) -> int:
        return sum(self.reports_by_level.values())

    @property
    def photos_missing(self) -> int:
        return max(self.photos_expected - self.photos_arrived, 0)

    @property
    def is_empty(self) -> bool:
        """Started and ended within a minute with nothing recorded (a mistaken tap on
        "Starta pass"): Natten folds these away instead of showing a card each."""
        shift = self.shift
        return (
            shift.ended_at is not None
            and (shift.ended_at - shift.started_at).total_seconds() <= EMPTY_SHIFT_SECONDS
            and self.checkins == 0
            and self.reports == 0
            and not self.sos
            and not shift.note
        )

    @property
    def flags(self) -> dict[str, int]:
        merged = defaultdict(int)
        for flag in self.shift.flags or ():  # the shift record itself (e.g. clock skew)
            merged[flag] += 1
        for source in (self.checkin_flags, self.report_flags):
            for flag, n in source.items():
                merged[flag] += n
        return {flag: merged[flag] for flag in CHECKIN_FLAGS if merged.get(flag)}


@dataclass
class NightOverview:
    night: date
    shifts: list[ShiftSummary]
    acute: list[ReportRow]
    acute_total: int
    sos: list[SosAlert] = field(default_factory=list)  # pressed order, open and acknowledged

    @property
    def open_sos(self) -> int:
        return sum(1 for alert in self.sos if alert.is_open)

    @property
    def totals(self) -> ShiftSummary:
        total = ShiftSummary(shift=None)  # type: ignore[arg-type]
        for s in self.shifts:
            total.checkins += s.checkins
            total.unreviewed += s.unreviewed
            total.photos_expected += s.photos_expected
            total.photos_arrived += s.photos_arrived
            for level, n in s.reports_by_level.items():
                total.reports_by_level[level] = total.reports_by_level.get(level, 0) + n
        return total


ACUTE_SHOWN = 50


def night_overview(night: date) -> NightOverview:
    """Natten: every shift of the night with its counts, and the acute reports first."""
    shifts = db.session.scalars(
        sa.select(Shift)
        .options(joinedload(Shift.guard))
        .where(Shift.night == night)
        .order_by(Shift.started_at)
    ).all()
    summaries = {s.id: ShiftSummary(shift=s) for s in shifts}
    night_shift_ids = sa.select(Shift.id).where(Shift.night == night)

    checkin_rows = db.session.execute(
        sa.select(
            CheckIn.shift_id,
            sa.func.count(),
            *(count_if(has_flag(CheckIn.flags, f)) for f in CHECKIN_FLAGS),
        )
        .where(CheckIn.shift_id.in_(night_shift_ids))
        .group_by(CheckIn.shift_id)
    )
    for shift_id, n, *flag_counts in checkin_rows:
        summary = summaries[shift_id]
        summary.checkins = n
        summary.checkin_flags = {
            f: int(c or 0) for f, c in zip(CHECKIN_FLAGS, flag_counts, strict=True) if c
        }

    report_rows = db.session.execute(
        sa.select(
            Report.shift_id,
            effective_level,
            sa.func.count(),
            count_if(Report.review_status == "new"),
            sa.func.sum(sa.func.json_array_length(Report.photo_ids)),
            *(count_if(has_flag(Report.flags, f)) for f in CHECKIN_FLAGS),
        )
        .outerjoin(ReportReview, ReportReview.report_id == Report.id)
        .where(Report.shift_id.in_(night_shift_ids))
        .group_by(Report.shift_id, effective_level)
    )
    for shift_id, level, n, unreviewed, expected, *flag_counts in report_rows:
        summary = summaries[shift_id]
        summary.reports_by_level[level] = n
        summary.unreviewed += int(unreviewed or 0)
        summary.photos_expected += int(expected or 0)
        for f, c in zip(CHECKIN_FLAGS, flag_counts, strict=True):
            if c:
                summary.report_flags[f] = summary.report_flags.get(f, 0) + int(c)

    arrived = db.session.execute(
        sa.select(Report.shift_id, sa.func.count(Photo.id))
        .join(Photo, Photo.report_id == Report.id)
        .where(Report.shift_id.in_(night_shift_ids))
        .group_by(Report.shift_id)
    )
    for shift_id, n in arrived:
        summaries[shift_id].photos_arrived = n

    acute_query = (
        sa.select(Report, ReportReview)
        .outerjoin(ReportReview, ReportReview.report_id == Report.id)
        .where(Report.shift_id.in_(night_shift_ids), effective_level == "acute")
    )
    acute_total = db.session.scalar(sa.select(sa.func.count()).select_from(acute_query.subquery()))
    acute = [
        ReportRow(report, review)
        for report, review in db.session.execute(
            acute_query.options(joinedload(Report.property), joinedload(Report.checkpoint))
            .order_by(Report.occurred_at)
            .limit(ACUTE_SHOWN)
        )
    ]
    sos = night_sos(night, night)
    for alert in sos:
        if alert.shift_id in summaries:
            summaries[alert.shift_id].sos.append(alert)
    ordered = sorted(
        summaries.values(),
        key=lambda s: (-len(s.sos), -s.reports_by_level.get("acute", 0), s.shift.started_at),
    )
    return NightOverview(
        night=night, shifts=ordered, acute=acute, acute_total=acute_total or 0, sos=sos
    )


@dataclass
class TimelineEntry:
    kind: str  # "checkin", "skip", "report" or "sos"
    at: object
    item: object


@dataclass
class ShiftLog:
    shift: Shift
    checkins: list[CheckIn]
    reports: list[ReportRow]
    sos: list[SosAlert] = field(default_factory=list)
    skips: list[RoundSkip] = field(default_factory=list)

    @property
    def timeline(self) -> list[TimelineEntry]:
        """Everything of the shift at the phone's time, in the order it happened (stored
        instants, not wall-clock text: on the autumn night 02:10 CEST comes before 02:05 CET):
        an SOS where the guard pressed it, a skipped checkpoint where the guard skipped it."""
        entries = [TimelineEntry("checkin", c.occurred_at, c) for c in self.checkins]
        entries += [TimelineEntry("skip", s.occurred_at, s) for s in self.skips]
        entries += [TimelineEntry("report", r.report.occurred_at, r) for r in self.reports]
        entries += [TimelineEntry("sos", a.occurred_at, a) for a in self.sos]
        return sorted(entries, key=lambda e: (e.at, e.kind))


def load_report_rows(reports: list[Report]) -> list[ReportRow]:
    """Reviews, work orders and photos for these reports: three statements in all.

    Photos are set on each report's `photos` collection so that `missing_photo_ids` does not
    lazy-load one query per report."""
    ids = [r.id for r in reports]
    if not ids:
        return []
    reviews = {
        r.report_id: r
        for r in db.session.scalars(sa.select(ReportReview).where(ReportReview.report_id.in_(ids)))
    }
    orders = {
        w.report_id: w
        for w in db.session.scalars(sa.select(WorkOrder).where(WorkOrder.report_id.in_(ids)))
    }
    photos: dict[uuid.UUID, list[Photo]] = defaultdict(list)
    for photo in db.session.scalars(
        sa.select(Photo).where(Photo.report_id.in_(ids)).order_by(Photo.received_at)
    ):
        photos[photo.report_id].append(photo)
    for report in reports:
        set_committed_value(report, "photos", photos.get(report.id, []))
    return [ReportRow(r, reviews.get(r.id), orders.get(r.id)) for r in reports]


def reports_where(condition) -> list[Report]:
    return list(
        db.session.scalars(
            sa.select(Report)
            .options(
                joinedload(Report.property).joinedload(Property.area),
                joinedload(Report.checkpoint),
                joinedload(Report.shift).joinedload(Shift.guard),
                joinedload(Report.author),
            )
            .where(condition)
            .order_by(Report.occurred_at)
        ).unique()
    )


def rows_where(condition) -> list[ReportRow]:
    """The reports matching a condition on Report, with reviews, orders and photos: four
    statements. The related rows are selected by the same condition (joined to Report), not
    by a list of ids, so a night of 2,000 reports stays at one statement each."""
    reports = reports_where(condition)
    if not reports:
        return []
    reviews = {
        r.report_id: r
        for r in db.session.scalars(
            sa.select(ReportReview)
            .join(Report, Report.id == ReportReview.report_id)
            .where(condition)
        )
    }
    orders = {
        w.report_id: w
        for w in db.session.scalars(
            sa.select(WorkOrder).join(Report, Report.id == WorkOrder.report_id).where(condition)
        )
    }
    photos: dict[uuid.UUID, list[Photo]] = defaultdict(list)
    for photo in db.session.scalars(
        sa.select(Photo)
        .join(Report, Report.id == Photo.report_id)
        .where(condition)
        .order_by(Photo.received_at)
    ):
        photos[photo.report_id].append(photo)
    for report in reports:
        set_committed_value(report, "photos", photos.get(report.id, []))
    return [ReportRow(r, reviews.get(r.id), orders.get(r.id)) for r in reports]


def shift_log(shift: Shift) -> ShiftLog:
    checkins = list(
        db.session.scalars(
            sa.select(CheckIn)
            .options(joinedload(CheckIn.checkpoint).joinedload(Checkpoint.property))
            .where(CheckIn.shift_id == shift.id)
            .order_by(CheckIn.occurred_at)
        )
    )
    reports = rows_where(Report.shift_id == shift.id)
    return ShiftLog(
        shift=shift,
        checkins=checkins,
        reports=reports,
        sos=shift_sos(shift),
        skips=skips_where(RoundSkip.shift_id == shift.id),
    )


def skips_where(condition) -> list[RoundSkip]:
    """Skipped checkpoints (rounds' skips) with their place and route, in time order: the
    shift log and the night's PDF show them like check-ins."""
    return list(
        db.session.scalars(
            sa.select(RoundSkip)
            .options(
                joinedload(RoundSkip.checkpoint).joinedload(Checkpoint.property),
                joinedload(RoundSkip.route),
            )
            .where(condition)
            .order_by(RoundSkip.occurred_at, RoundSkip.id)
        )
    )


# --- SOS alerts -----------------------------------------------------------------------------
# One home for which SOS alerts belong where: Natten, the shift log, the night's PDF
# (record.py) and the SOS CSV all read them through sos_where.


def sos_where(condition) -> list[SosAlert]:
    """SOS alerts with their guard and the supervisor who acknowledged them, in the order
    the guards pressed them: one statement."""
    return list(
        db.session.scalars(
            sa.select(SosAlert)
            .options(joinedload(SosAlert.guard), joinedload(SosAlert.acknowledged_by))
            .where(condition)
            .order_by(SosAlert.occurred_at, SosAlert.id)
        )
    )


def night_sos(first: date, last: date) -> list[SosAlert]:
    """The SOS alerts of a range of nights. An SOS belongs to the night of its shift, or
    (pressed outside a shift, or arriving before its shift) to the night of its time."""
    start, _ = night_window(first)
    _, end = night_window(last)
    known_shift = sa.exists().where(Shift.id == SosAlert.shift_id)
    return sos_where(
        sa.or_(
            SosAlert.shift_id.in_(sa.select(Shift.id).where(Shift.night.between(first, last))),
            sa.and_(SosAlert.occurred_at >= start, SosAlert.occurred_at < end, ~known_shift),
        )
    )


def shift_sos(shift: Shift) -> list[SosAlert]:
    """The SOS alerts of one shift: those the phone sent with its id, and the guard's alerts
    without a shift id pressed while the shift ran."""
    during = [SosAlert.shift_id.is_(None), SosAlert.guard_id == shift.guard_id]
    during.append(SosAlert.occurred_at >= shift.started_at)
    if shift.ended_at is not None:
        during.append(SosAlert.occurred_at <= shift.ended_at)
    return sos_where(sa.or_(SosAlert.shift_id == shift.id, sa.and_(*during)))


def night_rows(night: date) -> tuple[list[Shift], list[ReportRow]]:
    """Every shift and report of a night (CSV and PDF), safety walk findings included."""
    shifts = db.session.scalars(
        sa.select(Shift)
        .options(joinedload(Shift.guard))
        .where(Shift.night == night)
        .order_by(Shift.started_at)
    ).all()
    rows = rows_where(Report.night == night)
    return list(shifts), sorted(rows, key=lambda r: (LEVEL_ORDER[r.level], r.report.occurred_at))


def night_checkins(night: date) -> list[CheckIn]:
    return list(
        db.session.scalars(
            sa.select(CheckIn)
            .options(joinedload(CheckIn.checkpoint).joinedload(Checkpoint.property))
            .where(CheckIn.shift_id.in_(sa.select(Shift.id).where(Shift.night == night)))
            .order_by(CheckIn.occurred_at)
        )
    )


def open_work_orders_at(property_id: int, before: date | None = None) -> list[WorkOrder]:
    """Damage at a property that the day crew has not fixed yet (from nights before `before`)."""
    query = (
        sa.select(WorkOrder)
        .options(joinedload(WorkOrder.report).joinedload(Report.shift))
        .join(Report, Report.id == WorkOrder.report_id)
        .where(WorkOrder.property_id == property_id, WorkOrder.status == "open")
        .order_by(Report.night, WorkOrder.created_at)
    )
    if before is not None:
        query = query.where(Report.night < before)
    return list(db.session.scalars(query))


def properties_with_area() -> list[Property]:
    return list(
        db.session.scalars(
            sa.select(Property).options(joinedload(Property.area)).order_by(Property.name)
        )
    )


def current_night() -> date:
    """The most recent night: at 07:00 that is the night that began yesterday evening."""
    return tonight()


def default_night() -> date:
    """What Natten opens on: the current night if its shifts have begun, else the latest night
    that had shifts (so at 15:00, before the evening's shifts, it still shows last night)."""
    current = current_night()
    latest = db.session.scalar(sa.select(sa.func.max(Shift.night)).where(Shift.night <= current))
    return latest or current


def filtered_reports(filters: ReportFilters):
    """The report query narrowed by the list page's filters (the corrected category and level
    count where a supervisor corrected them)."""
    query = (
        sa.select(Report)
        .join(Property, Property.id == Report.property_id)
        .outerjoin(ReportReview, ReportReview.report_id == Report.id)
    )
    if filters.night_from:
        query = query.where(Report.night >= filters.night_from)
    if filters.night_to:
        query = query.where(Report.night <= filters.night_to)
    if filters.area_id:
        query = query.where(Property.area_id == filters.area_id)
    if filters.property_id:
        query = query.where(Report.property_id == filters.property_id)
    if filters.category:
        query = query.where(effective_category == filters.category)
    if filters.level:
        query = query.where(effective_level == filters.level)
    if filters.status:
        query = query.where(Report.review_status == filters.status)
    if filters.needs_repair is not None:
        query = query.where(Report.needs_repair.is_(filters.needs_repair))
    return query


def report_page(filters, page_size: int) -> tuple[list[Report], int]:
    """One page of the filtered report list (newest night first) and the total count."""
    query = filtered_reports(filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    reports = list(
        db.session.scalars(
            query.options(
                joinedload(Report.property).joinedload(Property.area),
                joinedload(Report.checkpoint),
                joinedload(Report.shift).joinedload(Shift.guard),
                joinedload(Report.author),
            )
            .order_by(Report.night.desc(), Report.occurred_at.desc(), Report.id)
            .limit(page_size)
            .offset((filters.page - 1) * page_size)
        ).unique()
    )
    return reports, total


def review_events(report_id: uuid.UUID) -> list[ReviewEvent]:
    """A report's audit trail, oldest first."""
    return list(
        db.session.scalars(
            sa.select(ReviewEvent)
            .options(joinedload(ReviewEvent.actor))
            .where(ReviewEvent.report_id == report_id)
            .order_by(ReviewEvent.at, ReviewEvent.id)
        )
    )


def work_orders_in_order(show: str, property_id: int | None = None) -> list[WorkOrder]:
    """Work orders ("open", "done" or "all"; of one property or all) by area and property,
    most urgent first in each."""
    query = (
        sa.select(WorkOrder)
        .options(
            joinedload(WorkOrder.property).joinedload(Property.area),
            joinedload(WorkOrder.checkpoint),
            joinedload(WorkOrder.report).joinedload(Report.shift),
            joinedload(WorkOrder.done_by),
        )
        .join(Property, Property.id == WorkOrder.property_id)
        .join(Area, Area.id == Property.area_id)
    )
    if show != "all":
        query = query.where(WorkOrder.status == show)
    if property_id is not None:
        query = query.where(WorkOrder.property_id == property_id)
    priority_rank = sa.case({"high": 0, "normal": 1, "low": 2}, value=WorkOrder.priority)
    return list(
        db.session.scalars(
            query.order_by(Area.name, Property.name, priority_rank, WorkOrder.created_at)
        )
    )


def work_order_page(
    show: str, property_id: int | None, page: int, page_size: int
) -> tuple[list[WorkOrder], int]:
    """One page of the done or all work orders (of one property or all), newest first (by
    when they were made), and how many there are: after years the done ones are thousands,
    and a page costs what its rows do."""
    where = [] if show == "all" else [WorkOrder.status == show]
    if property_id is not None:
        where.append(WorkOrder.property_id == property_id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(WorkOrder).where(*where))
    orders = db.session.scalars(
        sa.select(WorkOrder)
        .options(
            joinedload(WorkOrder.property).joinedload(Property.area),
            joinedload(WorkOrder.checkpoint),
            joinedload(WorkOrder.report).joinedload(Report.shift),
            joinedload(WorkOrder.done_by),
        )
        .where(*where)
        .order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    return list(orders), total or 0


def recent_rows_at(property_id: int, since: date) -> list[ReportRow]:
    """A property's reports from nights since `since`, newest first."""
    recent = rows_where(
        sa.and_(
            Report.property_id == property_id,
            Report.night >= since,
        )
    )
    recent.sort(key=lambda r: r.report.occurred_at, reverse=True)
    return recent
