"""Review actions. Each one changes the review state and appends one audit event in the same
transaction, so the trail can never miss an action that took effect."""

from __future__ import annotations

import hashlib
from datetime import date

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from patrol.auth.models import User
from patrol.db import db, utcnow
from patrol.reports.models import Report
from patrol.review.models import NightReview, ReportReview, ReviewEvent, WorkOrder
from patrol.signals import (
    night_reviewed,
    report_approved,
    work_order_completed,
    work_order_created,
)


def review_of(report: Report) -> ReportReview:
    review = db.session.get(ReportReview, report.id)
    if review is None:
        review = ReportReview(report_id=report.id)
        db.session.add(review)
    return review


def retry_once_on_conflict(action):
    """Two supervisors reviewing the same new report at once both try to insert its review
    row; the primary key lets one win. The loser rolls back and runs its action again, now
    updating the winner's row (both actions stay in the audit trail)."""

    def run(*args, **kwargs):
        try:
            return action(*args, **kwargs)
        except IntegrityError:
            db.session.rollback()
            return action(*args, **kwargs)

    run.__doc__ = action.__doc__
    return run


@retry_once_on_conflict
def approve(
    report: Report, actor: User, comment: str, owner_text: str | None = None
) -> ReviewEvent:
    """ny -> granskad, with the supervisor's comment. Approving again replaces the comment
    (the earlier one stays in the audit trail). `owner_text` is what the property owner reads
    (issue 13); None leaves it as it was."""
    review = review_of(report)
    before = {"status": report.review_status, "comment": review.comment}
    now = utcnow()
    review.comment = comment or None
    if owner_text is not None:
        review.owner_text = owner_text or None
    review.reviewed_by_id = actor.id
    review.reviewed_at = now
    report.review_status = "reviewed"
    event = ReviewEvent(
        at=now,
        actor_id=actor.id,
        action="approved",
        report_id=report.id,
        details={
            "status": [before["status"], "reviewed"],
            "comment": [before["comment"], comment or None],
            "owner_text": owner_text,
        },
    )
    db.session.add(event)
    # Listeners (the owners' acute mail) queue their rows in this transaction.
    report_approved.send(report, review=review, by=actor)
    db.session.commit()
    return event


@retry_once_on_conflict
def correct(report: Report, actor: User, category: str, level: str, comment: str) -> ReviewEvent:
    """Store the corrected category/level beside the guard's original (which is not touched)."""
    review = review_of(report)
    before_category = review.category or report.category
    before_level = review.level or report.level
    now = utcnow()
    # A correction back to the guard's own value clears the correction.
    review.category = category if category != report.category else None
    review.level = level if level != report.level else None
    review.corrected_by_id = actor.id
    review.corrected_at = now
    event = ReviewEvent(
        at=now,
        actor_id=actor.id,
        action="corrected",
        report_id=report.id,
        details={
            "category": [before_category, category],
            "level": [before_level, level],
            "original": {"category": report.category, "level": report.level},
            "comment": comment or None,
        },
    )
    db.session.add(event)
    db.session.commit()
    return event


class AlreadyOrdered(Exception):
    """The report has a work order already (perhaps made a moment ago by someone else)."""


def create_work_order(
    report: Report, actor: User, what: str, place: str, priority: str
) -> WorkOrder:
    """One work order per report: the unique report_id settles a race between two
    supervisors (the second gets AlreadyOrdered)."""
    order = WorkOrder(
        report_id=report.id,
        property_id=report.property_id,
        checkpoint_id=report.checkpoint_id,
        what=what,
        place=place,
        priority=priority,
        status="open",
        created_by_id=actor.id,
        created_at=utcnow(),
    )
    db.session.add(order)
    report.needs_repair = True
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise AlreadyOrdered(report.id) from None
    db.session.add(
        ReviewEvent(
            at=order.created_at,
            actor_id=actor.id,
            action="work_order_created",
            report_id=report.id,
            work_order_id=order.id,
            details={"what": what, "place": place, "priority": priority},
        )
    )
    # Listeners (the day crew's mail) queue their rows in this transaction.
    work_order_created.send(order, by=actor)
    db.session.commit()
    return order


class AlreadyDone(Exception):
    """Someone else marked the work order done first."""


def complete_work_order(order: WorkOrder, actor: User, note: str) -> ReviewEvent:
    """open -> klar, with the day crew's note and the time.

    A conditional UPDATE (WHERE status = 'open') makes two people pressing "done" at once
    end with one completion and one AlreadyDone, never two."""
    now = utcnow()
    changed = db.session.execute(
        sa.update(WorkOrder)
        .where(WorkOrder.id == order.id, WorkOrder.status == "open")
        .values(status="done", done_at=now, done_by_id=actor.id, done_note=note)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        db.session.rollback()
        raise AlreadyDone(order.id)
    event = ReviewEvent(
        at=now,
        actor_id=actor.id,
        action="work_order_done",
        report_id=order.report_id,
        work_order_id=order.id,
        details={"status": ["open", "done"], "note": note},
    )
    db.session.add(event)
    db.session.refresh(order)
    work_order_completed.send(order, by=actor)
    db.session.commit()
    db.session.refresh(order)
    return event


class AlreadyReviewed(Exception):
    """Someone else kept this version of the night a moment ago; it is never rendered again."""


class NothingChanged(Exception):
    """The night has a kept version and nothing arrived or changed since: no new version."""


def mark_night_reviewed(night: date, actor: User) -> NightReview:
    """ "Natten granskad": render the night's PDF and keep it, with its SHA-256, as the next
    version of the night's record (version 1, or N+1 beside version N when records arrived or
    reviews changed after N was kept; N+1 starts with a page listing those changes). Then tell
    listeners (`signals.night_reviewed`, e.g. the owners' email or its addendum) in the same
    transaction. Two supervisors marking at once both aim at the same version number; the
    unique (night, version) keeps the first and the second gets AlreadyReviewed."""
    from patrol.review.changes_pdf import write_changes_page
    from patrol.review.export_pdf import night_report_pdf
    from patrol.review.hooks import seal_night
    from patrol.review.versions import changes_since, night_versions

    versions = night_versions(night)
    previous = versions[-1] if versions else None
    changes = changes_since(night, previous)
    if previous is not None and changes.empty:
        raise NothingChanged(previous.version)
    number = previous.version + 1 if previous else 1
    now = utcnow()
    # The signed snapshot of the night's records (patrol/evidence), printed on the PDF.
    seal = seal_night(night, number, now)
    pdf = night_report_pdf(
        night,
        reviewed_by=actor,
        reviewed_at=now,
        version=number,
        seal_lines=getattr(seal, "pdf_lines", None),
        first_page=(lambda page: write_changes_page(page, changes, number)) if previous else None,
    )
    review = NightReview(
        night=night,
        version=number,
        reviewed_at=now,
        reviewed_by_id=actor.id,
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
    )
    db.session.add(review)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise AlreadyReviewed from None
    night_reviewed.send(
        current_app._get_current_object(),
        night=night,
        by=actor,
        review=review,
        version=number,
        changes=changes,
        seal=seal,
    )
    db.session.commit()
    return review
