"""Everything one night holds, for the kept record (the night's PDF): shifts with their
check-ins and reports, SOS alerts with their lifecycle, extra rounds with the guards'
answers, and the work orders made from the night's reports.

A fixed number of statements however big the night, like the review pages (queries.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from patrol.auth.models import User
from patrol.db import db
from patrol.push.models import Dispatch, DispatchResponse, SosAlert
from patrol.reports.models import Report
from patrol.review.models import WorkOrder
from patrol.review.queries import (
    ReportRow,
    night_checkins,
    night_rows,
    night_sos,
    night_window,
    skips_where,
)
from patrol.rounds.models import RoundSkip
from patrol.shifts.models import CheckIn, Shift
from patrol.sites.models import Property


@dataclass
class NightRecord:
    night: date
    shifts: list[Shift]
    checkins: list[CheckIn]
    rows: list[ReportRow]  # acute first
    sos: list[SosAlert]
    dispatches: list[Dispatch]
    work_orders: list[WorkOrder]
    guard_names: dict[int, str] = field(default_factory=dict)  # every guard sent a round
    by_shift: dict = field(default_factory=dict)

    def timeline(self, shift: Shift) -> list[tuple[str, datetime, object]]:
        """("checkin" | "skip" | "report", when, item) of one shift in the order it happened
        (stored instants: on the autumn night 02:10 CEST comes before 02:05 CET)."""
        return sorted(self.by_shift.get(shift.id, ()), key=lambda e: (e[1], e[0]))


def load_night_record(night: date) -> NightRecord:
    shifts, rows = night_rows(night)
    checkins = night_checkins(night)
    start, end = night_window(night)
    sos = night_sos(night, night)
    dispatches = db.session.scalars(
        sa.select(Dispatch)
        .options(
            joinedload(Dispatch.created_by),
            joinedload(Dispatch.property),
            selectinload(Dispatch.responses).joinedload(DispatchResponse.guard),
        )
        .where(Dispatch.created_at >= start, Dispatch.created_at < end)
        .order_by(Dispatch.created_at)
    ).all()
    work_orders = db.session.scalars(
        sa.select(WorkOrder)
        .options(
            joinedload(WorkOrder.property).joinedload(Property.area),
            joinedload(WorkOrder.created_by),
            joinedload(WorkOrder.done_by),
            joinedload(WorkOrder.checkpoint),
        )
        .join(Report, Report.id == WorkOrder.report_id)
        .join(Shift, Shift.id == Report.shift_id)
        .where(Shift.night == night)
        .order_by(WorkOrder.created_at)
    ).all()
    sent = {guard_id for d in dispatches for guard_id in d.guard_ids}
    guard_names = dict(
        db.session.execute(sa.select(User.id, User.display_name).where(User.id.in_(sent))).all()
    )
    by_shift = defaultdict(list)
    for checkin in checkins:
        by_shift[checkin.shift_id].append(("checkin", checkin.occurred_at, checkin))
    for row in rows:
        by_shift[row.report.shift_id].append(("report", row.report.occurred_at, row))
    if shifts:
        for skip in skips_where(RoundSkip.shift_id.in_([s.id for s in shifts])):
            by_shift[skip.shift_id].append(("skip", skip.occurred_at, skip))
    return NightRecord(
        night=night,
        shifts=shifts,
        checkins=checkins,
        rows=rows,
        sos=list(sos),
        dispatches=list(dispatches),
        work_orders=list(work_orders),
        guard_names=guard_names,
        by_shift=by_shift,
    )
