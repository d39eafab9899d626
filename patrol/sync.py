"""The server side of the sync contract (architecture §5, §5a), shared by every record type.

A record is PUT to its own URL under the UUID the phone gave it. The first arrival creates it
(201); the same content again is the phone retrying after a lost answer (200); other content
under the same UUID is a conflict (409). Two identical PUTs racing each other both try to
insert; the database's primary key lets exactly one win, and the loser compares (200).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask import current_app, g, request
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from patrol.db import Base, db, utcnow
from patrol.errors import ApiError

Row = TypeVar("Row", bound=Base)


def json_body() -> dict:
    """The request's JSON object (400 for anything else)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, gettext("The body must be a JSON object."))
    return body


def put_record(
    model: type[Row],
    record_id: uuid.UUID,
    values: dict[str, Any],
    *,
    owner_id: Callable[[Row], int],
    content: Callable[[Row], dict],
    wanted: dict,
    on_create: Callable[[Row], None] | None = None,
) -> tuple[Row, int]:
    """Create or confirm one record; returns (row, 201 or 200) or raises 403 / 409.

    `content(row)` and `wanted` are the normalised contents compared for "same content":
    timestamps as aware UTC instants, absent optional fields as None, sets for unordered lists.
    `on_create(row)` runs inside the creating transaction, before its commit.
    """
    session = db.session
    # Insert first: a new record (the common case) costs no extra read. A UUID that exists
    # already fails on the primary key, and the stored row is then compared.
    row = model(id=record_id, **values)
    session.add(row)
    try:
        if on_create is not None:
            session.flush()
            on_create(row)
        session.commit()
        return row, 201
    except IntegrityError:
        session.rollback()
    row = session.get(model, record_id, populate_existing=True)
    if row is None:
        # The insert failed for another reason (a foreign key vanished meanwhile).
        raise conflict()
    if owner_id(row) != current_user.id:
        raise ApiError(403, gettext("This record belongs to another user."))
    if content(row) == wanted:
        return row, 200
    raise conflict()


def conflict() -> ApiError:
    return ApiError(
        409,
        gettext("Another record with this id already exists with different content."),
    )


def client_clock_offset() -> float | None:
    """Server clock minus the phone's clock (X-Client-Time), in seconds; None without one."""
    if "client_clock_offset" in g:
        return g.client_clock_offset
    offset = None
    header = request.headers.get("X-Client-Time")
    if header:
        try:
            client = datetime.fromisoformat(header.strip().replace("Z", "+00:00"))
            if client.tzinfo is not None:
                offset = (utcnow() - client).total_seconds()
        except ValueError:
            offset = None
    g.client_clock_offset = offset
    return offset


def clock_flags() -> tuple[list[str], float | None]:
    """(["clock_skew"], offset) when the phone's clock is off by more than the limit."""
    offset = client_clock_offset()
    limit: timedelta = current_app.config["CLOCK_SKEW_LIMIT"]
    if offset is not None and abs(offset) > limit.total_seconds():
        return ["clock_skew"], round(offset, 3)
    return [], None


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine; plenty within a city block)."""
    r = 6_371_008.8
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))
