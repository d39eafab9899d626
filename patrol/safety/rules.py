"""Repeated disturbances (issue 14): linking disturbance reports at one place into a case,
the history line shown with each of them, judging and closing cases, the personal identity
number warning, and retention."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload, selectinload

from patrol.db import db, utcnow
from patrol.errors import field_error
from patrol.labels import CATEGORY_LABELS
from patrol.nights import night_of
from patrol.nights import today as stockholm_today
from patrol.push.models import Dispatch
from patrol.reports.models import Report
from patrol.review.models import ReportReview
from patrol.safety.models import (
    RESIDENT_INFO_METHODS,
    CaseReport,
    DisturbanceCase,
    ResidentInfoEntrance,
    ResidentInfoPlan,
    ResidentInfoVisit,
    SafetyWalk,
    WalkCheck,
)

# --- linking ----------------------------------------------------------------------------------


CASE_STATUS_LABELS = {"open": _l("Open case"), "closed": _l("Closed case")}


def open_place(property_id: int, checkpoint_id: int | None) -> str:
    return f"{property_id}:{checkpoint_id if checkpoint_id is not None else '-'}"


def report_night(report: Report) -> date:
    """The night a report belongs to: its shift's night, or its walk's date."""
    return report.night


def link_disturbance(report: Report) -> CaseReport | None:
    """Link a newly created disturbance report into the open case at its place, opening one
    when there is none. Runs inside the report's creating transaction (report_created).

    Two reports from one place arriving at once both try to open the case; the unique
    `open_place` lets one insert win and the other find it (INSERT ... ON CONFLICT DO NOTHING,
    which both SQLite and PostgreSQL have), so neither report's PUT fails."""
    if report.level != "disturbance":
        return None
    key = open_place(report.property_id, report.checkpoint_id)
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(DisturbanceCase)
        .values(
            property_id=report.property_id,
            checkpoint_id=report.checkpoint_id,
            open_place=key,
            status="open",
            opened_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["open_place"])
    )
    case_id = db.session.scalar(
        sa.select(DisturbanceCase.id).where(DisturbanceCase.open_place == key)
    )
    link = CaseReport(report_id=report.id, case_id=case_id, night=report_night(report))
    db.session.add(link)
    db.session.flush()
    return link


def on_report_created(report: Report) -> None:
    link_disturbance(report)


# --- the history line -----------------------------------------------------------------------


@dataclass
class CaseHistory:
    """Where one report stands in its case: the n:th disturbance at the place within the
    window of nights up to this report's night."""

    case: DisturbanceCase
    link: CaseReport
    ordinal: int
    nights: int

    @property
    def place(self) -> str:
        return case_place(self.case)

    @property
    def line(self) -> str:
        return gettext(
            "%(ordinal)s disturbance at %(place)s, last %(nights)d nights",
            ordinal=ordinal(self.ordinal),
            place=self.place,
            nights=self.nights,
        )


def case_place(case: DisturbanceCase) -> str:
    if case.checkpoint is not None:
        return f"{case.property.name}, {case.checkpoint.label}"
    return case.property.name


def ordinal(n: int) -> str:
    """3 -> "3:e" in Swedish ("1:a", "2:a", "21:a", but "11:e"), "3rd" in English."""
    if str(get_locale() or "sv").startswith("sv"):
        return f"{n}:a" if n % 10 in (1, 2) and n % 100 not in (11, 12) else f"{n}:e"
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def window_nights() -> int:
    return current_app.config["SAFETY_CASE_WINDOW_NIGHTS"]


def case_history(report_id: uuid.UUID) -> CaseHistory | None:
    """The history of a report's case up to the report (two statements), or None."""
    link = db.session.get(CaseReport, report_id)
    if link is None:
        return None
    nights = window_nights()
    since = link.night - timedelta(days=nights - 1)
    report = link.report
    earlier = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(CaseReport)
        .join(Report, Report.id == CaseReport.report_id)
        .where(
            CaseReport.case_id == link.case_id,
            CaseReport.night >= since,
            sa.or_(
                CaseReport.night < link.night,
                sa.and_(CaseReport.night == link.night, Report.occurred_at < report.occurred_at),
                sa.and_(
                    CaseReport.night == link.night,
                    Report.occurred_at == report.occurred_at,
                    Report.id < report.id,
                ),
            ),
        )
    )
    return CaseHistory(case=link.case, link=link, ordinal=int(earlier or 0) + 1, nights=nights)


