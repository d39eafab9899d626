"""Repeated disturbances (issue 14): linking disturbance reports at one place into a case,
the history line shown with each of them, judging and closing cases, and retention."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from patrol.db import db, utcnow
from patrol.reports.models import Report
from patrol.safety.models import (
    CaseReport,
    DisturbanceCase,
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
