"""GET /api/v1/sites: the areas, properties and checkpoints the phone caches for the night."""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from flask import Blueprint, Response, request
from flask_login import current_user
from sqlalchemy.orm import selectinload

from patrol.auth.roles import SITES_READER_ROLES
from patrol.db import db, utcnow
from patrol.openapi import documented
from patrol.rounds.rules import phone_routes
from patrol.security import roles_required
from patrol.sites.models import Area, Property
from patrol.sites.schemas import SitesOut

bp = Blueprint("sites", __name__)


def visible_areas() -> list[Area]:
    """Guards, supervisors and admins see every area; an owner only its own properties."""
    areas = db.session.scalars(
        sa.select(Area)
        .options(
            selectinload(Area.properties).selectinload(Property.checkpoints),
            selectinload(Area.properties).selectinload(Property.organization),
        )
        .order_by(Area.name)
    ).all()
    if current_user.role != "owner":
        return list(areas)
    shown = []
    for area in areas:
        own = [p for p in area.properties if p.organization_id == current_user.organization_id]
        if own:
            shown.append({"id": area.id, "name": area.name, "city": area.city, "properties": own})
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
