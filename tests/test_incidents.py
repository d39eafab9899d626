"""Threat and violence incidents (issue 23, point 6): the guard's report kind "Hot eller våld"
with what the employer must document, the desk's follow-up at /review/incidents (audited, with
a CSV), the injuries' own retention period and export-person, and that an incident never
reaches owners: not their portal, their mails, or the month's PDF and CSV."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from patrol.audit import AuditEvent
from patrol.auth.models import User
from patrol.db import db, set_clock
from patrol.mail.rules import drain_outbox
from patrol.privacy.export import person_data
from patrol.reports.models import IncidentDetails, Report
from patrol.review import actions as review_actions
from patrol.signals import night_reviewed
from tests.factories import new_id, start_shift
from tests.support.owners import NIGHT, build_world, login_page, pdf_text
from tests.support.review import login_page_client
from tests.support.smtp import SmtpServer

SECRET = "HOTADES-MED-KNIV-VID-PORTEN"
INJURY = "Skärsår på vänster hand"
MORNING = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
PUBLIC = "https://patrull.example.se"


def incident_body(shift_id, property_id, at, **details):
    return {
        "shift_id": shift_id,
        "property_id": property_id,
        "category": "threat_violence",
        "level": "acute",
        "description": SECRET,
        "occurred_at": at.isoformat(),
        "incident": {
            "exposed_roles": ["guard", "resident"],
            "witness_roles": ["visitor"],
            "injuries": INJURY,
            "police_report_number": "5000-K123456-26",
        }
        | details,
    }


@pytest.fixture
def guard_shift(seeded, api_as, places):
    guard = api_as("guard")
    now = datetime.now(UTC)
    return guard, start_shift(guard, now - timedelta(hours=1)), now


def test_the_guard_reports_an_incident_with_its_details_idempotently(seeded, guard_shift, places):
    guard, shift_id, now = guard_shift
    report_id = new_id()
    body = incident_body(shift_id, places["p1"], now - timedelta(minutes=5))
    response = guard.put(f"/api/v1/reports/{report_id}", json=body)
    assert response.status_code == 201, response.json
    assert response.json["incident"] == {
        "exposed_roles": ["guard", "resident"],
        "witness_roles": ["visitor"],
        "injuries": INJURY,
        "police_report_number": "5000-K123456-26",
        "closed": False,
    }
    # The same record again (roles in another order): 200. Other details: 409.
    again = body | {"incident": body["incident"] | {"exposed_roles": ["resident", "guard"]}}
    assert guard.put(f"/api/v1/reports/{report_id}", json=again).status_code == 200
    other = body | {"incident": body["incident"] | {"police_report_number": "annat"}}
    assert guard.put(f"/api/v1/reports/{report_id}", json=other).status_code == 409
    assert guard.get(f"/api/v1/reports/{report_id}").json["incident"]["injuries"] == INJURY
    with seeded.app_context():
        report = db.session.get(Report, uuid.UUID(report_id))
        assert report.is_incident and report.incident.exposed_roles == ["guard", "resident"]
        assert db.session.scalar(sa.select(sa.func.count()).where(Report.is_incident)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).where(~Report.is_incident)) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"incident": None}, "incident"),  # the details are required
        ({"category": "graffiti"}, "incident"),  # and only for this kind
        ({"incident": {"exposed_roles": []}}, "incident"),
        ({"incident": {"exposed_roles": ["Kalle Andersson"]}}, "incident"),  # roles, not names
        ({"incident": {"exposed_roles": ["guard"], "witness_roles": ["Lisa"]}}, "incident"),
        ({"incident": {"exposed_roles": ["guard", "guard"]}}, "incident"),
        ({"incident": {"exposed_roles": ["guard"], "police_report_number": "x" * 41}}, "incident"),
    ],
)
def test_bad_incident_details_get_a_clear_422(seeded, guard_shift, places, change, field):
    guard, shift_id, now = guard_shift
    body = incident_body(shift_id, places["p1"], now - timedelta(minutes=5)) | change
    response = guard.put(f"/api/v1/reports/{new_id()}", json=body)
    assert response.status_code == 422, response.json
    assert any(key.startswith(field) for key in response.json["errors"]), response.json


def make_incident(app, places) -> str:
    from tests.support.app import Api

    guard = Api(app)
    assert guard.login("guard").status_code == 200
    now = datetime.now(UTC)
    shift_id = start_shift(guard, now - timedelta(hours=1))
    report_id = new_id()
    body = incident_body(shift_id, places["p1"], now - timedelta(minutes=5))
    assert guard.put(f"/api/v1/reports/{report_id}", json=body).status_code == 201
    return report_id


def test_the_desk_lists_follows_up_and_closes_an_incident_audited(seeded, places, boss):
    report_id = make_incident(seeded, places)
    page = boss.get("/review/incidents").get_data(as_text=True)
    assert f"/review/incidents/{report_id}" in page and "5000-K123456-26" in page
    detail = boss.get(f"/review/incidents/{report_id}").get_data(as_text=True)
    assert SECRET in detail and INJURY in detail and "boende" in detail
    # Closing needs the measures.
    refused = boss.post(
        f"/review/incidents/{report_id}",
        data={"csrf_token": boss.csrf, "investigation": "Samtal med väktaren.", "close": "1"},
    )
    assert refused.status_code == 422
    assert "Skriv åtgärderna" in refused.get_data(as_text=True)
    done = boss.post(
        f"/review/incidents/{report_id}",
        data={
            "csrf_token": boss.csrf,
            "investigation": "Samtal med väktaren.",
            "measures": "Dubbelbemanning i området en månad.",
            "close": "1",
        },
    )
    assert done.status_code == 303
    with seeded.app_context():
        details = db.session.get(IncidentDetails, uuid.UUID(report_id))
        supervisor = db.session.scalar(sa.select(User).where(User.username == "supervisor"))
        assert details.closed_at is not None and details.closed_by_id == supervisor.id
        (event,) = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity == "incident"))
        assert event.action == "close" and event.actor_id == supervisor.id
        assert event.changes["measures"] == [None or "", "Dubbelbemanning i området en månad."]
    assert "Öppna" in boss.get("/review/incidents?show=closed").get_data(as_text=True)
    assert report_id in boss.get("/review/incidents?show=closed").get_data(as_text=True)
    assert report_id not in boss.get("/review/incidents?show=open").get_data(as_text=True)

    response = boss.get("/review/incidents.csv")
    assert response.mimetype == "text/csv"
    rows = list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    assert rows[0][:3] == ["Rapport", "Inträffade", "Fastighet"]
    (line,) = rows[1:]
    assert report_id in line and SECRET in line and INJURY in line
    assert "väktaren, boende" in line and "besökare" in line
    assert "Dubbelbemanning i området en månad." in line


def test_only_supervisors_and_admins_reach_the_incidents(seeded, places, api_as):
    report_id = make_incident(seeded, places)
    for username, status in (("guard", 403), ("owner", 403), ("admin", 200)):
        client = login_page_client(seeded, username) if username != "owner" else None
        if client is None:
            client = seeded.test_client()
            login_page(client, "owner")
        for url in ("/review/incidents", f"/review/incidents/{report_id}", "/review/incidents.csv"):
            assert client.get(url).status_code == status, (username, url)


def test_a_correction_neither_makes_nor_unmakes_an_incident(seeded, places, boss):
    report_id = make_incident(seeded, places)
    response = boss.post(
        f"/review/reports/{report_id}/correct",
        data={"csrf_token": boss.csrf, "category": "other", "level": "acute", "comment": ""},
    )
    assert response.status_code == 422
    with seeded.app_context():
        ordinary = db.session.scalar(sa.select(Report.id).where(~Report.is_incident).limit(1))
    assert ordinary is None  # no other report yet; the rule is checked on the incident


def test_injuries_have_their_own_retention_and_are_in_export_person(seeded, places):
    report_id = make_incident(seeded, places)
    with seeded.app_context():
        guard = db.session.scalar(sa.select(User).where(User.username == "guard"))
        data, _photos = person_data(guard)
        (exported,) = data["incidents"]
        assert exported["report_id"] == report_id and exported["injuries"] == INJURY
    runner = seeded.test_cli_runner()
    # Within the period: kept.
    set_clock(seeded, datetime.now(UTC) + timedelta(days=700))
    assert "injuries" in runner.invoke(args=["purge"]).output
    with seeded.app_context():
        assert db.session.get(IncidentDetails, uuid.UUID(report_id)).injuries == INJURY
    # PATROL_RETENTION_INJURIES_DAYS (730 by default) later: emptied, the incident stays.
    set_clock(seeded, datetime.now(UTC) + timedelta(days=731))
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    with seeded.app_context():
        details = db.session.get(IncidentDetails, uuid.UUID(report_id))
        assert details.injuries is None and details.injuries_purged_at is not None
        assert details.police_report_number == "5000-K123456-26"
        assert db.session.get(Report, uuid.UUID(report_id)).description == SECRET


# --- never to owners ---------------------------------------------------------------------------


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def owners_world(seeded, smtp):
    """The owners' world, plus an approved acute incident at owner A's property that night."""
    seeded.config.update(smtp.config(), PUBLIC_URL=PUBLIC, MAIL_FROM="Nattpatrull <n@example.se>")
    set_clock(seeded, MORNING)
    world = build_world(seeded)
    with seeded.app_context():
        lamp = db.session.get(Report, world["a_lamp"])
        incident = Report(
            id=uuid.uuid4(),
            shift_id=lamp.shift_id,
            property_id=world["prop_a"],
            category="threat_violence",
            level="acute",
            description=SECRET,
            occurred_at=lamp.occurred_at + timedelta(minutes=30),
            received_at=lamp.received_at + timedelta(minutes=30),
            photo_ids=[],
            flags=[],
        )
        db.session.add(incident)
        db.session.flush()
        db.session.add(
            IncidentDetails(
                report_id=incident.id,
                exposed_roles=["guard"],
                witness_roles=[],
                injuries=INJURY,
                police_report_number="",
                received_at=incident.received_at,
            )
        )
        owner = db.session.get(User, world["owner"])
        owner.email_prefs = ["morning_report", "acute_alerts"]
        db.session.commit()
        supervisor = db.session.get(User, world["supervisor"])
        review_actions.approve(incident, supervisor, "ok", SECRET + " (till ägaren)")
        world["incident"] = incident.id
    return world


def test_an_incident_never_reaches_the_owners_portal_or_month_exports(seeded, owners_world):
    world = owners_world
    client = seeded.test_client()
    login_page(client, "owner")
    month = NIGHT.strftime("%Y-%m")
    pages = [
        "/owner/",
        f"/owner/properties/{world['prop_a']}",
        f"/owner/months/{month}",
        f"/owner/months/{month}/export.csv",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        assert SECRET not in text and INJURY not in text, url
        assert "Hot eller våld" not in text and "threat_violence" not in text, url
    # The approved lamp report is there: the page is not empty by accident.
    assert "Belysningen i entrén var trasig." in client.get(
        f"/owner/months/{month}/export.csv"
    ).get_data(as_text=True)
    assert client.get(f"/owner/reports/{world['incident']}").status_code == 404
    pdf = client.get(f"/owner/months/{month}/export.pdf")
    assert pdf.status_code == 200
    text = pdf_text(pdf.data)
    assert SECRET not in text and "Hot eller våld" not in text
    assert "Belysningen i entrén var trasig." in text


def test_an_incident_never_reaches_the_owners_mails(seeded, owners_world, smtp):
    with seeded.app_context():
        supervisor = db.session.get(User, owners_world["supervisor"])
        night_reviewed.send(seeded, night=NIGHT, by=supervisor, review=None)
        db.session.commit()
        while drain_outbox():
            pass
    mails = [m for _, rcpt, m in smtp.inbox.received if "agare.a@example.se" in rcpt]
    assert mails, "the morning mail went out"
    for mail in mails:
        for part in mail.walk():
            if part.get_content_maintype() == "text":
                content = part.get_content()
                assert SECRET not in content and "Hot eller våld" not in content
    # The approved acute incident mailed no "acute event" to the owner who asks for them.
    assert all(not m["Subject"].startswith("Akut händelse") for m in mails)


def test_an_incident_never_reaches_integration_tokens_or_webhooks(seeded, owners_world, api_as):
    """The approved incident of owners_world is in no feed of an owner's token or an all-owners
    token; a later approved incident sends no `report.approved` webhook while an ordinary
    report approved beside it does (the subscription is working: the wall is not an outage)."""
    from patrol.outbox import drain_until_idle
    from patrol.sites.models import Property
    from patrol.webhooks.deliveries import DRAIN
    from tests.support.integrations import TokenClient, make_token, subscribe
    from tests.support.owners import add_report
    from tests.support.receiver import WebhookReceiver

    world = owners_world
    for owner in (world["org_a"], None):
        client = TokenClient(seeded, make_token(seeded, owner))
        for feed in ("reports", "work-orders", "alarms"):
            response = client.get(f"/api/v1/integrations/{feed}?limit=500")
            assert response.status_code == 200, feed
            text = response.get_data(as_text=True)
            assert str(world["incident"]) not in text, feed
            assert SECRET not in text and INJURY not in text, feed
            assert "threat_violence" not in text, feed
        assert str(world["a_lamp"]) in client.get(
            "/api/v1/integrations/reports?limit=500"
        ).get_data(as_text=True)

    receiver = WebhookReceiver(secret="").start()
    try:
        clock = lambda: MORNING  # noqa: E731  (the receiver's clock: the server's, set above)
        clock.now = clock
        with seeded.app_context():
            subscribe(api_as("admin"), receiver, clock, "Driftcentralen", None, ["report.approved"])
            supervisor = db.session.get(User, world["supervisor"])
            lamp = db.session.get(Report, world["a_lamp"])
            prop = db.session.get(Property, world["prop_a"])
            incident = add_report(lamp.shift, prop, "threat_violence", "acute", SECRET, MORNING)
            ordinary = add_report(lamp.shift, prop, "door_lock", "acute", "Porten", MORNING)
            db.session.commit()
            incident_id, ordinary_id = str(incident.id), str(ordinary.id)
            review_actions.approve(incident, supervisor, "", SECRET)
            review_actions.approve(ordinary, supervisor, "", "Porten var uppbruten.")
            drain_until_idle(DRAIN)
        got = [r.body.decode() for r in receiver.requests]
        assert any(ordinary_id in body for body in got), "the ordinary approval was sent"
        assert all(incident_id not in body and SECRET not in body for body in got)
        assert all(r.signature_ok for r in receiver.requests)
    finally:
        receiver.stop()
