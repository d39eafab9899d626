"""Years of nights of a whole district, inserted in bulk: for bench/review.py --years and the
tests that pin each desk page's statement count independent of how much history lies behind it.

`seed_district` grows the demo area to a district (properties with two checkpoints each, a
crew member, guards); `seed_history` fills any number of consecutive nights, each like a real
one: shifts, check-ins, reports (all but one in fifteen approved by the supervisor, with the
approval in the audit trail), photos, SOS alerts, work orders (done, except the last two weeks' ones) and
the night's kept PDF. Rows are built in Python and inserted a chunk of nights at a time.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from patrol.auth.models import User
from patrol.auth.roles import CREW, GUARD, SUPERVISOR
from patrol.db import db
from patrol.nights import ZONE
from patrol.push.models import SosAlert
from patrol.reports.models import CATEGORIES, LEVELS, Photo, Report
from patrol.reports.storage import photo_store
from patrol.review.models import NightReview, ReportReview, ReviewEvent, WorkOrder
from patrol.shifts.models import CHECKIN_METHODS, CheckIn, Shift
from patrol.sites.models import Area, Checkpoint, Property

STOCKHOLM = ZONE  # the one home of the time zone: patrol.nights
KEPT_PDF = b"%PDF-1.4\n% a kept night record stands in here\n%%EOF\n"


@dataclass(frozen=True)
class NightSize:
    shifts: int = 6
    checkins: int = 150
    reports: int = 15
    photos: int = 20
    sos: int = 2


def seed_district(properties: int = 60, guards: int = 6) -> None:
    """Grow the demo area (seed_demo first) to `properties` properties with two checkpoints
    each, spread over the demo's owner organizations, with `guards` guards and a crew member."""
    from patrol.auth.actions import create_user

    area = db.session.scalar(sa.select(Area).order_by(Area.id))
    orgs = [p.organization_id for p in db.session.scalars(sa.select(Property))]
    have = len(orgs)
    for n in range(have, properties):
        prop = Property(
            area_id=area.id,
            organization_id=orgs[n % len(orgs)],
            name=f"Kvarteret {n:03d}",
            address=f"Syntetgatan {n}",
            lat=55.58 + n * 0.0005,
            lon=13.01 + n * 0.0005,
        )
        db.session.add(prop)
        for k in range(2):
            db.session.add(
                Checkpoint(
                    property=prop,
                    label=f"Entré {k + 1}",
                    short_code=f"H{n:03d}{k}",
                    lat=prop.lat,
                    lon=prop.lon,
                    radius_m=40.0,
                )
            )
    existing = db.session.scalar(
        sa.select(sa.func.count()).select_from(User).where(User.role == GUARD)
    )
    db.session.commit()
    for n in range(existing, guards):
        create_user(f"natt{n}", "history-password-1", GUARD, f"Väktare {n}")
    if db.session.scalar(sa.select(User).where(User.role == CREW)) is None:
        create_user("dagpersonal", "history-password-1", CREW, "Dagpersonal")
    db.session.commit()


def _evening(night: date) -> datetime:
    return datetime.combine(night, time(19, 30), STOCKHOLM).astimezone(UTC)


