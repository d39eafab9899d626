"""The two emails a user asks for one event at a time (issue 21, point 4), sent through the
outbox to a real SMTP server on loopback: "Akuta händelser när de godkänts" to the owners of an
acute report's property when a supervisor approves it, once per report; "Nya arbetsordrar" to
the day crew of the property's area when a work order is made. Both are chosen on the user's
admin page (which says what each sends) and the owner chooses the first on /owner/settings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from patrol.auth.actions import create_user
from patrol.auth.models import User
from patrol.db import db, set_clock
from patrol.mail.models import MailMessage
from patrol.mail.rules import drain_outbox
from patrol.owners.models import AcuteNotice
from patrol.shifts.models import Shift
from patrol.sites.models import Area, Property
from tests.support.app import TEST_PASSWORD
from tests.support.owners import DRAFT, EVENING, INTERNAL, add_report, build_world, login_page
from tests.support.review import login_page_client
from tests.support.smtp import SmtpServer

MORNING = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
PUBLIC = "https://patrull.example.se"


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def world(seeded, smtp):
    seeded.config.update(smtp.config(), PUBLIC_URL=PUBLIC, MAIL_FROM="Nattpatrull <n@example.se>")
    set_clock(seeded, MORNING)
    return build_world(seeded)


def prefer(app, user_id: int, *kinds: str, **values) -> None:
    with app.app_context():
        user = db.session.get(User, user_id)
        user.email_prefs = list(kinds)
        for name, value in values.items():
            setattr(user, name, value)
        db.session.commit()


def deliver(app) -> None:
    with app.app_context():
        while drain_outbox():
            pass


def to(smtp, address):
    return [m for _, rcpt, m in smtp.inbox.received if address in rcpt]


def approve(client, report_id, comment="ok", owner_text="Någon bröt upp dörren.") -> None:
    response = client.post(
        f"/review/reports/{report_id}/approve",
        data={"csrf_token": client.csrf, "comment": comment, "owner_text": owner_text},
    )
    assert response.status_code == 302, response.data


def test_an_acute_report_mails_the_owners_who_asked_once_when_approved(seeded, world, smtp):
    prefer(seeded, world["owner"], "morning_report", "acute_alerts")
    prefer(seeded, world["owner_b"], "acute_alerts")  # another organization's owner
    with seeded.app_context():
        silent = create_user(
            "owner_a2",
            TEST_PASSWORD,
            "owner",
            "Ägare A2",
            organization_id=world["org_a"],
            email="agare.a2@example.se",
            email_prefs=["morning_report"],  # did not ask for acute events
        ).id
    boss = login_page_client(seeded, "supervisor")
    # Approving a report that is not acute mails nobody.
    approve(boss, world["a_lamp"])
    deliver(seeded)
    assert smtp.inbox.received == []

    approve(boss, world["a_draft"], comment=INTERNAL)
    deliver(seeded)
    (mail,) = to(smtp, "agare.a@example.se")
    assert mail["To"] == "Ägare A <agare.a@example.se>"
    assert mail["Subject"].startswith("Akut händelse på ")
    assert mail["List-Unsubscribe"] == f"<{PUBLIC}/owner/settings>"
    text = mail.get_body(("plain",)).get_content()
    assert "Hej Ägare A," in text
    assert "Någon bröt upp dörren." in text
    assert f"{PUBLIC}/owner/reports/{world['a_draft']}" in text
    for secret in (INTERNAL, DRAFT):
        assert secret not in text
    assert to(smtp, "agare.b@example.se") == []
    assert to(smtp, "agare.a2@example.se") == []

    # Approving it again (a new comment) sends nothing more.
    approve(boss, world["a_draft"], comment="Ny kommentar")
    deliver(seeded)
    assert len(to(smtp, "agare.a@example.se")) == 1
    with seeded.app_context():
        notices = db.session.scalars(sa.select(AcuteNotice)).all()
        assert [(n.report_id, n.user_id) for n in notices] == [(world["a_draft"], world["owner"])]
        assert silent not in [n.user_id for n in notices]
        kinds = db.session.scalars(sa.select(MailMessage.kind)).all()
        assert kinds == ["owner_acute"]


def test_the_corrected_level_decides(seeded, world, smtp):
    """A report the guard filed as preventive that the supervisor corrects to acute is an acute
    event for the owner; one corrected down from acute is not."""
    prefer(seeded, world["owner"], "acute_alerts", language="en")
    boss = login_page_client(seeded, "supervisor")
    for report, level in ((world["a_graffiti"], "acute"), (world["a_draft"], "disturbance")):
        response = boss.post(
            f"/review/reports/{report}/correct",
            data={"csrf_token": boss.csrf, "category": "vandalism", "level": level, "comment": ""},
        )
        assert response.status_code == 302, response.data
        approve(boss, report)
    deliver(seeded)
    (mail,) = to(smtp, "agare.a@example.se")
    assert mail["Subject"].strip().startswith("Acute event at ")  # the owner's language
    assert f"/owner/reports/{world['a_graffiti']}" in mail.get_body(("plain",)).get_content()


def test_a_new_work_order_mails_the_crew_of_its_area(seeded, world, smtp):
    with seeded.app_context():
        prop = db.session.get(Property, world["props_a"][1])
        shift = db.session.scalar(sa.select(Shift))
        report = add_report(
            shift, prop, "door_lock", "disturbance", "Dörren går inte att låsa", EVENING
        )
        db.session.commit()
        report_id, prop_name = report.id, prop.name
        elsewhere = Area(name="Rosengård", city="Malmö", day_crew_emails=[])
        db.session.add(elsewhere)
        db.session.commit()
        crew = {
            "alla@example.se": [],  # no areas: every area
            "egen@example.se": [db.session.get(Area, prop.area_id)],
            "annan@example.se": [elsewhere],
        }
        for n, (email, areas) in enumerate(crew.items()):
            create_user(
                f"crew{n}",
                TEST_PASSWORD,
                "crew",
                f"Dag {n}",
                email=email,
                email_prefs=["work_orders"],
                areas=areas,
            )
        create_user("crew_quiet", TEST_PASSWORD, "crew", "Dag Tyst", email="tyst@example.se")
    boss = login_page_client(seeded, "supervisor")
    response = boss.post(
        f"/review/reports/{report_id}/work-order",
        data={
            "csrf_token": boss.csrf,
            "what": "Laga låset",
            "place": "Källaren",
            "priority": "high",
        },
    )
    assert response.status_code == 302, response.data
    deliver(seeded)
    (mail,) = to(smtp, "alla@example.se")
    assert mail["Subject"] == f"Ny arbetsorder på {prop_name}: Laga låset"
    text = mail.get_body(("plain",)).get_content()
    assert "Hej Dag 0," in text
    assert "[Hög] Laga låset (Källaren)" in text
    assert f"{PUBLIC}/crew/" in text
    assert len(to(smtp, "egen@example.se")) == 1
    assert to(smtp, "annan@example.se") == []
    assert to(smtp, "tyst@example.se") == []
    # A second work order for the same report is refused, and mails nobody.
    response = boss.post(
        f"/review/reports/{report_id}/work-order",
        data={"csrf_token": boss.csrf, "what": "Igen", "place": "", "priority": "low"},
    )
    assert response.status_code == 409
    deliver(seeded)
    assert len(to(smtp, "alla@example.se")) == 1


def test_the_admin_user_page_names_each_email_and_what_it_sends(seeded):
    admin = login_page_client(seeded, "admin")
    with seeded.app_context():
        owner_id = db.session.scalar(sa.select(User.id).where(User.username == "owner"))
    page = admin.get(f"/admin/users/{owner_id}").get_data(as_text=True)
    assert "Akuta händelser när de godkänts" in page
    assert "Akuta händelser direkt" not in page
    assert "ett mejl per akut rapport på organisationens fastigheter" in page
    assert "Nya arbetsordrar" in page
    assert "ett mejl per arbetsorder som skapas på en fastighet" in page


def test_the_owner_chooses_acute_events_on_the_settings_page(seeded, world):
    client = seeded.test_client()
    login_page(client, "owner")
    page = client.get("/owner/settings").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert "Akuta händelser när de godkänts" in page
    response = client.post(
        "/owner/settings",
        data={"csrf_token": token, "language": "sv", "morning_report": "on", "acute_alerts": "on"},
    )
    assert response.status_code == 302
    with seeded.app_context():
        assert db.session.get(User, world["owner"]).email_prefs == [
            "morning_report",
            "acute_alerts",
        ]
    page = client.get("/owner/settings").get_data(as_text=True)
    assert 'name="acute_alerts" checked' in page
    client.post("/owner/settings", data={"csrf_token": token, "language": "sv"})
    with seeded.app_context():
        assert db.session.get(User, world["owner"]).email_prefs == []
