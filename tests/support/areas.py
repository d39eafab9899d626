"""A second area for the area-assignment tests (issue 22, point 8)."""

from __future__ import annotations

import sqlalchemy as sa

from patrol.auth.models import User
from patrol.db import db
from patrol.sites.models import Area, Checkpoint, Organization, Property

OTHER_CODE = "R101"


def other_area_and_assignment(app) -> dict:
    """A second area (Rosengård) with one property and checkpoint; the guard is assigned to
    the demo area only."""
    with app.app_context():
        home = db.session.scalar(sa.select(Area).order_by(Area.id))
        other = Area(name="Rosengård", city="Malmö")
        org = db.session.scalar(sa.select(Organization).order_by(Organization.id))
        prop = Property(
            area=other, organization=org, name="Ramels väg 1", address="Ramels väg 1", lat=55.58
        )
        point = Checkpoint(
            property=prop,
            label="Soprum",
            short_code=OTHER_CODE,
            token="rosengard-soprum-token",
            radius_m=50.0,
        )
        db.session.add_all([other, prop, point])
        guard = db.session.scalar(sa.select(User).where(User.username == "guard"))
        guard.areas = [home]
        db.session.commit()
        own = db.session.scalar(
            sa.select(Checkpoint).join(Property).where(Property.area_id == home.id)
        )
        return {
            "property": prop.id,
            "checkpoint": point.id,
            "own_code": own.short_code,
            "own_property": own.property_id,
        }
