"""Browser helpers for the supervisor's desk pages (review, alerts): a night with everything
on it, logging in through the login page, the layout and axe checks."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from playwright.sync_api import Page

from patrol.auth.models import User
from patrol.db import db
from patrol.push.models import SosAlert
from patrol.shifts.models import Shift
from tests.support.app import TEST_PASSWORD, Api
from tests.support.images import digest, jpeg_bytes
from tests.support.review import demo_places, login_page_client, sync_shift

SERIOUS = ("serious", "critical")


def seed_desk_night(app) -> dict:
    """The review night (2026-11-23) through the real APIs: a shift with check-ins, a report
    with two photos and an acute one, an empty shift, an open SOS, an SOS a supervisor
    acknowledged (Natten and the shift log keep it) and a work order."""
    places = demo_places(app)
    guard = Api(app)
    assert guard.login("guard").status_code == 200
    ids = sync_shift(guard, places)
    image = jpeg_bytes(480, 640)
    response = guard.put(
        f"/api/v1/reports/{ids['lighting']}/photos/{ids['missing_photo']}",
        data=image,
        headers={"Content-Type": "image/jpeg", "Content-Digest": digest(image)},
    )
    assert response.status_code == 201, response.json
    other = Api(app)
    assert other.login("supervisor").status_code == 200
    empty = str(uuid.uuid4())
    response = other.put(
        f"/api/v1/shifts/{empty}",
        json={"started_at": "2026-11-23T22:00:00+01:00", "ended_at": "2026-11-23T22:00:20+01:00"},
    )
    assert response.status_code == 201, response.json
    boss = login_page_client(app, "supervisor")
    response = boss.post(
        f"/review/reports/{ids['lighting']}/work-order",
        data={
            "csrf_token": boss.csrf,
            "what": "Byt lysrör i trapphuset, plan 2 (armaturen sitter löst)",
            "place": "Trapphus, plan 2",
            "priority": "high",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        guard_id = db.session.scalar(
            sa.select(Shift.guard_id).where(Shift.id == uuid.UUID(ids["shift"]))
        )
        sos = SosAlert(
            id=uuid.uuid4(),
            guard_id=guard_id,
            shift_id=uuid.UUID(ids["shift"]),
            occurred_at=datetime(2026, 11, 24, 0, 40, tzinfo=UTC),
            lat=places["cp1_lat"],
            lon=places["cp1_lon"],
            accuracy_m=12,
        )
        db.session.add(sos)
        supervisor_id = db.session.scalar(sa.select(User.id).where(User.username == "supervisor"))
        acknowledged = SosAlert(
            id=uuid.uuid4(),
            guard_id=guard_id,
            shift_id=uuid.UUID(ids["shift"]),
            occurred_at=datetime(2026, 11, 23, 22, 15, tzinfo=UTC),
            received_at=datetime(2026, 11, 23, 22, 15, 4, tzinfo=UTC),
            acknowledged_at=datetime(2026, 11, 23, 22, 16, 30, tzinfo=UTC),
            acknowledged_by_id=supervisor_id,
            note="Hotfull person vid port 2, polis larmad",
        )
        db.session.add(acknowledged)
        db.session.commit()
        ids["sos_acknowledged"] = str(acknowledged.id)
    ids["empty_shift"] = empty
    ids["places"] = places
    return ids


def log_in(page: Page, base_url: str, username: str = "supervisor") -> None:
    page.goto(base_url + "/login")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def set_theme(page: Page, base_url: str, theme: str) -> None:
    page.context.add_cookies([{"name": "theme", "value": theme, "url": base_url}])


def sideways_overflow(page: Page) -> dict | None:
    """None when the page fits its viewport's width; else the widths and the widest element."""
    return page.evaluate(
        """() => {
          const doc = document.documentElement;
          if (doc.scrollWidth <= window.innerWidth) return null;
          let widest = null;
          for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.right > window.innerWidth + 0.5 && (!widest || r.right > widest.right))
              widest = {tag: el.tagName, cls: el.className, right: r.right};
          }
          return {scrollWidth: doc.scrollWidth, innerWidth: window.innerWidth, widest};
        }"""
    )


def serious_axe_violations(page: Page) -> list[dict]:
    """axe-core (bundled by axe-playwright-python) on the page: the serious and critical
    violations, each with its rule, impact and the first offending elements."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in SERIOUS:
            found.append(
                {
                    "id": violation["id"],
                    "impact": violation["impact"],
                    "nodes": [
                        (n["target"], n.get("failureSummary", "")[:200])
                        for n in violation["nodes"][:3]
                    ],
                }
            )
    return found


def assert_accessible(page: Page, name: str) -> None:
    """No serious or critical axe-core finding on the page as it is now (online or offline:
    axe's script is injected from the test, not fetched)."""
    import json

    violations = serious_axe_violations(page)
    assert not violations, json.dumps({name: violations}, indent=1, ensure_ascii=False)
