"""The owners' portal: what an owner sees of its own properties, and that nothing else is
reachable: every /owner/ route, generated from the URL map, answers 404 for another owner's ids
and for reports that are not approved, and never shows guards' names, drafts or internal
comments."""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa
from werkzeug.routing import Rule

from tests.support.owners import (
    B_TEXT,
    DRAFT,
    GUARD_NAME,
    INTERNAL,
    build_world,
    login_page,
    pdf_text,
)


@pytest.fixture
def world(seeded):
    return build_world(seeded)


def owner_client(app, username="owner"):
    client = app.test_client()
    login_page(client, username)
    return client


def owner_rules(app) -> list[Rule]:
    return sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint.startswith("owners.")),
        key=lambda r: r.rule,
    )


# For each URL argument of an /owner/ route: ids owner A must not reach (another owner's, or
# a report of A's own that is not approved). A new route with a new argument must be added
# here, or the access test fails.
def foreign_values(world) -> dict[str, list]:
    return {
        "property_id": [world["prop_b"], 999_999],
        "report_id": [world["b_window"], world["a_draft"]],
        "photo_id": [world["b_photo"], world["draft_photo"]],
        "order_id": [world["b_order"], world["draft_order"]],
    }


def own_values(world) -> dict[str, object]:
    return {
        "property_id": world["prop_a"],
        "report_id": world["a_lamp"],
        "photo_id": world["a_lamp_photo"],
        "order_id": world["a_fixed"],
        "month": "2026-11",
    }


def test_owner_sees_own_properties_reports_photos_and_work_orders(seeded, world):
    client = owner_client(seeded)
    from datetime import UTC, datetime

    from patrol.db import set_clock

    set_clock(seeded, datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    page = client.get("/owner/").get_data(as_text=True)
    assert world["prop_a_name"] in page
    assert world["prop_b_name"] not in page
    prop = client.get(f"/owner/properties/{world['prop_a']}").get_data(as_text=True)
    assert "Byt lysrör i entrén" in prop  # the open damage
    assert "Öppna skador" in prop
    report = client.get(f"/owner/reports/{world['a_lamp']}")
    assert report.status_code == 200
    text = report.get_data(as_text=True)
    assert "Belysningen i entrén var trasig." in text
    assert f"/owner/photos/{world['a_lamp_photo']}" in text
    photo = client.get(f"/owner/photos/{world['a_lamp_photo']}?size=thumb")
    assert photo.status_code == 200
    assert photo.mimetype == "image/jpeg"
    assert photo.data[:2] == b"\xff\xd8"


def test_every_owner_route_refuses_another_owners_ids(seeded, world):
    client = owner_client(seeded)
    foreign = foreign_values(world)
    own = own_values(world)
    checked = 0
    for rule in owner_rules(seeded):
        if "GET" not in rule.methods:
            continue
        for argument in sorted(rule.arguments):
            assert argument in own, f"{rule.rule}: add '{argument}' to the access test"
            if argument not in foreign:
                continue
            for bad in foreign[argument]:
                values = {a: own[a] for a in rule.arguments} | {argument: bad}
                url = _build(seeded, rule, values)
                response = client.get(url)
                assert response.status_code == 404, (url, response.status_code)
                checked += 1
        # The owner's own values work (and show nothing of B's or internal text).
        url = _build(seeded, rule, {a: own[a] for a in rule.arguments})
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        body = _text_of(response)
        for secret in (B_TEXT, DRAFT, INTERNAL, GUARD_NAME, world["prop_b_name"]):
            assert secret not in body, (url, secret)
    assert checked >= 8


def test_other_roles_never_reach_the_owner_pages(seeded, world):
    anonymous = seeded.test_client()
    for rule in owner_rules(seeded):
        url = _build(seeded, rule, own_values(world))
        assert anonymous.get(url).status_code == 302, url
    for username in ("guard", "supervisor", "crew"):
        client = seeded.test_client()
        login_page(client, username)
        for rule in owner_rules(seeded):
            url = _build(seeded, rule, own_values(world))
            assert client.get(url).status_code == 403, (username, url)


def test_owner_b_sees_only_b(seeded, world):
    client = owner_client(seeded, "owner_b")
    assert client.get(f"/owner/reports/{world['b_window']}").status_code == 200
    assert client.get(f"/owner/reports/{world['a_lamp']}").status_code == 404
    assert client.get(f"/owner/photos/{world['a_lamp_photo']}").status_code == 404
    assert client.get(f"/owner/properties/{world['prop_a']}").status_code == 404


def test_month_csv_has_only_own_approved_reports(seeded, world):
    client = owner_client(seeded)
    response = client.get("/owner/months/2026-11/export.csv")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][0] == "Natt"
    assert len(rows) == 3  # header + two approved reports of A
    texts = {row[7] for row in rows[1:]}
    assert texts == {"Belysningen i entrén var trasig.", "Klotter på porten mot gatan."}
    assert all(row[11].startswith("http") and "/owner/reports/" in row[11] for row in rows[1:])


