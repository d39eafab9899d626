"""Synthetic nights of any size, inserted in bulk: for the query-count test and
bench/review.py. Needs the demo sites (seed_demo) and at least one guard."""

from __future__ import annotations

import io
import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from patrol.auth.models import User
from patrol.auth.roles import GUARD
from patrol.db import db
from patrol.reports.models import CATEGORIES, LEVELS, Photo, Report
from patrol.reports.storage import photo_store
from patrol.shifts.models import CHECKIN_METHODS, CheckIn, Shift
from patrol.sites.models import Checkpoint

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def small_jpeg(seed: int, size=(160, 120)) -> bytes:
    """A distinct little JPEG (a colour field with a stripe), so PDF tests embed real images."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGB", size, tuple(rng.randrange(40, 220) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    x = rng.randrange(size[0])
    draw.rectangle((x, 0, x + 12, size[1]), fill=(rng.randrange(256), 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()


def seed_night(
    night: date,
    *,
    shifts: int,
    checkins: int,
    reports: int,
    photos: int,
    photo_files: bool = False,
    seed: int = 1,
) -> list[uuid.UUID]:
    """Insert one night; returns the shift ids. Photos are spread over the first reports;
    one in ten reports also promises a photo that never arrived."""
    rng = random.Random(seed)
    guards = db.session.scalars(sa.select(User.id).where(User.role == GUARD)).all()
    checkpoints = db.session.execute(sa.select(Checkpoint.id, Checkpoint.property_id)).all()
    radius = dict(db.session.execute(sa.select(Checkpoint.id, Checkpoint.radius_m)).all())
    if not guards or not checkpoints:
        raise RuntimeError("seed_night needs guards and checkpoints (seed_demo first)")
    evening = datetime.combine(night, time(19, 30), STOCKHOLM).astimezone(UTC)
    shift_ids = [uuid.uuid4() for _ in range(shifts)]
    db.session.execute(
        sa.insert(Shift),
        [
            {
                "id": sid,
                "guard_id": guards[i % len(guards)],
                "started_at": evening + timedelta(minutes=i),
                "ended_at": evening + timedelta(hours=8, minutes=30) if i % 5 else None,
                "night": night,
                "received_at": evening + timedelta(minutes=i, seconds=5),
                "flags": [],
            }
            for i, sid in enumerate(shift_ids)
        ],
    )

    def moment() -> datetime:
        return evening + timedelta(seconds=rng.randrange(8 * 3600))

    checkin_rows = []
    for i in range(checkins):
        cp_id, _ = checkpoints[i % len(checkpoints)]
        at = moment()
        # Every 7th check-in is chosen from the list without a position; the rest are scanned
        # at a distance that is sometimes beyond the radius (flagged as the server would).
        manual = i % 7 == 0
        distance = None if manual else float(rng.randrange(0, 80))
        flags = ["manual", "no_location"] if manual else []
        if distance is not None and distance - 12.0 > radius.get(cp_id, 50.0):
            flags.append("out_of_radius")
        checkin_rows.append(
            {
                "id": uuid.uuid4(),
                "shift_id": shift_ids[i % shifts],
                "checkpoint_id": cp_id,
                "method": "manual" if manual else rng.choice(CHECKIN_METHODS[:3]),
                "occurred_at": at,
                "received_at": at + timedelta(seconds=rng.randrange(1, 3600)),
                "lat": None if manual else 55.587,
                "lon": None if manual else 13.014,
                "accuracy_m": None if manual else 12.0,
                "distance_m": distance,
                "flags": flags,
            }
        )
    if checkin_rows:
        db.session.execute(sa.insert(CheckIn), checkin_rows)

    photo_ids: list[list[uuid.UUID]] = [[] for _ in range(reports)]
    for i in range(photos):
        photo_ids[i % reports].append(uuid.uuid4())
    report_rows = []
    for i in range(reports):
        cp_id, prop_id = checkpoints[(i * 3) % len(checkpoints)]
        at = moment()
        promised = [str(p) for p in photo_ids[i]] + ([str(uuid.uuid4())] if i % 10 == 0 else [])
        report_rows.append(
            {
                "id": uuid.uuid4(),
                "shift_id": shift_ids[i % shifts],
                "property_id": prop_id,
                "checkpoint_id": cp_id,
                "category": CATEGORIES[i % len(CATEGORIES)],
                "level": LEVELS[i % len(LEVELS)] if i % 20 else "acute",
                "description": f"Syntetisk rapport {i}: trasig lampa i trapphuset, åäö.",
                "occurred_at": at,
                "received_at": at + timedelta(seconds=rng.randrange(1, 600)),
                "photo_ids": sorted(promised),
                "flags": ["no_location"] if i % 9 == 0 else [],
                "review_status": "new",
                "needs_repair": False,
            }
        )
    if report_rows:
        db.session.execute(sa.insert(Report), report_rows)

    store = photo_store() if photo_files else None
    photo_rows = []
    for r_index, ids in enumerate(photo_ids):
        report_id = report_rows[r_index]["id"]
        for pid in ids:
            key = f"{report_id}/{pid}"
            if store is not None:
                data = small_jpeg(len(photo_rows) + seed * 100_000)
                store.save((f"{key}.jpg", data), (f"{key}.thumb.jpg", data))
            photo_rows.append(
                {
                    "id": pid,
                    "report_id": report_id,
                    "sha256": "0" * 64,
                    "content_type": "image/jpeg",
                    "width": 160,
                    "height": 120,
                    "bytes": 4000,
                    "received_at": report_rows[r_index]["received_at"],
                    "storage_key": f"{key}.jpg",
                    "thumbnail_key": f"{key}.thumb.jpg",
                }
            )
    if photo_rows:
        db.session.execute(sa.insert(Photo), photo_rows)
    db.session.commit()
    return shift_ids