def seed_history(
    first: date,
    nights: int,
    *,
    size: NightSize = NightSize(),  # noqa: B008 (frozen)
    open_after: date | None = None,
    unreviewed: tuple[date, ...] = (),
    photo_files: tuple[date, ...] = (),
    seed: int = 1,
    chunk: int = 30,
) -> dict:
    """Fill `nights` nights from `first` on. Reports of nights in `unreviewed` stay new and
    their night has no kept PDF; every other night is approved and kept. Work orders (every
    fifth report) stay open when their night is after `open_after`, else they are done.
    Nights in `photo_files` get real little JPEGs in the photo store (for the night PDF).
    Returns {night: [shift ids]} and the row counts inserted."""
    from tests.support.synthetic import small_jpeg

    rng = random.Random(seed)
    guards = db.session.scalars(
        sa.select(User.id).where(User.role == GUARD).order_by(User.id)
    ).all()
    boss = db.session.scalar(sa.select(User.id).where(User.role == SUPERVISOR))
    crew = db.session.scalar(sa.select(User.id).where(User.role == CREW)) or boss
    checkpoints = db.session.execute(
        sa.select(Checkpoint.id, Checkpoint.property_id).order_by(Checkpoint.id)
    ).all()
    store = photo_store() if photo_files else None
    shifts_of: dict[date, list[uuid.UUID]] = {}
    totals = dict.fromkeys(("shifts", "checkins", "reports", "photos", "sos", "orders"), 0)
    tables = (Shift, CheckIn, Report, Photo, ReportReview, ReviewEvent, SosAlert, NightReview)

    def flush(rows: dict, orders: list[dict], events_for_orders: list[dict]) -> None:
        for model in tables:
            if rows[model]:
                db.session.execute(sa.insert(model), rows[model])
        if orders:
            ids = db.session.execute(
                sa.insert(WorkOrder).returning(
                    WorkOrder.id, WorkOrder.report_id, sort_by_parameter_order=True
                ),
                orders,
            ).all()
            events = []
            for (order_id, report_id), template in zip(ids, events_for_orders, strict=True):
                for event in template:
                    events.append({**event, "work_order_id": order_id, "report_id": report_id})
            db.session.execute(sa.insert(ReviewEvent), events)
        db.session.commit()

    for start in range(0, nights, chunk):
        rows: dict = {model: [] for model in tables}
        orders: list[dict] = []
        order_events: list[list[dict]] = []
        for offset in range(start, min(nights, start + chunk)):
            night = first + timedelta(days=offset)
            evening = _evening(night)
            morning = evening + timedelta(hours=14)
            reviewed = night not in unreviewed

            def moment(evening=evening) -> datetime:
                return evening + timedelta(seconds=rng.randrange(8 * 3600))

            shift_ids = [uuid.uuid4() for _ in range(size.shifts)]
            shifts_of[night] = shift_ids
            for i, sid in enumerate(shift_ids):
                rows[Shift].append(
                    {
                        "id": sid,
                        "guard_id": guards[i % len(guards)],
                        "started_at": evening + timedelta(minutes=i),
                        "ended_at": evening + timedelta(hours=8, minutes=30),
                        "night": night,
                        "received_at": evening + timedelta(minutes=i, seconds=5),
                        "ended_received_at": evening + timedelta(hours=8, minutes=31),
                        "flags": [],
                    }
                )
            for i in range(size.checkins):
                cp_id, _ = checkpoints[(i * 7 + offset) % len(checkpoints)]
                at = moment()
                manual = i % 7 == 0
                rows[CheckIn].append(
                    {
                        "id": uuid.uuid4(),
                        "shift_id": shift_ids[i % size.shifts],
                        "checkpoint_id": cp_id,
                        "method": "manual" if manual else CHECKIN_METHODS[i % 3],
                        "occurred_at": at,
                        "received_at": at + timedelta(seconds=30),
                        "lat": None if manual else 55.587,
                        "lon": None if manual else 13.014,
                        "accuracy_m": None if manual else 12.0,
                        "distance_m": None if manual else float(i % 30),
                        "flags": ["manual", "no_location"] if manual else [],
                    }
                )
            photo_ids: list[list[uuid.UUID]] = [[] for _ in range(size.reports)]
            for i in range(size.photos):
                photo_ids[i % size.reports].append(uuid.uuid4())
            for i in range(size.reports):
                cp_id, prop_id = checkpoints[(i * 11 + offset * 3) % len(checkpoints)]
                at = moment()
                rid = uuid.uuid4()
                repair = i % 5 == 0
                # One report in fifteen is never approved (its text goes at the purge).
                approved = reviewed and i % 15 != 14
                rows[Report].append(
                    {
                        "id": rid,
                        "shift_id": shift_ids[i % size.shifts],
                        "night": night,
                        "property_id": prop_id,
                        "checkpoint_id": cp_id,
                        "category": CATEGORIES[i % len(CATEGORIES)],
                        "level": LEVELS[i % len(LEVELS)] if i % 20 else "acute",
                        "description": f"Syntetisk rapport {i}: trasig lampa i trapphuset.",
                        "occurred_at": at,
                        "received_at": at + timedelta(seconds=40),
                        "lat": 55.587,
                        "lon": 13.014,
                        "accuracy_m": 10.0,
                        "photo_ids": sorted(str(p) for p in photo_ids[i]),
                        "flags": [],
                        "review_status": "reviewed" if approved else "new",
                        "needs_repair": repair and approved,
                    }
                )
                for pid in photo_ids[i]:
                    key = f"{rid}/{pid}"
                    if store is not None and night in photo_files:
                        data = small_jpeg(rng.randrange(1 << 30))
                        store.save((f"{key}.jpg", data), (f"{key}.thumb.jpg", data))
                    rows[Photo].append(
                        {
                            "id": pid,
                            "report_id": rid,
                            "sha256": "0" * 64,
                            "content_type": "image/jpeg",
                            "width": 160,
                            "height": 120,
                            "bytes": 4000,
                            "received_at": at + timedelta(seconds=60),
                            "storage_key": f"{key}.jpg",
                            "thumbnail_key": f"{key}.thumb.jpg",
                        }
                    )
                if not approved:
                    continue
                rows[ReportReview].append(
                    {
                        "report_id": rid,
                        "owner_text": f"Trasig lampa i trapphuset ({i}).",
                        "reviewed_by_id": boss,
                        "reviewed_at": morning,
                    }
                )
                rows[ReviewEvent].append(
                    {
                        "at": morning,
                        "actor_id": boss,
                        "action": "approved",
                        "report_id": rid,
                        "details": {},
                    }
                )
                if repair:
                    done = open_after is None or night <= open_after
                    orders.append(
                        {
                            "report_id": rid,
                            "property_id": prop_id,
                            "checkpoint_id": cp_id,
                            "place": "Trapphuset",
                            "what": "Byt lampan i trapphuset.",
                            "priority": ("high", "normal", "low")[i % 3],
                            "status": "done" if done else "open",
                            "created_by_id": boss,
                            "created_at": morning,
                            "done_at": morning + timedelta(hours=5) if done else None,
                            "done_by_id": crew if done else None,
                            "done_note": "Utbytt." if done else None,
                        }
                    )
                    events = [{"at": morning, "actor_id": boss, "action": "work_order_created"}]
                    if done:
                        events.append(
                            {
                                "at": morning + timedelta(hours=5),
                                "actor_id": crew,
                                "action": "work_order_done",
                            }
                        )
                    order_events.append([{**e, "details": {}} for e in events])
            for i in range(size.sos):
                at = moment()
                rows[SosAlert].append(
                    {
                        "id": uuid.uuid4(),
                        "guard_id": guards[i % len(guards)],
                        "shift_id": shift_ids[i % size.shifts],
                        "occurred_at": at,
                        "received_at": at + timedelta(seconds=2),
                        "lat": 55.587,
                        "lon": 13.014,
                        "accuracy_m": 8.0,
                        "acknowledged_at": at + timedelta(minutes=1),
                        "acknowledged_by_id": boss,
                    }
                )
            if reviewed:
                rows[NightReview].append(
                    {
                        "night": night,
                        "version": 1,
                        "reviewed_at": morning,
                        "reviewed_by_id": boss,
                        "pdf": KEPT_PDF,
                        "sha256": hashlib.sha256(KEPT_PDF).hexdigest(),
                    }
                )
            totals["shifts"] += size.shifts
            totals["checkins"] += size.checkins
            totals["reports"] += size.reports
            totals["photos"] += size.photos
            totals["sos"] += size.sos
        totals["orders"] += len(orders)
        flush(rows, orders, order_events)
    return {"shifts": shifts_of, "rows": totals}