def case_links(case: DisturbanceCase) -> list[CaseReport]:
    """The case's reports in order, with report, property and checkpoint (one statement)."""
    return list(
        db.session.scalars(
            sa.select(CaseReport)
            .options(
                joinedload(CaseReport.report).joinedload(Report.checkpoint),
                joinedload(CaseReport.judged_by),
            )
            .join(Report, Report.id == CaseReport.report_id)
            .where(CaseReport.case_id == case.id)
            .order_by(CaseReport.night, Report.occurred_at, Report.id)
        )
    )


# --- judging and closing --------------------------------------------------------------------


class CaseClosed(Exception):
    """The case is closed already: nothing changes."""


def judge(link: CaseReport, user, confirmed: bool) -> None:
    if link.case.status == "closed":
        raise CaseClosed
    link.confirmed = confirmed
    link.judged_by_id = user.id
    link.judged_at = utcnow()
    db.session.commit()


def close_case(case: DisturbanceCase, user, outcome: str) -> None:
    """Close with an outcome. The place is free again: its next disturbance opens a new case."""
    if case.status == "closed":
        raise CaseClosed
    case.status = "closed"
    case.open_place = None
    case.outcome = outcome
    case.closed_at = utcnow()
    case.closed_by_id = user.id
    db.session.commit()


# --- privacy ----------------------------------------------------------------------------------

_PERSONNUMMER = re.compile(r"(?<!\d)(?:\d{2})?(\d{2})(\d{2})(\d{2})\s?[-+]?\s?(\d{4})(?!\d)")


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(digits):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def looks_like_personnummer(text: str | None) -> bool:
    """Does the text seem to hold a Swedish personal identity number (or a coordination
    number: day + 60)? YYMMDD-NNNC or YYYYMMDDNNNC, with a valid month, day and Luhn check
    digit, so that phone numbers and times rarely trigger it."""
    for match in _PERSONNUMMER.finditer(text or ""):
        yy, mm, dd, tail = match.groups()
        day = int(dd) - 60 if int(dd) > 60 else int(dd)
        if 1 <= int(mm) <= 12 and 1 <= day <= 31 and luhn_ok(yy + mm + dd + tail):
            return True
    return False


def purge_cases_before(cutoff: date) -> int:
    """Retention (for the privacy purge): forget case links of reports from nights before
    `cutoff`, and delete cases left without reports. Returns the number of cases deleted.
    Call it before the reports themselves are deleted."""
    db.session.execute(sa.delete(CaseReport).where(CaseReport.night < cutoff))
    empty = sa.select(DisturbanceCase.id).where(
        ~sa.exists().where(CaseReport.case_id == DisturbanceCase.id)
    )
    deleted = db.session.execute(
        sa.delete(DisturbanceCase).where(DisturbanceCase.id.in_(empty))
    ).rowcount
    db.session.commit()
    return deleted or 0


# --- resident information ---------------------------------------------------------------------

METHOD_LABELS = {
    "notice": _l("Stairwell notice"),
    "letter": _l("Letter"),
    "door_knocking": _l("Door knocking"),
}


def is_acute(report: Report) -> bool:
    """Acute as the guard reported it or as a supervisor corrected it: a plan can be made."""
    if report.level == "acute":
        return True
    review = db.session.get(ReportReview, report.id)
    return bool(review and review.level == "acute")


def plan_title(plan: ResidentInfoPlan) -> str:
    """What the plan is about: the event's category and place ("Brand eller rök –
    Rasmusgatan 5"), or the extra round's property and message."""
    if plan.report is not None:
        report = plan.report
        place = report.property.name
        if report.checkpoint is not None:
            place += f", {report.checkpoint.label}"
        return f"{CATEGORY_LABELS[report.category]} – {place}"
    if plan.dispatch is not None:
        return gettext("Extra round – %(place)s", place=plan.dispatch.property.name)
    return ""


