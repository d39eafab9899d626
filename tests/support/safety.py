"""Helpers for the safety tests (issue 14): shifts and disturbance reports synced through the
real sync API."""

from __future__ import annotations

import uuid

from tests import factories
from tests.factories import new_id  # noqa: F401  (the safety tests import it from here)


def start_shift(api, started: str = "2026-11-23T19:35:00+01:00") -> str:
    return factories.start_shift(api, started)


def put_report(
    api,
    shift_id: str,
    property_id: int,
    checkpoint_id: int | None,
    occurred_at: str,
    *,
    level: str = "disturbance",
    category: str = "disturbance",
    description: str = "Hög musik och skrik i trapphuset.",
    report_id: str | None = None,
) -> str:
    """A disturbance report (201) at the property (and checkpoint)."""
    return factories.put_report(
        api,
        shift_id,
        property_id,
        report_id=report_id,
        checkpoint_id=checkpoint_id,
        category=category,
        level=level,
        description=description,
        occurred_at=occurred_at,
    )


def disturbances_on_nights(api, place: dict, nights: list[str]) -> list[str]:
    """One shift per night ("2026-11-03", ...) with a disturbance at 22:10 at the place
    ({"property": id, "checkpoint": id or None}); the report ids in order."""
    ids = []
    for night in nights:
        shift_id = start_shift(api, f"{night}T19:35:00+01:00")
        ids.append(
            put_report(
                api, shift_id, place["property"], place["checkpoint"], f"{night}T22:10:00+01:00"
            )
        )
    return ids


def acute_event_with_plan(app, entrances: list[tuple[str, str | None]], methods: list[str]) -> int:
    """An acute report by the demo guard (stored as the server stores a synced one, the night
    being the current one) and a supervisor's resident information plan for it; returns the
    plan id. `entrances` as (property name, checkpoint label or None)."""
    from datetime import datetime, timedelta

    import sqlalchemy as sa

    from patrol.auth.models import User
    from patrol.db import db, utcnow
    from patrol.nights import night_of
    from patrol.reports.models import Report
    from patrol.safety import resident_info
    from patrol.shifts.models import Shift
    from patrol.sites.models import Checkpoint, Property

    with app.app_context():
        guard = db.session.scalar(sa.select(User).where(User.username == "guard"))
        boss = db.session.scalar(sa.select(User).where(User.username == "supervisor"))
        started: datetime = utcnow() - timedelta(hours=2)
        shift = Shift(
            id=uuid.uuid4(), guard_id=guard.id, started_at=started, night=night_of(started)
        )
        db.session.add(shift)

        def place(name: str, label: str | None) -> tuple[int, int | None]:
            prop = db.session.scalar(sa.select(Property).where(Property.name == name))
            if label is None:
                return prop.id, None
            cp = db.session.scalar(
                sa.select(Checkpoint).where(
                    Checkpoint.property_id == prop.id, Checkpoint.label == label
                )
            )
            return prop.id, cp.id

        chosen = [place(name, label) for name, label in entrances]
        report = Report(
            id=uuid.uuid4(),
            shift_id=shift.id,
            property_id=chosen[0][0],
            checkpoint_id=chosen[0][1],
            category="fire_smoke",
            level="acute",
            description="Explosion i trapphuset; polisen har hävt avspärrningen.",
            occurred_at=started + timedelta(hours=1),
        )
        db.session.add(report)
        db.session.commit()
        plan = resident_info.create_plan(
            boss,
            report=report,
            methods=methods,
            message="Information till de boende om explosionen. Polisen utreder.",
            entrances=chosen,
        )
        return plan.id


def assert_phone_layout(page, width: int = 390, smallest: int = 48) -> None:
    """No sideways scrolling and no visible control lower than 48 px (one thumb, gloves)."""
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    too_small = page.evaluate(
        """min => Array.from(document.querySelectorAll(
              'button, a.button, input:not([type=radio]):not([type=checkbox]):not([type=file]), select, textarea'))
            .filter(e => e.offsetParent !== null && !e.closest('[hidden]'))
            .map(e => [e.textContent.trim() || e.name || e.id, e.getBoundingClientRect().height])
            .filter(([, h]) => h < min)""",
        smallest,
    )
    assert too_small == [], too_small


def pdf_text(data: bytes) -> str:
    """The text of every page of a PDF (pypdfium2), to check what a PDF says."""
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


CHECKLIST = ["Belysning fungerar", "Buskage klippt", "Entrédörren går i lås", "Klotter"]


def make_checklist_and_walk(app, admin, boss, walk_date: str) -> int:
    """An admin's checklist and a supervisor's walk of the demo area on `walk_date`, through
    the pages; returns the walk id."""
    import re

    import sqlalchemy as sa

    from patrol.db import db
    from patrol.sites.models import Area

    response = admin.post(
        "/admin/checklists",
        data={"csrf_token": admin.csrf, "name": "Standard", "items": "\n".join(CHECKLIST)},
    )
    assert response.status_code == 302, response.data
    with app.app_context():
        area_id = db.session.scalar(sa.select(Area.id).order_by(Area.id))
        template_id = db.session.scalar(sa.text("SELECT id FROM checklist_templates"))
    response = boss.post(
        "/review/walks",
        data={
            "csrf_token": boss.csrf,
            "area": str(area_id),
            "walk_date": walk_date,
            "template": str(template_id),
            "participants": "Hyresgästföreningen, MKB förvaltare, Malmö stad, polisen",
        },
    )
    assert response.status_code == 302, response.data
    return int(re.search(r"/review/walks/(\d+)$", response.headers["Location"]).group(1))


def plan_walk_directly(app, walk_date) -> int:
    """A checklist and a walk of the demo area on `walk_date`, as the pages store them."""
    import sqlalchemy as sa

    from patrol.auth.models import User
    from patrol.db import db
    from patrol.safety.models import ChecklistTemplate, SafetyWalk
    from patrol.sites.models import Area

    with app.app_context():
        template = ChecklistTemplate(name="Standard", items=CHECKLIST)
        db.session.add(template)
        db.session.flush()
        walk = SafetyWalk(
            area_id=db.session.scalar(sa.select(Area.id).order_by(Area.id)),
            walk_date=walk_date,
            participants="Hyresgästföreningen, MKB förvaltare, Malmö stad, polisen",
            template_id=template.id,
            items=list(CHECKLIST),
            created_by_id=db.session.scalar(
                sa.select(User.id).where(User.username == "supervisor")
            ),
        )
        db.session.add(walk)
        db.session.commit()
        return walk.id
