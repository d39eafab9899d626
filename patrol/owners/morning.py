"""The morning's news by email: to each owner when the night is marked reviewed ("Natten
granskad") or at OWNER_NEWS_AT (default 10:00), and the day crew's work list at
DAY_CREW_MAIL_AT (default 06:45). Both are jobs of the worker (`patrol.schedule`); the owners'
email also goes at once when `signals.night_reviewed` fires.

An owner gets at most one email per night and version of its record: an `OwnerNews` row per
(night, user, version) is inserted before the mail is queued, in the same transaction, and the
unique constraint settles a race between the signal and the 10:00 job. When the night is marked
reviewed again (version N+1, after late records), each owner gets one addendum listing only the
approved reports that no earlier email told them of (`OwnerNewsItem`). Reports approved after a
night's email went, on a night nobody marks again, are not lost either: the next morning's
email lists them under "Tidigare nätter" (earlier nights). Owners choose in their settings (`User.email_prefs`):
"morning_report" for the news at all, "nothing_to_report" to hear about quiet nights too."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale, format_date, gettext, ngettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from patrol.auth.models import User
from patrol.auth.roles import OWNER
from patrol.db import db, utcnow
from patrol.evidence.snapshot import latest_seal
from patrol.labels import LEVEL_ORDER, template_labels
from patrol.mail.rules import Attachment, address, public_url, queue_mail
from patrol.owners import exports, rules
from patrol.owners.models import OwnerNews, OwnerNewsItem
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
    # Approved after an earlier night's email went (the "Tidigare nätter" section).
    earlier: list[ReportRow] = field(default_factory=list)
    # >1: the addendum for version N of the night's record (only what is new to the owner).
    version: int = 1

    @property
    def earlier_by_night(self) -> dict[date, list[ReportRow]]:
        grouped: dict = {}
        for row in sorted(self.earlier, key=lambda r: (r.report.night, r.report.occurred_at)):
            grouped.setdefault(row.report.night, []).append(row)
        return grouped

    @property
    def reports(self) -> list[ReportRow]:
        return self.rows + self.earlier

    @property
    def by_property(self) -> dict[Property, list[ReportRow]]:
        grouped: dict = {}
        for row in sorted(
            self.rows,
            key=lambda r: (r.report.property.name, LEVEL_ORDER[r.level], r.report.occurred_at),
        ):
            grouped.setdefault(row.report.property, []).append(row)
        return grouped


EARLIER_NIGHTS = 7  # how far back "Tidigare nätter" looks


def told_reports(user_id: int):
    """SQL: the reports some email to this owner user has already told of."""
    return (
        sa.select(OwnerNewsItem.report_id)
        .join(OwnerNews, OwnerNews.id == OwnerNewsItem.owner_news_id)
        .where(OwnerNews.user_id == user_id)
    )


def earlier_rows(user: User, night: date) -> list[ReportRow]:
    """Reports of the nights before `night` approved after that night's email to this user
    went (or was decided against), and told of in no email since."""
    return rows_where(
        sa.and_(
            rules.approved_of(user.organization_id),
            Report.night < night,
            Report.night >= night - timedelta(days=EARLIER_NIGHTS),
            Report.night.in_(sa.select(OwnerNews.night).where(OwnerNews.user_id == user.id)),
            Report.id.not_in(told_reports(user.id)),
        )
    )


def owner_night(
    organization_id: int, night: date, user: User | None = None, version: int = 1
) -> OwnerNight:
    """What an organization's email says about a night; for version N>1 (the addendum) only
    the approved reports that no email to `user` told of yet."""
    condition = sa.and_(rules.approved_of(organization_id), Report.night == night)
    if user is not None and version > 1:
        condition = sa.and_(condition, Report.id.not_in(told_reports(user.id)))
    rows = rows_where(condition)
    own = Report.property_id.in_(
        sa.select(Property.id).where(Property.organization_id == organization_id)
    )
    awaiting = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Report)
        .where(own, Report.review_status == "new", Report.night == night)
    )
    open_orders = sum(rules.open_order_counts(organization_id).values())
    return OwnerNight(night, rows, awaiting or 0, open_orders, version=version)


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
        if news.version > 1:
            subject = ngettext(
                "Addendum to the night of %(night)s: %(num)d new report for %(owner)s",
                "Addendum to the night of %(night)s: %(num)d new reports for %(owner)s",
                len(news.rows),
                owner=organization,
                **dates,
            )
        elif not news.rows and news.earlier:
            subject = ngettext(
                "%(num)d report from earlier nights for %(owner)s",
                "%(num)d reports from earlier nights for %(owner)s",
                len(news.earlier),
                owner=organization,
            )
        elif news.rows:
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
            row.report.id: public_url("owners.report", report_id=row.report.id)
            for row in news.reports
        }
        # The night's signed root (issue 26): a copy outside the operator's server.
        seal = latest_seal(news.night, news.version)
        context = {
            "user": user,
            "news": news,
            "seal": seal,
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
    """Insert the (night, user, version) row; False when another path has it already."""
    exists = db.session.scalar(
        sa.select(OwnerNews.id).where(
            OwnerNews.night == row.night,
            OwnerNews.user_id == row.user_id,
            OwnerNews.version == row.version,
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
    transaction commits it, so "Natten granskad" and its emails stand or fall together).
    Each email also carries the reports of earlier nights approved since those nights'
    emails went ("Tidigare nätter")."""
    made = []
    nights: dict[int, OwnerNight] = {}
    done = set(db.session.scalars(sa.select(OwnerNews.user_id).where(OwnerNews.night == night)))
    for user in news_recipients():
        if user.id in done:
            continue
        shared = nights.get(user.organization_id)
        if shared is None:
            shared = nights[user.organization_id] = owner_night(user.organization_id, night)
        news = OwnerNight(
            night,
            shared.rows,
            shared.awaiting_review,
            shared.open_orders,
            earlier_rows(user, night),
        )
        made += send_news(user, news, trigger)
    db.session.flush()
    return made


