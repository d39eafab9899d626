"""A small world for the owners' tests: two owners' properties with approved, unapproved and
repaired reports, photos on disk, owner users with email, a crew user, all through the models
and the review actions the supervisor's pages call."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from patrol.auth.actions import create_user
from patrol.auth.models import User
from patrol.db import db
from patrol.owners import actions as crew_actions
from patrol.reports.images import clean_photo
from patrol.reports.models import Photo, Report
from patrol.reports.storage import photo_store
from patrol.review import actions
from patrol.shifts.models import Shift
from patrol.sites.models import Area, Organization, Property
from tests.support.app import TEST_PASSWORD
from tests.support.images import jpeg_bytes

NIGHT = date(2026, 11, 23)
# 23:10 Stockholm on the night of NIGHT.
EVENING = datetime(2026, 11, 23, 22, 10, tzinfo=UTC)

# Text that must never reach an owner (or, for B's, never reach owner A).
GUARD_NAME = "Väktare Hemligsson"
INTERNAL = "INTERNAL-COMMENT-ONLY-FOR-SUPERVISORS"
DRAFT = "DRAFT-NOT-YET-APPROVED"
B_TEXT = "B-OWNERS-TEXT-NEVER-FOR-A"


def add_photo(report: Report, color=(180, 40, 40)) -> Photo:
    clean = clean_photo(jpeg_bytes(color=color), max_pixels=40_000_000, thumbnail_edge=320)
    photo_id = uuid.uuid4()
    sha = hashlib.sha256(clean.data).hexdigest()
    photo = Photo(
        id=photo_id,
        report_id=report.id,
        sha256=sha,
        content_type=clean.content_type,
        width=clean.width,
        height=clean.height,
        bytes=len(clean.data),
        storage_key=f"{report.id}/{photo_id}.jpg",
        # A JPEG kept byte for byte has its thumbnail made later (queued: None), as on upload.
        thumbnail_key=f"{report.id}/{photo_id}.thumb.jpg" if clean.thumbnail else None,
    )
    files = [(photo.storage_key, clean.data)]
    if clean.thumbnail:
        files.append((photo.thumbnail_key, clean.thumbnail))
    photo_store().save(*files)
    report.photo_ids = sorted([*report.photo_ids, str(photo_id)])
    db.session.add(photo)
    return photo


def add_report(shift, prop, category, level, description, at, checkpoint=None) -> Report:
    report = Report(
        id=uuid.uuid4(),
        shift_id=shift.id,
        property_id=prop.id,
        checkpoint_id=checkpoint.id if checkpoint else None,
        category=category,
        level=level,
        description=description,
        occurred_at=at,
        received_at=at + timedelta(minutes=1),
        lat=55.587,
        lon=13.014,
        photo_ids=[],
        flags=[],
    )
    db.session.add(report)
    db.session.flush()
    return report


def build_world(app) -> dict:
    """Needs the `seeded` app (demo area, users guard/supervisor/admin/owner)."""
    with app.app_context():
        area = db.session.scalar(sa.select(Area))
        area.day_crew_emails = ["dagpersonal@example.se", "fastighetsskotare@example.se"]
        orgs = list(db.session.scalars(sa.select(Organization).order_by(Organization.id)))
        org_a, org_b = orgs[0], orgs[1]
        props_a = list(
            db.session.scalars(
                sa.select(Property)
                .where(Property.organization_id == org_a.id)
                .order_by(Property.id)
            )
        )
        prop_b = db.session.scalar(
            sa.select(Property).where(Property.organization_id == org_b.id).order_by(Property.id)
        )
        owner = db.session.scalar(sa.select(User).where(User.username == "owner"))
        owner.email = "agare.a@example.se"
        owner.email_prefs = ["morning_report"]
        owner.display_name = "Ägare A"
        db.session.commit()
        owner_b = create_user(
            "owner_b",
            TEST_PASSWORD,
            "owner",
            "Ägare B",
            organization_id=org_b.id,
            email="agare.b@example.se",
            email_prefs=["morning_report"],
            language="en",
        )
        crew = create_user("crew", TEST_PASSWORD, "crew", "Dagpersonal Demo")
        guard = db.session.scalar(sa.select(User).where(User.username == "guard"))
        guard.display_name = GUARD_NAME
        supervisor = db.session.scalar(sa.select(User).where(User.username == "supervisor"))
        shift = Shift(
            id=uuid.uuid4(),
            guard_id=guard.id,
            started_at=EVENING - timedelta(hours=3),
            ended_at=EVENING + timedelta(hours=6),
            night=NIGHT,
            flags=[],
        )
        db.session.add(shift)
        db.session.flush()
        checkpoint = props_a[0].checkpoints[0]
        a_lamp = add_report(
            shift,
            props_a[0],
            "lighting",
            "preventive",
            "Lampan i entrén är trasig",
            EVENING,
            checkpoint,
        )
        add_photo(a_lamp)
        a_graffiti = add_report(
            shift, props_a[0], "graffiti", "preventive", "Klotter på porten", EVENING
        )
        a_draft = add_report(
            shift, props_a[1], "vandalism", "acute", DRAFT, EVENING + timedelta(hours=1)
        )
        draft_photo = add_photo(a_draft, (0, 0, 200))
        b_window = add_report(shift, prop_b, "window", "disturbance", "Krossad ruta", EVENING, None)
        b_photo = add_photo(b_window, (0, 200, 0))
        db.session.commit()

        actions.approve(a_lamp, supervisor, INTERNAL, "Belysningen i entrén var trasig.")
        actions.approve(a_graffiti, supervisor, "", "Klotter på porten mot gatan.")
        actions.approve(b_window, supervisor, INTERNAL, B_TEXT)
        a_order = actions.create_work_order(
            a_lamp, supervisor, "Byt lysrör i entrén", "Entré", "high"
        )
        b_order = actions.create_work_order(b_window, supervisor, "Byt ruta", "", "normal")
        draft_order = actions.create_work_order(a_draft, supervisor, "Laga dörr", "", "normal")
        a_fixed = actions.create_work_order(a_graffiti, supervisor, "Sanera klotter", "", "low")
        repair = jpeg_bytes(color=(40, 160, 40))
        crew_actions.complete(a_fixed, crew, "Klottret sanerat", repair)
        crew_actions.complete(b_order, crew, "Ny ruta isatt", repair)
        return {
            "org_a": org_a.id,
            "org_b": org_b.id,
            "props_a": [p.id for p in props_a],
            "prop_a": props_a[0].id,
            "prop_a_name": props_a[0].name,
            "prop_b": prop_b.id,
            "prop_b_name": prop_b.name,
            "owner": owner.id,
            "owner_b": owner_b.id,
            "crew": crew.id,
            "supervisor": supervisor.id,
            "a_lamp": a_lamp.id,
            "a_graffiti": a_graffiti.id,
            "a_lamp_photo": a_lamp.photos[0].id if a_lamp.photos else None,
            "a_draft": a_draft.id,
            "draft_photo": draft_photo.id,
            "b_window": b_window.id,
            "b_photo": b_photo.id,
            "a_order": a_order.id,
            "b_order": b_order.id,
            "draft_order": draft_order.id,
            "a_fixed": a_fixed.id,
        }


def login_page(client, username: str, password: str = TEST_PASSWORD):
    """Log in through the HTML login form (CSRF token from the page)."""
    import re

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert response.status_code in (302, 303), response.status_code
    return token


def csrf_of(client, url: str) -> str:
    import re

    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def pdf_text(data: bytes) -> str:
    """The PDF's text as a reader sees it (pypdfium2, Chromium's PDF engine)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        return " ".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def add_history(app, world: dict) -> None:
    """Approved reports on owner A's first property in the months before NIGHT, so the month's
    chart has something to compare with."""
    with app.app_context():
        guard = db.session.scalar(sa.select(User).where(User.username == "guard"))
        supervisor = db.session.get(User, world["supervisor"])
        prop = db.session.get(Property, world["prop_a"])
        plan = {  # month -> (category, level) per report
            date(2026, 6, 10): [("litter", "preventive")] * 2,
            date(2026, 7, 14): [("lighting", "preventive"), ("disturbance", "disturbance")],
            date(2026, 8, 20): [("graffiti", "preventive")] * 3 + [("intrusion", "acute")],
            date(2026, 9, 5): [("door_lock", "preventive"), ("disturbance", "disturbance")] * 2,
            date(2026, 10, 12): [("window", "preventive"), ("fire_smoke", "acute")],
        }
        for night, items in plan.items():
            start = datetime.combine(night, datetime.min.time(), tzinfo=UTC) + timedelta(hours=19)
            shift = Shift(
                id=uuid.uuid4(),
                guard_id=guard.id,
                started_at=start,
                ended_at=start + timedelta(hours=8),
                night=night,
                flags=[],
            )
            db.session.add(shift)
            db.session.flush()
            reports = [
                add_report(shift, prop, category, level, "Tidigare", start + timedelta(hours=n))
                for n, (category, level) in enumerate(items)
            ]
            db.session.commit()
            for report in reports:
                actions.approve(report, supervisor, "", "Åtgärdat enligt rutin.")