def event_night_of_dispatch(dispatch: Dispatch) -> date:
    return night_of(dispatch.created_at)


def create_plan(
    user,
    *,
    methods: list[str],
    message: str,
    entrances: list[tuple[int, int | None]],
    report: Report | None = None,
    dispatch: Dispatch | None = None,
) -> ResidentInfoPlan:
    """A plan for an acute report or an extra round; `entrances` as (property, checkpoint or
    None for the whole address), in the order given."""
    night = report_night(report) if report is not None else event_night_of_dispatch(dispatch)
    plan = ResidentInfoPlan(
        report_id=report.id if report is not None else None,
        dispatch_id=dispatch.id if dispatch is not None else None,
        night=night,
        methods=[m for m in RESIDENT_INFO_METHODS if m in methods],
        message=message,
        created_by_id=user.id,
        created_at=utcnow(),
    )
    plan.entrances = [
        ResidentInfoEntrance(property_id=property_id, checkpoint_id=checkpoint_id, position=index)
        for index, (property_id, checkpoint_id) in enumerate(entrances)
    ]
    db.session.add(plan)
    db.session.commit()
    return plan


def _plans(condition) -> list[ResidentInfoPlan]:
    """Plans with their event, entrances and visits (a fixed number of statements)."""
    return list(
        db.session.scalars(
            sa.select(ResidentInfoPlan)
            .options(
                joinedload(ResidentInfoPlan.report).joinedload(Report.property),
                joinedload(ResidentInfoPlan.report).joinedload(Report.checkpoint),
                joinedload(ResidentInfoPlan.dispatch).joinedload(Dispatch.property),
                selectinload(ResidentInfoPlan.entrances).options(
                    joinedload(ResidentInfoEntrance.property),
                    joinedload(ResidentInfoEntrance.checkpoint),
                    selectinload(ResidentInfoEntrance.visits).joinedload(ResidentInfoVisit.guard),
                ),
            )
            .where(condition)
            .order_by(ResidentInfoPlan.created_at.desc(), ResidentInfoPlan.id.desc())
        ).unique()
    )


def plans_for_guards() -> list[ResidentInfoPlan]:
    """What the guard app caches for offline use: plans made in the last days."""
    since = utcnow() - timedelta(days=current_app.config["SAFETY_RESIDENT_INFO_DAYS"])
    return _plans(ResidentInfoPlan.created_at >= since)


def plans_for_report(report_id: uuid.UUID) -> list[ResidentInfoPlan]:
    return _plans(ResidentInfoPlan.report_id == report_id)


def plans_of_night(night: date) -> list[ResidentInfoPlan]:
    return _plans(ResidentInfoPlan.night == night)


def plan_with_progress(plan_id: int) -> ResidentInfoPlan | None:
    found = _plans(ResidentInfoPlan.id == plan_id)
    return found[0] if found else None


def resident_info_for_properties(property_ids: list[int]) -> list[ResidentInfoPlan]:
    """For the owners' portal: plans with at least one entrance at these properties (the
    caller shows only those entrances)."""
    return _plans(
        ResidentInfoPlan.id.in_(
            sa.select(ResidentInfoEntrance.plan_id).where(
                ResidentInfoEntrance.property_id.in_(property_ids)
            )
        )
    )


def done_count(plan: ResidentInfoPlan) -> int:
    return sum(1 for entrance in plan.entrances if entrance.visits)


def visit_summary(visit: ResidentInfoVisit) -> str:
    """ "Anslag uppsatt · 12 dörrar knackade, 5 svarade" in the reader's language."""
    parts = []
    if visit.notice_posted:
        parts.append(gettext("Notice posted"))
    if visit.letters_delivered:
        parts.append(gettext("Letters delivered"))
    if visit.doors_knocked is not None:
        if visit.doors_answered is not None:
            parts.append(
                gettext(
                    "%(knocked)d doors knocked, %(answered)d answered",
                    knocked=visit.doors_knocked,
                    answered=visit.doors_answered,
                )
            )
        else:
            parts.append(gettext("%(knocked)d doors knocked", knocked=visit.doors_knocked))
    return " · ".join(parts)


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
