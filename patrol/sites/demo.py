"""Demo data: Södra Sofielund in Malmö, a few owners, properties and checkpoints, and the
users guard / supervisor / admin (password `nattpatrull`), never in production."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from patrol.auth.actions import create_user
from patrol.auth.models import User
from patrol.auth.roles import ADMIN, GUARD, SUPERVISOR
from patrol.db import db
from patrol.sites.models import Area, Checkpoint, Organization, Property

DEMO_PASSWORD = "nattpatrull"
DEMO_USERS = (
    ("guard", "Väktare Demo", GUARD),
    ("supervisor", "Arbetsledare Demo", SUPERVISOR),
    ("admin", "Admin Demo", ADMIN),
)

# (owner, property name, address, lat, lon, checkpoints). Real streets of Södra Sofielund
# (with Seved); positions approximate the blocks.
DEMO_PROPERTIES = (
    (
        "MKB Fastighets AB",
        "Rasmusgatan 5",
        "Rasmusgatan 5, 214 36 Malmö",
        55.58712,
        13.01466,
        ("Entré", "Trapphus A", "Tvättstuga", "Cykelrum"),
    ),
    (
        "MKB Fastighets AB",
        "Jespersgatan 6",
        "Jespersgatan 6, 214 36 Malmö",
        55.58646,
        13.01375,
        ("Entré", "Trapphus A", "Trapphus B"),
    ),
    (
        "MKB Fastighets AB",
        "Lönngatan 22",
        "Lönngatan 22, 214 49 Malmö",
        55.58567,
        13.01590,
        ("Entré", "Garage", "Soprum"),
    ),
    (
        "MKB Fastighets AB",
        "Sevedsgatan 4",
        "Sevedsgatan 4, 214 37 Malmö",
        55.58755,
        13.01234,
        ("Entré", "Källare", "Tvättstuga"),
    ),
    (
        "Fastighets AB Sofielund",
        "Lantmannagatan 50",
        "Lantmannagatan 50, 214 48 Malmö",
        55.58860,
        13.01790,
        ("Entré", "Trapphus A", "Cykelrum"),
    ),
    (
        "Fastighets AB Sofielund",
        "Kopparbergsgatan 8",
        "Kopparbergsgatan 8, 214 44 Malmö",
        55.58990,
        13.01950,
        ("Entré", "Gård"),
    ),
    (
        "Fastighets AB Sofielund",
        "Ystadsgatan 53",
        "Ystadsgatan 53, 214 45 Malmö",
        55.58780,
        13.01070,
        ("Entré", "Trapphus A", "Garage", "Cykelrum"),
    ),
    (
        "Bostads AB Grängesberg",
        "Norra Grängesbergsgatan 15",
        "Norra Grängesbergsgatan 15, 214 50 Malmö",
        55.58490,
        13.02130,
        ("Entré", "Lastkaj", "Garage"),
    ),
    (
        "Bostads AB Grängesberg",
        "Sofielundsvägen 27",
        "Sofielundsvägen 27, 214 34 Malmö",
        55.58920,
        13.01380,
        ("Entré", "Trapphus A", "Tvättstuga"),
    ),
)

# Spread the checkpoints of one property a few metres around it.
_OFFSETS = ((0.0, 0.0), (0.00008, 0.00010), (-0.00007, 0.00012), (0.00009, -0.00011))


def seed_demo() -> list[str]:
    """Create the demo area and users when missing; returns what was created."""
    if current_app.config["ENV"] == "production":
        raise RuntimeError("demo data is never created in production")
    created = []
    if db.session.scalar(sa.select(Area).where(Area.name == "Södra Sofielund")) is None:
        area = Area(name="Södra Sofielund", city="Malmö")
        db.session.add(area)
        owners: dict[str, Organization] = {}
        code = 100
        for owner, name, address, lat, lon, labels in DEMO_PROPERTIES:
            org = owners.get(owner) or db.session.scalar(
                sa.select(Organization).where(Organization.name == owner)
            )
            if org is None:
                org = Organization(name=owner)
                db.session.add(org)
            owners[owner] = org
            prop = Property(
                area=area, organization=org, name=name, address=address, lat=lat, lon=lon
            )
            db.session.add(prop)
            for label, (dlat, dlon) in zip(labels, _OFFSETS, strict=False):
                code += 1
                db.session.add(
                    Checkpoint(
                        property=prop,
                        label=label,
                        short_code=f"S{code}",
                        lat=lat + dlat,
                        lon=lon + dlon,
                        radius_m=40.0,
                    )
                )
        db.session.commit()
        created.append("area Södra Sofielund")
    for username, name, role in DEMO_USERS:
        if db.session.scalar(sa.select(User).where(User.username == username)) is None:
            create_user(username, DEMO_PASSWORD, role, name)
            created.append(f"user {username}")
    return created
