"""GET /api/v1/sites: the areas, properties and checkpoints the phone caches for the night."""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from flask import Blueprint, Response, request
from flask_login import current_user
from sqlalchemy.orm import selectinload

from patrol.auth.roles import GUARD, OWNER, SITES_READER_ROLES
from patrol.db import db, utcnow
from patrol.openapi import documented
from patrol.rounds.rules import phone_routes
from patrol.security import roles_required
from patrol.sites.models import Area, Property
from patrol.sites.schemas import SitesOut

bp = Blueprint("sites", __name__)


def visible_areas() -> list[dict]:
    """What this user's phone may cache, active things only: a guard assigned to areas gets
    those areas (a guard with none assigned, supervisors and admins get every area); an owner
    only its own organisation's properties."""
    query = (
        sa.select(Area)
        .where(Area.active.is_(True))
        .options(
            selectinload(Area.properties).selectinload(Property.checkpoints),
            selectinload(Area.properties).selectinload(Property.organization),
        )
        .order_by(Area.name)
    )
    if current_user.role == GUARD:
        assigned = [area.id for area in current_user.areas]
        if assigned:
            query = query.where(Area.id.in_(assigned))
    shown = []
    for area in db.session.scalars(query):
        properties = [
            prop
            for prop in area.properties
            if prop.active
            and (current_user.role != OWNER or prop.organization_id == current_user.organization_id)
        ]
        if current_user.role == OWNER and not properties:
            continue
        shown.append(
            {
                "id": area.id,
                "name": area.name,
                "city": area.city,
                "duty_phone": area.duty_phone,
                "properties": [
                    {
                        "id": prop.id,
                        "name": prop.name,
                        "address": prop.address,
                        "lat": prop.lat,
                        "lon": prop.lon,
                        "organization": prop.organization.name,
                        "instructions": prop.instructions,
                        "instructions_changed_at": prop.instructions_changed_at,
                        "checkpoints": [c for c in prop.checkpoints if c.active],
                    }
                    for prop in properties
                ],
            }
        )
    return shown


@bp.get("/api/v1/sites")
@roles_required(*SITES_READER_ROLES)
@documented(responses={200: SitesOut, 304: None}, summary="Sites for the offline cache (ETag)")
def sites():
    # Planned rounds travel with the sites (patrol/rounds); owners do not patrol.
    routes = phone_routes(utcnow()) if current_user.role != "owner" else []
    body = json.dumps(
        SitesOut().dump({"areas": visible_areas(), "routes": routes}),
        ensure_ascii=False,
        sort_keys=True,
    ).encode()
    etag = hashlib.sha256(body).hexdigest()[:32]
    response = Response(body, mimetype="application/json")
    response.set_etag(etag)
    response.headers["Vary"] = "Cookie"
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)
