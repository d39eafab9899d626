"""The morning's news by email: to each owner when the night is marked reviewed ("Natten
granskad") or at OWNER_NEWS_AT (default 10:00), and the day crew's work list at
DAY_CREW_MAIL_AT (default 06:45). Both are jobs of the worker (`patrol.schedule`); the owners'
email also goes at once when `signals.night_reviewed` fires.

An owner gets at most one email per night: an `OwnerNews` row per (night, user) is inserted
before the mail is queued, in the same transaction, and the unique constraint settles a race
between the signal and the 10:00 job. Owners choose in their settings (`User.email_prefs`):
"morning_report" for the news at all, "nothing_to_report" to hear about quiet nights too."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale, format_date, gettext, ngettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from patrol.auth.models import User
from patrol.auth.roles import OWNER
from patrol.db import db, utcnow
from patrol.labels import LEVEL_ORDER, template_labels
from patrol.mail.rules import Attachment, address, public_url, queue_mail
from patrol.owners import exports, rules
from patrol.owners.models import OwnerNews
from patrol.reports.models import Report
from patrol.review.models import WorkOrder
from patrol.review.queries import ReportRow, rows_where
from patrol.schedule.rules import Job, at_stockholm, register
from patrol.signals import night_reviewed
from patrol.sites.models import Area, Property

log = logging.getLogger(__name__)

MORNING_REPORT = "morning_report"
NOTHING_TO_REPORT = "nothing_to_report"


# --- owners ------------------------------------------------------------------------------------


@dataclass
class OwnerNight:
    """What one organization's email says about a night."""

    night: date
    rows: list[ReportRow]
    awaiting_review: int
    open_orders: int

    @property
    def by_property(self) -> dict[Property, list[ReportRow]]:
        grouped: dict = {}
        for row in sorted(
            self.rows,
            key=lambda r: (r.report.property.name, LEVEL_ORDER[r.level], r.report.occurred_at),
        ):
            grouped.setdefault(row.report.property, []).append(row)
        return grouped


def owner_night(organization_id: int, night: date) -> OwnerNight:
    rows = rows_where(sa.and_(rules.approved_of(organization_id), Report.night == night))
    own = Report.property_id.in_(
        sa.select(Property.id).where(Property.organization_id == organization_id)
    )
    awaiting = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Report)
        .where(own, Report.review_status == "new", Report.night == night)
    )
    open_orders = sum(rules.open_order_counts(organization_id).values())
    return OwnerNight(night, rows, awaiting or 0, open_orders)


def news_recipients() -> list[User]:
    """Active owner users with an email address who asked for the morning report."""
    users = db.session.scalars(
        sa.select(User)
        .options(joinedload(User.organization))
        .where(
            User.role == OWNER,
            User.active.is_(True),
            User.organization_id.is_not(None),
            User.email.is_not(None),
            User.email != "",
        )
        .order_by(User.id)
    )
    return [u for u in users if MORNING_REPORT in (u.email_prefs or [])]


def language_of(user: User) -> str:
    return user.language if user.language in current_app.config["LANGUAGES"] else "sv"


def owner_email(user: User, news: OwnerNight, trigger: str) -> dict:
    """Subject, text and HTML of one owner's email, in the owner's language."""
    with force_locale(language_of(user)):
        # English says "the night of Monday 23", Swedish "natten mot tisdag 24": both dates
        # go to the translation, which uses the one its language needs.
        dates = {
            "night": format_date(news.night, "EEEE d MMMM"),
            "morning": format_date(news.night + timedelta(days=1), "EEEE d MMMM"),
        }
        organization = user.organization.name
        if news.rows:
            subject = ngettext(
                "The night of %(night)s: %(num)d report for %(owner)s",
                "The night of %(night)s: %(num)d reports for %(owner)s",
                len(news.rows),
                owner=organization,
                **dates,
            )
        else:
            subject = gettext("Nothing to report tonight (the night of %(night)s)", **dates)
        links = {
            row.report.id: public_url("owners.report", report_id=row.report.id) for row in news.rows
        }
        context = {
            "user": user,
            "news": news,
            "dates": dates,
            "organization": organization,
            "trigger": trigger,
            "links": links,
            "portal": public_url("owners.index"),
            "settings": public_url("owners.settings"),
            "subject": subject,
        } | template_labels()
        return {
            "subject": subject,
            "text": render_template("owners/mail/owner_news.txt", **context),
            "html": render_template("owners/mail/owner_news.html", **context),
            "settings": context["settings"],
        }


def claim_news(row: OwnerNews) -> bool:
    """Insert the (night, user) row; False when another path has it already."""
    exists = db.session.scalar(
        sa.select(OwnerNews.id).where(
            OwnerNews.night == row.night, OwnerNews.user_id == row.user_id
        )
    )
    if exists is not None:
        return False
    if db.engine.dialect.name != "postgresql":
        # SQLite serialises writers: nobody can insert between our read and our write.
        db.session.add(row)
        db.session.flush()
        return True
    try:
        with db.session.begin_nested():  # a race with another worker loses only this row
            db.session.add(row)
        return True
    except IntegrityError:
        return False