def test_month_pdf_and_page(seeded, world):
    client = owner_client(seeded)
    pdf = client.get("/owner/months/2026-11/export.pdf")
    assert pdf.status_code == 200
    assert pdf.data.startswith(b"%PDF")
    page = client.get("/owner/months/2026-11").get_data(as_text=True)
    assert "<svg" in page and 'class="bar level-preventive"' in page
    # The table has the same figures as the chart: 2 preventive reports in November.
    card = page[page.index(f'id="prop-{world["prop_a"]}"') :]
    row = re.search(r"Förebyggande</th>(.*?)</tr>", card, re.S).group(1)
    assert re.findall(r"<td>(\d+)</td>", row)[-1] == "2"
    # Properties without approved reports share one line at the end: no tables of zeros.
    quiet = page[page.index('id="quiet-properties"') :]
    assert "Inga godkända rapporter under de här månaderna" in quiet
    shown = set(re.findall(r'href="/owner/properties/(\d+)"', quiet))
    carded = set(re.findall(r'id="prop-(\d+)"', page))
    assert str(world["prop_a"]) in carded and str(world["prop_a"]) not in shown
    assert shown | carded == {str(i) for i in world["props_a"]} and not shown & carded
    assert page.count('class="figures-table"') == len(carded)
    text = pdf_text(pdf.data)
    assert "Belysningen i entrén var trasig." in text
    # The PDF likewise: the quiet properties on one line after the tables.
    assert "Inga godkända rapporter under de här månaderna" in text
    quiet_line = text[text.index("Inga godkända rapporter under de här månaderna") :]
    quiet_line = quiet_line.split("Godkända rapporter,")[0]
    quiet_names = re.findall(r'href="/owner/properties/\d+">([^<]+)</a>', quiet)
    assert len(quiet_names) == len(shown)
    assert all(name in quiet_line for name in quiet_names)
    assert world["prop_a_name"] not in quiet_line
    assert client.get("/owner/months/2026-13").status_code == 404
    assert client.get("/owner/months/nonsense").status_code == 404


def test_owner_text_never_falls_back_to_the_internal_comment(seeded, world):
    client = owner_client(seeded)
    page = client.get(f"/owner/reports/{world['a_lamp']}").get_data(as_text=True)
    assert INTERNAL not in page
    assert GUARD_NAME not in page
    assert "55.587" not in page  # no position


def _build(app, rule: Rule, values: dict) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})


def _text_of(response) -> str:
    if response.mimetype == "application/pdf":
        text = pdf_text(response.data)
        assert "Belysningen" in text or "Inga godkända" in text  # the text is readable
        return text
    if response.mimetype.startswith("image/"):
        return ""
    return response.get_data(as_text=True)


def test_approving_writes_the_owner_text_apart_from_the_comment(seeded, world):
    supervisor = seeded.test_client()
    login_page(supervisor, "supervisor")
    page = supervisor.get(f"/review/reports/{world['a_draft']}").get_data(as_text=True)
    assert "Text till fastighetsägaren" in page
    # Prefilled with the guard's description.
    assert re.search(r'name="owner_text"[^>]*>' + DRAFT + "</textarea>", page)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    too_long = supervisor.post(
        f"/review/reports/{world['a_draft']}/approve",
        data={"csrf_token": token, "comment": "ok", "owner_text": "x" * 2001},
    )
    assert too_long.status_code == 422
    response = supervisor.post(
        f"/review/reports/{world['a_draft']}/approve",
        data={"csrf_token": token, "comment": INTERNAL, "owner_text": "Dörren var uppbruten."},
    )
    assert response.status_code == 302
    owner = owner_client(seeded)
    report = owner.get(f"/owner/reports/{world['a_draft']}").get_data(as_text=True)
    assert "Dörren var uppbruten." in report
    assert INTERNAL not in report and DRAFT not in report


def test_create_user_makes_an_owner_of_an_organization(seeded):
    runner = seeded.test_cli_runner()
    args = ["create-user", "agare2", "--role", "owner", "--password-stdin"]
    missing = runner.invoke(args=args, input="ett-bra-losenord\n")
    assert missing.exit_code != 0 and "--organization" in missing.output
    unknown = runner.invoke(args=[*args, "--organization", "Finns Inte AB"], input="ett-bra-lo\n")
    assert unknown.exit_code != 0 and "no organization" in unknown.output
    with seeded.app_context():
        from patrol.db import db
        from patrol.sites.models import Organization

        name = db.session.scalars(sa.select(Organization.name).order_by(Organization.id)).first()
    made = runner.invoke(
        args=[*args, "--organization", name, "--email", "agare2@example.se"],
        input="ett-bra-losenord\n",
    )
    assert made.exit_code == 0, made.output
    with seeded.app_context():
        from patrol.auth.models import User
        from patrol.db import db

        user = db.session.scalar(sa.select(User).where(User.username == "agare2"))
        assert user.role == "owner" and user.organization.name == name
        assert user.email == "agare2@example.se" and user.email_prefs == ["morning_report"]
