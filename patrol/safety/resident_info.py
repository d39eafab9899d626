"""Resident information after a serious event (issue 14): the supervisor's plans of entrances and
methods, what the guard app caches, and the visits' progress."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from patrol.db import db, utcnow
from patrol.labels import CATEGORY_LABELS
from patrol.nights import night_of
from patrol.push.models import Dispatch
from patrol.reports.models import Report
from patrol.review.models import ReportReview
from patrol.safety.cases import report_night
from patrol.safety.models import (
    RESIDENT_INFO_METHODS,
    ResidentInfoEntrance,
    ResidentInfoPlan,
    ResidentInfoVisit,
)

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
