"""GET /api/v1/sites: the areas, properties and checkpoints the phone caches for the night."""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from flask import Blueprint, Response, request
from flask_login import current_user

from patrol.auth.roles import GUARD, OWNER, SITES_READER_ROLES
from patrol.db import db, utcnow
from patrol.openapi import documented
from patrol.security import roles_required
from patrol.sites.document import sites_parts
from patrol.sites.models import (
    Area,
    Checkpoint,
    Organization,
    Property,
    RetiredToken,
    token_sha256,
)
from patrol.sites.schemas import SitesOut

bp = Blueprint("sites", __name__)


def visible_areas() -> list[dict]:
    """What this user's phone may cache, active things only: a guard assigned to areas gets
    those areas (a guard with none assigned, supervisors and admins get every area); an owner
    only its own organisation's properties.

    Read as plain rows in three queries (no ORM objects): an operator's 3,000 checkpoints are
    read on every phone's sync, so this is a hot path (bench/sites.py)."""
    area_filter = [Area.active.is_(True)]
    if current_user.role == GUARD:
        assigned = [area.id for area in current_user.areas]
        if assigned:
            area_filter.append(Area.id.in_(assigned))
    property_filter = [Property.active.is_(True), Area.active.is_(True), *area_filter]
    if current_user.role == OWNER:
        property_filter.append(Property.organization_id == current_user.organization_id)

    areas = {
        row.id: {
            "id": row.id,
            "name": row.name,
            "city": row.city,
            "duty_phone": row.duty_phone,
            "properties": [],
        }
        for row in db.session.execute(
            sa.select(Area.id, Area.name, Area.city, Area.duty_phone)
            .where(*area_filter)
            .order_by(Area.name)
        )
    }
    properties = {}
    points = {}
    for row in db.session.execute(
        sa.select(
            Property.id,
            Property.area_id,
            Property.name,
            Property.address,
            Property.lat,
            Property.lon,
            Property.instructions,
            Property.instructions_changed_at,
            Organization.name.label("organization"),
        )
        .join(Area, Property.area_id == Area.id)
        .join(Organization, Property.organization_id == Organization.id)
        .where(*property_filter)
        .order_by(Property.name, Property.id)
    ):
        prop = row._asdict()
        del prop["area_id"]
        prop["checkpoints"] = []
        properties[row.id] = prop
        areas[row.area_id]["properties"].append(prop)
    for row in db.session.execute(
        sa.select(
            Checkpoint.id,
            Checkpoint.property_id,
            Checkpoint.label,
            Checkpoint.token,
            Checkpoint.lat,
            Checkpoint.lon,
            Checkpoint.radius_m,
            Checkpoint.instructions,
            Checkpoint.instructions_changed_at,
        )
        .join(Property, Checkpoint.property_id == Property.id)
        .join(Area, Property.area_id == Area.id)
        .where(Checkpoint.active.is_(True), *property_filter)
        .order_by(Checkpoint.label, Checkpoint.id)
    ):
        point = row._asdict()
        del point["property_id"]
        point["token_sha256"] = token_sha256(point.pop("token"))
        point["retired_token_sha256"] = []
        points[row.id] = point
        properties[row.property_id]["checkpoints"].append(point)
    # Old stickers ("Byt QR-kod"): their digests, so the phone tells the guard at once, offline
    # too, that a scan of one does not count for the round (architecture 5a).
    for row in db.session.execute(
        sa.select(RetiredToken.checkpoint_id, RetiredToken.token)
        .join(Checkpoint, RetiredToken.checkpoint_id == Checkpoint.id)
        .join(Property, Checkpoint.property_id == Property.id)
        .join(Area, Property.area_id == Area.id)
        .where(Checkpoint.active.is_(True), *property_filter)
        .order_by(RetiredToken.retired_at, RetiredToken.token)
    ):
        points[row.checkpoint_id]["retired_token_sha256"].append(token_sha256(row.token))
    if current_user.role == OWNER:
        return [area for area in areas.values() if area["properties"]]
    return list(areas.values())


@bp.get("/api/v1/sites")
@roles_required(*SITES_READER_ROLES)
@documented(responses={200: SitesOut, 304: None}, summary="Sites for the offline cache (ETag)")
def sites():
    # Features above sites add their parts (rounds: the planned routes), patrol.sites.document.
    body = json.dumps(
        SitesOut().dump({"areas": visible_areas(), **sites_parts(utcnow())}),
        ensure_ascii=False,
        sort_keys=True,
    ).encode()
    etag = hashlib.sha256(body).hexdigest()[:32]
    response = Response(body, mimetype="application/json")
    response.set_etag(etag)
    response.headers["Vary"] = "Cookie"
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)
