"""The two emails a user asks for one event at a time (issue 21, point 4), both queued through
the mail outbox in the transaction of their cause:

- "acute_alerts" ("Akuta händelser när de godkänts"): an owner user hears when a report at one
  of the organization's properties is approved at level acute (the corrected level, if the
  supervisor changed it). Once per report and user: an `AcuteNotice` row is inserted with the
  mail, so approving again sends nothing. The owner hears of it only after approval because
  owners see only approved reports (what the guard wrote is for the supervisor first).
- "work_orders" ("Nya arbetsordrar"): a day-crew user hears when a work order is made at a
  property in one of their areas (a user with no areas: every area, as on /crew/).

Review sends the signals (`patrol.signals.report_approved`, `work_order_created`) and knows
nothing of owners: owners is the layer above it."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale, gettext
from sqlalchemy.orm import joinedload

from patrol.auth.models import User
from patrol.auth.roles import CREW, OWNER
from patrol.db import db, utcnow
from patrol.labels import template_labels
from patrol.mail.rules import address, public_url, queue_mail
from patrol.owners.models import AcuteNotice
from patrol.reports.models import Report
from patrol.review.models import ReportReview, WorkOrder
from patrol.review.queries import ReportRow
from patrol.signals import report_approved, work_order_created
from patrol.sites.models import Property

log = logging.getLogger(__name__)

ACUTE_ALERTS = "acute_alerts"
WORK_ORDERS = "work_orders"
ACUTE = "acute"


def language_of(user: User) -> str:
    return user.language if user.language in ("sv", "en") else "sv"


def wanting(kind: str, *conditions) -> list[User]:
    """Active users with an email address who asked for `kind`."""
    users = db.session.scalars(
        sa.select(User)
        .options(joinedload(User.organization))
        .where(User.active.is_(True), User.email.is_not(None), User.email != "", *conditions)
        .order_by(User.id)
    ).unique()
    return [u for u in users if kind in (u.email_prefs or [])]


# --- acute events, when approved --------------------------------------------------------------


def on_report_approved(report: Report, review: ReportReview, **_extra) -> None:
    row = ReportRow(report, review)
    if row.level != ACUTE or report.is_incident:
        return  # a threat or violence incident is the employer's, never the owner's
    prop = db.session.get(Property, report.property_id) if report.property_id else None
    if prop is None or prop.organization_id is None:
        return
    owners = wanting(ACUTE_ALERTS, User.role == OWNER, User.organization_id == prop.organization_id)
    told = set(
        db.session.scalars(sa.select(AcuteNotice.user_id).where(AcuteNotice.report_id == report.id))
    )
    for user in owners:
        if user.id in told:
            continue  # approved again: this owner has heard of it
        try:
            email = acute_email(user, row, prop)
        except Exception:  # a template that fails must not take the approval down
            log.exception("acute email for user %s, report %s not written", user.id, report.id)
            continue
        message = queue_mail(
            "owner_acute",
            [address(user.display_name, user.email)],
            email["subject"],
            email["text"],
            headers={"List-Unsubscribe": f"<{email['settings']}>"},
        )
        db.session.add(
            AcuteNotice(
                report_id=report.id, user_id=user.id, mail_id=message.id, created_at=utcnow()
            )
        )
    db.session.flush()


def acute_email(user: User, row: ReportRow, prop: Property) -> dict:
    with force_locale(language_of(user)):
        labels = template_labels()
        subject = gettext(
            "Acute event at %(property)s: %(category)s",
            property=prop.name,
            category=labels["CATEGORY_LABELS"][row.category],
        )
        context = {
            "user": user,
            "row": row,
            "property": prop,
            "subject": subject,
            "link": public_url("owners.report", report_id=row.report.id),
            "settings": public_url("owners.settings"),
        } | labels
        return {
            "subject": subject,
            "text": render_template("owners/mail/acute.txt", **context),
            "settings": context["settings"],
        }


# --- new work orders, to the day crew ---------------------------------------------------------


def on_work_order_created(order: WorkOrder, **_extra) -> None:
    prop = db.session.get(Property, order.property_id)
    if prop is None:
        return
    for user in wanting(WORK_ORDERS, User.role == CREW):
        areas = {area.id for area in user.areas}
        if areas and prop.area_id not in areas:
            continue
        try:
            email = work_order_email(user, order, prop)
        except Exception:  # a template that fails must not take the work order down
            log.exception("work order email for user %s, order %s not written", user.id, order.id)
            continue
        queue_mail(
            "crew_work_order",
            [address(user.display_name, user.email)],
            email["subject"],
            email["text"],
        )
    db.session.flush()


def work_order_email(user: User, order: WorkOrder, prop: Property) -> dict:
    with force_locale(language_of(user)):
        subject = gettext(
            "New work order at %(property)s: %(what)s", property=prop.name, what=order.what
        )
        context = {
            "user": user,
            "order": order,
            "property": prop,
            "subject": subject,
            "link": public_url("crew.crew_index"),
        } | template_labels()
        return {
            "subject": subject,
            "text": render_template("owners/mail/work_order.txt", **context),
        }


def init_app() -> None:
    report_approved.connect(on_report_approved, weak=False)
    work_order_created.connect(on_work_order_created, weak=False)