def queue_owner_addendum(night: date, version: int) -> list[OwnerNews]:
    """The night was marked reviewed again (version N>1): each owner gets one addendum with
    the night's approved reports that no email told them of yet; nothing new, no email."""
    made = []
    for user in news_recipients():
        news = owner_night(user.organization_id, night, user, version)
        made += send_news(user, news, "reviewed", quiet_too=False)
    db.session.flush()
    return made


def send_news(user: User, news: OwnerNight, trigger: str, quiet_too: bool = True) -> list:
    """Claim the (night, user, version) row and queue the email: [row], or [] when another
    path claimed it first or the email could not be written."""
    wants_quiet = quiet_too and NOTHING_TO_REPORT in (user.email_prefs or [])
    kind = "news" if news.reports else ("nothing" if wants_quiet else "skipped")
    email = None
    if kind != "skipped":
        try:  # written before anything is stored: a failure leaves the 10:00 job its turn
            email = owner_email(user, news, trigger)
        except Exception:
            log.exception("owner email for user %s, night %s not written", user.id, news.night)
            return []
    row = OwnerNews(
        night=news.night,
        version=news.version,
        user_id=user.id,
        organization_id=user.organization_id,
        trigger=trigger,
        kind=kind,
        approved=len(news.rows),
        awaiting_review=news.awaiting_review,
        created_at=utcnow(),
    )
    if not claim_news(row):
        return []
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
        db.session.flush()
        db.session.add_all(
            OwnerNewsItem(owner_news_id=row.id, report_id=r.report.id) for r in news.reports
        )
    return [row]


def on_night_reviewed(_sender, night: date, version: int = 1, **_extra) -> None:
    if version > 1:
        queue_owner_addendum(night, version)
    else:
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