def queue_owner_news(night: date, trigger: str) -> list[OwnerNews]:
    """Decide and queue every owner's email for the night (not committed: the caller's
    transaction commits it, so "Natten granskad" and its emails stand or fall together)."""
    made = []
    nights: dict[int, OwnerNight] = {}
    done = set(db.session.scalars(sa.select(OwnerNews.user_id).where(OwnerNews.night == night)))
    for user in news_recipients():
        if user.id in done:
            continue
        news = nights.get(user.organization_id)
        if news is None:
            news = nights[user.organization_id] = owner_night(user.organization_id, night)
        wants_quiet = NOTHING_TO_REPORT in (user.email_prefs or [])
        kind = "news" if news.rows else ("nothing" if wants_quiet else "skipped")
        email = None
        if kind != "skipped":
            try:  # written before anything is stored: a failure leaves the 10:00 job its turn
                email = owner_email(user, news, trigger)
            except Exception:
                log.exception("owner email for user %s, night %s not written", user.id, night)
                continue
        row = OwnerNews(
            night=night,
            user_id=user.id,
            organization_id=user.organization_id,
            trigger=trigger,
            kind=kind,
            approved=len(news.rows),
            awaiting_review=news.awaiting_review,
            created_at=utcnow(),
        )
        if not claim_news(row):
            continue
        if email is not None:
            message = queue_mail(
                f"owner_{kind}",
                [address(user.display_name, user.email)],
                email["subject"],
                email["text"],
                email["html"],
                headers={"List-Unsubscribe": f"<{email['settings']}>"},
            )
            row.mail_id = message.id
        made.append(row)
    db.session.flush()
    return made


def on_night_reviewed(_sender, night: date, **_extra) -> None:
    queue_owner_news(night, "reviewed")


def owner_news_due(night: date) -> datetime:
    return at_stockholm(night + timedelta(days=1), current_app.config["OWNER_NEWS_AT"])


def run_owner_news(night: date, _key: str) -> str:
    made = queue_owner_news(night, "deadline")
    db.session.commit()
    sent = sum(1 for row in made if row.kind != "skipped")
    return f"{sent} owner email(s) queued, {len(made) - sent} owner(s) with nothing asked for"


# --- the day crew ------------------------------------------------------------------------------


def day_crew_areas(_night: date) -> list[str]:
    """Areas with day-crew addresses: one run (and one email) per area."""
    areas = db.session.scalars(sa.select(Area).order_by(Area.id))
    return [str(area.id) for area in areas if area.day_crew_emails]


def open_orders_in(area_id: int) -> dict[Property, list[WorkOrder]]:
    priority_rank = sa.case({"high": 0, "normal": 1, "low": 2}, value=WorkOrder.priority)
    orders = db.session.scalars(
        sa.select(WorkOrder)
        .options(
            joinedload(WorkOrder.property),
            joinedload(WorkOrder.checkpoint),
            joinedload(WorkOrder.report),
        )
        .join(Property, Property.id == WorkOrder.property_id)
        .where(WorkOrder.status == "open", Property.area_id == area_id)
        .order_by(Property.name, priority_rank, WorkOrder.created_at)
    ).all()
    groups: dict = {}
    for order in orders:
        groups.setdefault(order.property, []).append(order)
    return groups


def day_crew_email(area: Area, groups: dict, day: date) -> dict:
    """The day crew's list in Swedish (the addresses are shared mailboxes, not users)."""
    with force_locale("sv"):
        count = sum(len(orders) for orders in groups.values())
        day_text = format_date(day, "EEEE d MMMM")
        subject = ngettext(
            "Work orders %(day)s – %(area)s (%(num)d open)",
            "Work orders %(day)s – %(area)s (%(num)d open)",
            count,
            day=day_text,
            area=area.name,
        )
        context = {
            "area": area,
            "groups": groups,
            "count": count,
            "day_text": day_text,
            "crew_page": public_url("crew.crew_index"),
            "subject": subject,
        } | template_labels()
        return {
            "subject": subject,
            "text": render_template("owners/mail/day_crew.txt", **context),
            "html": render_template("owners/mail/day_crew.html", **context),
        }


def day_crew_due(night: date) -> datetime:
    return at_stockholm(night + timedelta(days=1), current_app.config["DAY_CREW_MAIL_AT"])


def run_day_crew(night: date, key: str) -> str:
    area = db.session.get(Area, int(key))
    if area is None or not area.day_crew_emails:
        return "no day-crew address"
    groups = open_orders_in(area.id)
    if not groups:
        return "no open work orders"
    day = night + timedelta(days=1)
    email = day_crew_email(area, groups, day)
    pdf = exports.day_crew_pdf(area.name, groups, day)
    queue_mail(
        "day_crew",
        list(area.day_crew_emails),
        email["subject"],
        email["text"],
        email["html"],
        (Attachment(f"arbetsordrar-{day.isoformat()}.pdf", "application/pdf", pdf),),
    )
    db.session.commit()
    return f"{sum(len(o) for o in groups.values())} work order(s) to {len(area.day_crew_emails)}"


def init_app() -> None:
    night_reviewed.connect(on_night_reviewed, weak=False)
    register(Job("owner-news", due_at=owner_news_due, run=run_owner_news, look_back_nights=2))
    register(
        Job(
            "day-crew-mail",
            due_at=day_crew_due,
            run=run_day_crew,
            keys=day_crew_areas,
            look_back_nights=0,
        )
    )
