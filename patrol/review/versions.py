"""A night's record has versions (issue 21, point 1).

"Natten granskad" keeps version 1 of the night's PDF. An offline-first app must expect records
to reach the server after that: a phone that spent the night in a basement syncs at 09:30.
Anything of the night RECEIVED after the latest kept version (by the server's `received_at`,
not the phone's time: a record made at 23:00 and synced at 09:30 is new to the record) shows on
Natten as "Kom in efter granskningen", and the review actions taken since then as "Ändrat efter
granskningen". Marking the night again keeps version N+1 beside version N, with a first page
that lists these changes; nothing kept is ever overwritten.

Which version a record first appeared in follows from the same instants: the first version
whose `reviewed_at` is at or after the record's `received_at` (None: not in a version yet).
A fixed number of statements however big the night, like the rest of the review pages."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from patrol.db import db
from patrol.labels import ACTION_LABELS, CATEGORY_LABELS, LEVEL_LABELS
from patrol.nights import night_window
from patrol.push.models import Dispatch, DispatchResponse
from patrol.reports.models import Photo, Report
from patrol.review.models import NightReview, ReportReview, ReviewEvent
from patrol.review.queries import night_sos
from patrol.rounds.models import RoundSkip
from patrol.shifts.models import CheckIn, DiscardedRecord, Shift
from patrol.sites.models import Checkpoint

# Kinds of record in the order Natten lists their counts.
KINDS = (
    "report",
    "photo",
    "checkin",
    "skip",
    "shift",
    "shift_end",
    "sos",
    "dispatch_response",
    "discard",
)

KIND_LABELS = {
    "report": _l("Report"),
    "photo": _l("Photo"),
    "checkin": _l("Check-in"),
    "skip": _l("Skipped checkpoint"),
    "shift": _l("Shift started"),
    "shift_end": _l("Shift ended"),
    "sos": _l("SOS alert"),
    "dispatch_response": _l("Extra-round answer"),
    "discard": _l("Discarded record"),
}


def kind_count(kind: str, n: int) -> str:
    """ "1 rapport", "2 incheckningar": one phrase per kind (each language's own plural)."""
    phrases = {
        "report": lambda: ngettext("%(num)d report", "%(num)d reports", n),
        "photo": lambda: ngettext("%(num)d photo", "%(num)d photos", n),
        "checkin": lambda: ngettext("%(num)d check-in", "%(num)d check-ins", n),
        "skip": lambda: ngettext("%(num)d skipped checkpoint", "%(num)d skipped checkpoints", n),
        "shift": lambda: ngettext("%(num)d shift", "%(num)d shifts", n),
        "shift_end": lambda: ngettext("%(num)d shift end", "%(num)d shift ends", n),
        "sos": lambda: ngettext("%(num)d SOS alert", "%(num)d SOS alerts", n),
        "dispatch_response": lambda: ngettext(
            "%(num)d extra-round answer", "%(num)d extra-round answers", n
        ),
        "discard": lambda: ngettext("%(num)d discarded record", "%(num)d discarded records", n),
    }
    return phrases[kind]()


@dataclass
class LateRecord:
    """A record of the night that reached the server after the latest kept version."""

    kind: str
    received_at: datetime
    item: object

    @property
    def occurred_at(self) -> datetime | None:
        if self.kind == "shift":
            return self.item.started_at
        if self.kind == "shift_end":
            return self.item.ended_at
        if self.kind == "photo":
            return None
        return getattr(self.item, "occurred_at", None) or getattr(self.item, "recorded_at", None)

    @property
    def report_id(self):
        """The report a supervisor opens to review it (reports and their photos)."""
        if self.kind == "report":
            return self.item.id
        if self.kind == "photo":
            return self.item.report_id
        return None

    @property
    def shift_id(self):
        if self.kind in ("shift", "shift_end"):
            return self.item.id
        return getattr(self.item, "shift_id", None)

    @property
    def label(self) -> str:
        """What it is, in the current language: "Rapport: Skadegörelse · Störning – Hus 3"."""
        item = self.item
        if self.kind in ("report", "photo"):
            report = item if self.kind == "report" else item.report
            detail = f"{report_text(report)} – {report.property.name}"
        elif self.kind in ("checkin", "skip"):
            detail = item.checkpoint.label
        elif self.kind in ("shift", "shift_end", "sos", "dispatch_response"):
            detail = item.guard.display_name
        else:  # discard
            detail = f"{item.guard.display_name}: {item.label}"
        return f"{KIND_LABELS[self.kind]}: {detail}"


def report_text(report: Report) -> str:
    review = report.__dict__.get("_version_review")
    category = (review and review.category) or report.category
    level = (review and review.level) or report.level
    return f"{CATEGORY_LABELS[category]} · {LEVEL_LABELS[level]}"


@dataclass
class NightChanges:
    """What happened to a night's record since a kept version (`since`; None: never kept)."""

    since: NightReview | None
    arrived: list[LateRecord] = field(default_factory=list)
    changed: list[ReviewEvent] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.arrived and not self.changed

    @property
    def arrived_summary(self) -> str:
        """ "1 rapport, 2 incheckningar" (the heading's counts)."""
        counts = Counter(record.kind for record in self.arrived)
        return ", ".join(kind_count(kind, counts[kind]) for kind in KINDS if counts[kind])

    @property
    def arrived_reports(self) -> list[Report]:
        return [r.item for r in self.arrived if r.kind == "report"]

    def change_label(self, event: ReviewEvent) -> str:
        report = event.report
        what = f"{report_text(report)} – {report.property.name}" if report else ""
        return gettext(
            "%(action)s: %(what)s (%(name)s)",
            action=ACTION_LABELS[event.action],
            what=what,
            name=event.actor.display_name,
        )


def night_versions(night: date) -> list[NightReview]:
    """Every kept version of the night, oldest first (their PDFs stay deferred)."""
    return list(
        db.session.scalars(
            sa.select(NightReview)
            .options(joinedload(NightReview.reviewed_by))
            .where(NightReview.night == night)
            .order_by(NightReview.version)
        )
    )


def first_version(versions: list[NightReview], received_at: datetime | None) -> int | None:
    """The version a record received at `received_at` first appeared in (None: not yet)."""
    if received_at is None:
        return None
    for version in versions:
        if received_at <= version.reviewed_at:
            return version.version
    return None


def changes_since(night: date, since: NightReview | None) -> NightChanges:
    """Records of the night received after `since` was kept, and review actions taken on the
    night's reports after it. With no kept version there is nothing "after" to list."""
    changes = NightChanges(since=since)
    if since is None:
        return changes
    cutoff = since.reviewed_at
    shift_ids = sa.select(Shift.id).where(Shift.night == night)
    arrived = changes.arrived

    for shift in db.session.scalars(
        sa.select(Shift)
        .options(joinedload(Shift.guard))
        .where(
            Shift.night == night,
            sa.or_(Shift.received_at > cutoff, Shift.ended_received_at > cutoff),
        )
    ):
        if shift.received_at > cutoff:
            arrived.append(LateRecord("shift", shift.received_at, shift))
        if shift.ended_received_at is not None and shift.ended_received_at > cutoff:
            arrived.append(LateRecord("shift_end", shift.ended_received_at, shift))

    reviews = {
        review.report_id: review
        for review in db.session.scalars(
            sa.select(ReportReview)
            .join(Report, Report.id == ReportReview.report_id)
            .where(Report.night == night)
        )
    }
    for report in db.session.scalars(
        sa.select(Report)
        .options(joinedload(Report.property))
        .where(Report.night == night, Report.received_at > cutoff)
    ):
        report.__dict__["_version_review"] = reviews.get(report.id)
        arrived.append(LateRecord("report", report.received_at, report))
    for photo in db.session.scalars(
        sa.select(Photo)
        .options(joinedload(Photo.report).joinedload(Report.property))
        .join(Report, Report.id == Photo.report_id)
        .where(Report.night == night, Photo.received_at > cutoff)
    ):
        photo.report.__dict__["_version_review"] = reviews.get(photo.report_id)
        arrived.append(LateRecord("photo", photo.received_at, photo))
    for checkin in db.session.scalars(
        sa.select(CheckIn)
        .options(joinedload(CheckIn.checkpoint).joinedload(Checkpoint.property))
        .where(CheckIn.shift_id.in_(shift_ids), CheckIn.received_at > cutoff)
    ):
        arrived.append(LateRecord("checkin", checkin.received_at, checkin))
    for skip in db.session.scalars(
        sa.select(RoundSkip)
        .options(joinedload(RoundSkip.checkpoint))
        .where(RoundSkip.shift_id.in_(shift_ids), RoundSkip.received_at > cutoff)
    ):
        arrived.append(LateRecord("skip", skip.received_at, skip))
    for alert in night_sos(night, night):
        if alert.received_at > cutoff:
            arrived.append(LateRecord("sos", alert.received_at, alert))
    start, end = night_window(night)
    for answer in db.session.scalars(
        sa.select(DispatchResponse)
        .options(joinedload(DispatchResponse.guard))
        .join(Dispatch, Dispatch.id == DispatchResponse.dispatch_id)
        .where(
            Dispatch.created_at >= start,
            Dispatch.created_at < end,
            DispatchResponse.received_at > cutoff,
        )
    ):
        arrived.append(LateRecord("dispatch_response", answer.received_at, answer))
    for discard in db.session.scalars(
        sa.select(DiscardedRecord)
        .options(joinedload(DiscardedRecord.guard))
        .where(
            sa.or_(
                DiscardedRecord.shift_id.in_(shift_ids),
                sa.and_(DiscardedRecord.recorded_at >= start, DiscardedRecord.recorded_at < end),
            ),
            DiscardedRecord.received_at > cutoff,
        )
    ):
        arrived.append(LateRecord("discard", discard.received_at, discard))
    arrived.sort(key=lambda r: (r.received_at, KINDS.index(r.kind)))

    events = db.session.scalars(
        sa.select(ReviewEvent)
        .options(
            joinedload(ReviewEvent.actor),
            joinedload(ReviewEvent.report).joinedload(Report.property),
        )
        .join(Report, Report.id == ReviewEvent.report_id)
        .where(Report.night == night, ReviewEvent.at > cutoff)
        .order_by(ReviewEvent.at, ReviewEvent.id)
    ).all()
    for event in events:
        event.report.__dict__["_version_review"] = reviews.get(event.report_id)
    changes.changed = list(events)
    return changes
