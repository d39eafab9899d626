"""A safety walk's finding (a report with `walk_id` and no shift) once approved and turned into a
work order goes through every owner, crew, print, CSV and mail path with its own night (issue
22, point 1): `Report.night` is read and filtered on everywhere, never the shift's night (the
owner's property page answered 500 for good, the month page, CSV, PDF and the owners' mail left
the finding out, and the crew page, printed orders and the day crew's mail showed no night)."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from patrol.auth.models import User
from patrol.db import db, set_clock
from patrol.mail.rules import drain_outbox
from patrol.reports.models import Report
from patrol.review import actions
from patrol.schedule.rules import run_due_jobs
from patrol.signals import night_reviewed
from patrol.sites.models import Property
from tests.support.owners import build_world, login_page, pdf_text
from tests.support.safety import plan_walk_directly
from tests.support.smtp import SmtpServer

WALK_NIGHT = date(2026, 11, 26)
# 06:46 Stockholm the morning after the walk: the day crew's list is due.
DAY_CREW_TIME = datetime(2026, 11, 27, 5, 46, tzinfo=UTC)
OWNER_TEXT = "Belysningen vid cykelstället saknas (trygghetsvandring)."
ORDER_TEXT = "Sätt upp belysning vid cykelstället"


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def world(seeded, smtp):
    seeded.config.update(smtp.config(), PUBLIC_URL="https://p.example.se", MAIL_FROM="n@example.se")
    set_clock(seeded, datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    world = build_world(seeded)
    walk = plan_walk_directly(seeded, WALK_NIGHT)
    with seeded.app_context():
        guard = db.session.scalar(sa.select(User).where(User.username == "guard"))
        supervisor = db.session.get(User, world["supervisor"])
        prop = db.session.get(Property, world["prop_a"])
        finding = Report(
            id=uuid.uuid4(),
            walk_id=walk,
            walk_item=0,
            author_id=guard.id,
            night=WALK_NIGHT,
            property_id=prop.id,
            category="lighting",
            level="preventive",
            description="Mörkt vid cykelstället.",
            occurred_at=datetime(2026, 11, 26, 17, 30, tzinfo=UTC),
            photo_ids=[],
            flags=[],
        )
        db.session.add(finding)
        db.session.commit()
        actions.approve(finding, supervisor, "", OWNER_TEXT)
        order = actions.create_work_order(finding, supervisor, ORDER_TEXT, "Cykelstället", "high")
        world |= {"finding": finding.id, "finding_order": order.id}
    return world


def client_of(app, username: str):
    client = app.test_client()
    login_page(client, username)
    return client


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    body = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(body), delimiter=";"))


def test_a_walk_finding_reaches_every_owner_page_export_and_mail(seeded, world, smtp):
    owner = client_of(seeded, "owner")
    page = owner.get(f"/owner/properties/{world['prop_a']}")
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    assert f"/owner/reports/{world['finding']}" in page.get_data(as_text=True)
    report = owner.get(f"/owner/reports/{world['finding']}")
    assert report.status_code == 200 and OWNER_TEXT in report.get_data(as_text=True)

    month = owner.get("/owner/months/2026-11").get_data(as_text=True)
    card = month[month.index(f'id="prop-{world["prop_a"]}"') :]
    # Two preventive reports from the shift, and the walk's finding: three in November.
    preventive = re.search(r"Förebyggande</th>(.*?)</tr>", card, re.S).group(1)
    assert re.findall(r"<td>(\d+)</td>", preventive)[-1] == "3"
    rows = csv_rows(owner.get("/owner/months/2026-11/export.csv"))
    (walk_row,) = [row for row in rows if OWNER_TEXT in row]
    assert walk_row[0] == WALK_NIGHT.isoformat()
    pdf = owner.get("/owner/months/2026-11/export.pdf")
    assert pdf.status_code == 200 and OWNER_TEXT in pdf_text(pdf.data)

    # The owners' morning news for the walk's night has it.
    with seeded.app_context():
        supervisor = db.session.get(User, world["supervisor"])
        night_reviewed.send(seeded, night=WALK_NIGHT, by=supervisor, review=None)
        db.session.commit()
        while drain_outbox():
            pass
    mails = [m for _, rcpt, m in smtp.inbox.received if "agare.a@example.se" in rcpt]
    assert len(mails) == 1
    assert OWNER_TEXT in mails[0].get_body(("plain",)).get_content()


def test_a_walk_finding_reaches_the_crew_page_the_printed_orders_the_csv_and_the_crew_mail(
    seeded, world, smtp
):
    night = f"natten {WALK_NIGHT.isoformat()}"
    crew = client_of(seeded, "crew").get("/crew/").get_data(as_text=True)
    item = crew[crew.index(f'id="order-{world["finding_order"]}"') :]
    assert ORDER_TEXT in item and night in item.split("</li>")[0]

    boss = client_of(seeded, "supervisor")
    printed = boss.get("/review/work-orders/print").get_data(as_text=True)
    assert night in printed[printed.index(ORDER_TEXT) :].split("</li>")[0]
    rows = csv_rows(boss.get("/review/export.csv?what=work-orders&from=2026-11-26&to=2026-11-26"))
    (order_row,) = [row for row in rows if ORDER_TEXT in row]
    assert order_row[0] == WALK_NIGHT.isoformat()

    set_clock(seeded, DAY_CREW_TIME)
    with seeded.app_context():
        run_due_jobs(by="test")
        while drain_outbox():
            pass
    (mail,) = [m for _, rcpt, m in smtp.inbox.received if "dagpersonal@example.se" in rcpt]
    for kind, end in (("plain", "\n"), ("html", "</tr>")):
        text = mail.get_body((kind,)).get_content()
        assert night in text[text.index(ORDER_TEXT) :].split(end)[0], text
    (attachment,) = list(mail.iter_attachments())
    printed = pdf_text(attachment.get_content())
    assert f"Natten {WALK_NIGHT.isoformat()}" in printed
