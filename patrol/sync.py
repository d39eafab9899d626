"""The server side of the sync contract (architecture §5, §5a), shared by every record type.

A record is PUT to its own URL under the UUID the phone gave it. The first arrival creates it
(201); the same content again is the phone retrying after a lost answer (200); other content
under the same UUID is a conflict (409). Two identical PUTs racing each other both try to
insert; the database's primary key lets exactly one win, and the loser compares (200).
"""

from __future__ import annotations

import functools
import json
import math
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app, g, request
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from patrol.db import Base, db, utcnow
from patrol.errors import ApiError

Row = TypeVar("Row", bound=Base)


# A JSON body the server takes apart: no deeper than this, no number longer than this.
MAX_JSON_DEPTH = 16
MAX_JSON_NUMBER_CHARS = 32


class _RefusedJson(ValueError):
    """A JSON body the parser accepts but the server does not (see `json_body`)."""


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise _RefusedJson(gettext("A name appears twice in the same JSON object."))
    return dict(pairs)


def _bounded_number(text: str) -> int | float:
    if len(text) > MAX_JSON_NUMBER_CHARS:
        raise _RefusedJson(gettext("A number in the body is too long."))
    number = float(text) if any(c in text for c in ".eE") else int(text)
    if isinstance(number, float) and not math.isfinite(number):
        raise _RefusedJson(gettext("A number in the body is too large."))
    return number


def _refuse_constant(name: str):
    raise _RefusedJson(gettext("NaN and Infinity are not JSON numbers."))


def _depth(value: Any, limit: int) -> int:
    """How deeply `value` nests lists and objects, counting no further than `limit` + 1."""
    if limit < 0 or not isinstance(value, dict | list):
        return 0
    children = value.values() if isinstance(value, dict) else value
    return 1 + max((_depth(child, limit - 1) for child in children), default=0)


def json_body() -> dict:
    """The request's JSON object, or 400 with a message: not JSON, not an object, nested
    deeper than MAX_JSON_DEPTH, a number too long or not finite, or a name twice in one
    object (which value would count?). Text the database cannot hold is the schema's job
    (`patrol.fields.Text`)."""
    if not request.is_json:
        raise ApiError(400, gettext("The body must be a JSON object."))
    try:
        body = json.loads(
            request.get_data(cache=True).decode("utf-8"),  # strict: RFC 8259 JSON is UTF-8
            object_pairs_hook=_no_duplicate_keys,
            parse_int=_bounded_number,
            parse_float=_bounded_number,
            parse_constant=_refuse_constant,
        )
    except _RefusedJson as refused:
        raise ApiError(400, str(refused)) from None
    except RecursionError:
        raise ApiError(400, gettext("The JSON body is nested too deeply.")) from None
    except ValueError:  # not JSON, or not UTF-8 (UnicodeDecodeError)
        raise ApiError(400, gettext("The body must be a JSON object.")) from None
    if not isinstance(body, dict):
        raise ApiError(400, gettext("The body must be a JSON object."))
    if _depth(body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise ApiError(400, gettext("The JSON body is nested too deeply."))
    return body


def alone(view: Callable) -> Callable:
    """Mark a record route whose records never go in a batch (an SOS, an alarm): the phone
    sends them first and alone, so nothing queued before them can hold them up, and
    POST /api/v1/batch refuses them (patrol/batch.py)."""
    view.patrol_sync_alone = True
    return view


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

    The row is written with one Core INSERT rather than through the ORM's unit of work (a
    third of a check-in's time went to the flush). Without `on_create` the returned row is a
    transient instance built from the same values, never added to the session; with it, the
    row is read back in the same transaction (column defaults filled in, relationships
    loadable) and handed to `on_create`.
    """
    session = db.session
    # Insert first: a new record (the common case) costs no extra read. A UUID that exists
    # already fails on the primary key, and the stored row is then compared.
    try:
        values = {"received_at": utcnow(), **values}
        session.connection().execute(insert_statement(model), {"id": record_id, **values})
        if on_create is None:
            session.commit()
            return model(id=record_id, **values), 201
        row = session.get(model, record_id)
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


@functools.cache
def insert_statement(model: type[Base]) -> sa.Insert:
    """One INSERT statement object per table, its values given at execution: SQLAlchemy
    memoizes a statement object's cache key, so a reused statement is not rebuilt and hashed
    on every request (`.values(...)` per request cost more than the INSERT itself)."""
    return sa.insert(model.__table__)


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


def time_flags(moment: datetime, not_before: datetime | None = None) -> list[str]:
    """["implausible_time"] for a time a guard cannot have meant, accepted and flagged for the
    supervisor (architecture §2.3): later than the server's clock, or before its shift began,
    by more than IMPLAUSIBLE_TIME_MARGIN. Times outside 2000-2099 never get here (422)."""
    margin: timedelta = current_app.config["IMPLAUSIBLE_TIME_MARGIN"]
    if moment > utcnow() + margin or (not_before is not None and moment < not_before - margin):
        return ["implausible_time"]
    return []


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine; plenty within a city block)."""
    r = 6_371_008.8
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))
