"""The integration API (issue 26, point 4): tokens with scopes for one owner or all, the
feeds of work orders, approved reports and alarms with `since` and a cursor, marking a work
order done, and the walls around it: a token reaches nothing but these routes and nothing
beyond its scope and owner, a session cookie reaches none of them, no guard is named."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from patrol.audit import AuditEvent
from patrol.db import db, set_clock
from patrol.integrations.models import IntegrationToken
from patrol.push.models import SosAlert
from patrol.review.models import WorkOrder
from patrol.sites.models import Property
from tests.support.integrations import TokenClient, bearer, make_token
from tests.support.owners import DRAFT, GUARD_NAME, INTERNAL, build_world

BASE = "/api/v1/integrations"
BUILT = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def world_of(app) -> dict:
    """The owners' world, made at BUILT by the server's clock (LATER is after it)."""
    set_clock(app, BUILT)
    return build_world(app)


def ids(items) -> set:
    return {item["id"] for item in items}


def test_an_owners_token_sees_that_owners_approved_records_and_nothing_else(seeded):
    world = world_of(seeded)
    a = TokenClient(seeded, make_token(seeded, world["org_a"]))
    orders = a.all_items(f"{BASE}/work-orders")
    assert ids(orders) == {world["a_order"], world["a_fixed"]}  # not B's, not the draft's
    reports = a.all_items(f"{BASE}/reports")
    assert ids(reports) == {str(world["a_lamp"]), str(world["a_graffiti"])}
    lamp = next(r for r in reports if r["id"] == str(world["a_lamp"]))
    assert lamp["text"] == "Belysningen i entrén var trasig."  # the owner's text, not internal
    assert lamp["level"] == "preventive" and lamp["work_order_id"] == world["a_order"]
    assert lamp["photo_count"] == 1 and lamp["property"]["id"] == world["prop_a"]
    fixed = next(o for o in orders if o["id"] == world["a_fixed"])
    assert fixed["status"] == "done" and fixed["done_note"] == "Klottret sanerat"
    assert fixed["done_by"] == "Dagpersonalen"  # the role, never the crew member's name
    # Another owner's or an unapproved report's work order: not found, as in the portal.
    for other in (world["b_order"], world["draft_order"]):
        assert a.get(f"{BASE}/work-orders/{other}").status_code == 404
    assert a.get(f"{BASE}/work-orders/{world['a_order']}").json["what"] == "Byt lysrör i entrén"

    everyone = TokenClient(seeded, make_token(seeded, None))
    assert ids(everyone.all_items(f"{BASE}/work-orders")) == {
        world["a_order"],
        world["a_fixed"],
        world["b_order"],
    }
    texts = " ".join(
        a.get(f"{BASE}/{feed}?limit=500").get_data(as_text=True)
        + everyone.get(f"{BASE}/{feed}?limit=500").get_data(as_text=True)
        for feed in ("work-orders", "reports", "alarms")
    )
    for secret in (GUARD_NAME, INTERNAL, DRAFT, "Dagpersonal Demo", "Lampan i entrén"):
        assert secret not in texts, secret


def test_paging_with_the_cursor_and_since_sees_every_change_once(seeded):
    world = world_of(seeded)
    client = TokenClient(seeded, make_token(seeded, None))
    first = client.get(f"{BASE}/work-orders", query_string={"limit": 2}).json
    assert len(first["items"]) == 2 and first["has_more"]
    rest = client.get(
        f"{BASE}/work-orders", query_string={"limit": 2, "cursor": first["next_cursor"]}
    ).json
    assert len(rest["items"]) == 1 and not rest["has_more"]
    seen = [o["id"] for o in first["items"] + rest["items"]]
    assert len(set(seen)) == 3
    # Nothing new: an empty page that keeps the cursor.
    idle = client.get(f"{BASE}/work-orders", query_string={"cursor": rest["next_cursor"]}).json
    assert idle == {"items": [], "next_cursor": rest["next_cursor"], "has_more": False}
    # The open order is done later: it comes again after the cursor, as a change.
    set_clock(seeded, LATER)
    done = client.put(
        f"{BASE}/work-orders/{world['a_order']}/status", json={"status": "done", "note": "Bytt"}
    )
    assert done.status_code == 200, done.json
    again = client.get(f"{BASE}/work-orders", query_string={"cursor": rest["next_cursor"]}).json
    assert [o["id"] for o in again["items"]] == [world["a_order"]]
    assert again["items"][0]["updated_at"] == LATER.isoformat()
    # since: only what changed at or after it.
    since = client.get(f"{BASE}/work-orders", query_string={"since": LATER.isoformat()}).json[
        "items"
    ]
    assert [o["id"] for o in since] == [world["a_order"]]


def test_marking_a_work_order_done_needs_write_and_its_owner(seeded):
    world = world_of(seeded)
    reader = TokenClient(seeded, make_token(seeded, world["org_a"], ["work-orders:read"]))
    writer = TokenClient(seeded, make_token(seeded, world["org_a"], ["work-orders:write"]))
    url = f"{BASE}/work-orders/{world['a_order']}/status"
    body = {"status": "done", "note": "Lysröret bytt av fastighetsskötaren"}
    refused = reader.put(url, json=body)
    assert refused.status_code == 403 and refused.json["error"] == "insufficient_scope"
    assert writer.put(f"{BASE}/work-orders/{world['b_order']}/status", json=body).status_code == 404
    for bad in (
        {"status": "open", "note": "x"},
        {"status": "done"},
        {"status": "done", "note": ""},
    ):
        response = writer.put(url, json=bad)
        assert response.status_code == 422 and response.json["errors"], bad
    set_clock(seeded, LATER)
    done = writer.put(url, json=body)
    assert done.status_code == 200 and done.json["status"] == "done"
    assert done.json["done_at"] == LATER.isoformat()
    # Again (the client lost the answer): 200, unchanged.
    again = writer.put(url, json={"status": "done", "note": "igen"})
    assert again.status_code == 200 and again.json["done_note"] == body["note"]
    with seeded.app_context():
        order = db.session.get(WorkOrder, world["a_order"])
        assert (order.status, order.done_note) == ("done", body["note"])
    # The write token cannot read the lists (its scope is the status only).
    assert writer.get(f"{BASE}/work-orders").status_code == 403


def test_each_scope_opens_only_its_own_routes(seeded):
    world = world_of(seeded)
    feeds = {
        "work-orders:read": "work-orders",
        "reports:read": "reports",
        "alarms:read": "alarms",
    }
    for scope in feeds:
        client = TokenClient(seeded, make_token(seeded, world["org_a"], [scope]))
        for other_scope, other in feeds.items():
            status = client.get(f"{BASE}/{other}").status_code
            assert status == (200 if other_scope == scope else 403), (scope, other)


def test_a_token_never_reaches_the_sync_review_or_admin_routes(seeded):
    text = make_token(seeded, None)
    client = seeded.test_client()
    for method, url in (
        ("GET", "/api/v1/sites"),
        ("GET", "/api/v1/me/shift"),
        ("GET", "/api/v1/sos"),
        ("PUT", f"/api/v1/shifts/{uuid.uuid4()}"),
        ("PUT", f"/api/v1/reports/{uuid.uuid4()}"),
    ):
        response = client.open(url, method=method, headers=bearer(text), json={})
        assert response.status_code in (401, 403, 404), (url, response.status_code)
        assert response.status_code != 200
    for url in ("/review/", "/admin/", "/admin/integrations/", "/owner/", "/crew/"):
        response = client.get(url, headers=bearer(text))
        assert response.status_code in (302, 401, 403), (url, response.status_code)
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SosAlert)) == 0


def test_a_session_cookie_never_reaches_the_integration_routes(api_as, seeded):
    world_of(seeded)
    admin = api_as("admin")
    for url in (f"{BASE}/work-orders", f"{BASE}/reports", f"{BASE}/alarms"):
        response = admin.get(url)
        assert response.status_code == 401 and response.json["error"] == "invalid_token"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    with seeded.app_context():
        order_id = db.session.scalar(sa.select(WorkOrder.id).where(WorkOrder.status == "open"))
    response = admin.put(
        f"{BASE}/work-orders/{order_id}/status", json={"status": "done", "note": "cookie"}
    )
    assert response.status_code == 401
    with seeded.app_context():
        assert db.session.get(WorkOrder, order_id).status == "open"


def test_bearer_requests_need_no_csrf_token_and_an_audit_event_per_use(seeded):
    world = world_of(seeded)
    text = make_token(seeded, world["org_a"], name="Underhållssystem")
    plain = seeded.test_client()  # no cookie, no CSRF token
    set_clock(seeded, LATER)
    response = plain.put(
        f"{BASE}/work-orders/{world['a_order']}/status",
        json={"status": "done", "note": "klart"},
        headers=bearer(text),
    )
    assert response.status_code == 200
    for _ in range(3):
        assert plain.get(f"{BASE}/reports", headers=bearer(text)).status_code == 200
    assert plain.get(f"{BASE}/alarms", headers=bearer(text)).status_code == 200
    with seeded.app_context():
        token = db.session.scalar(sa.select(IntegrationToken))
        assert token.token_hash == hashlib.sha256(text.encode()).hexdigest()
        assert token.last_used_at == LATER
        uses = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.entity == "integration_token", AuditEvent.action == "use")
            .order_by(AuditEvent.id)
        ).all()
        assert [u.changes["request"][1] for u in uses] == [
            f"PUT {BASE}/work-orders/{world['a_order']}/status",
            *[f"GET {BASE}/reports"] * 3,
            f"GET {BASE}/alarms",
        ]
        assert all(u.entity_id == token.id and u.actor_id is None for u in uses)


def test_last_use_is_written_at_most_once_a_minute(seeded):
    text = make_token(seeded, None)
    client = TokenClient(seeded, text)
    set_clock(seeded, LATER)
    client.get(f"{BASE}/reports")
    set_clock(seeded, LATER + timedelta(seconds=30))
    client.get(f"{BASE}/reports")
    with seeded.app_context():
        assert db.session.scalar(sa.select(IntegrationToken.last_used_at)) == LATER
    set_clock(seeded, LATER + timedelta(seconds=61))
    client.get(f"{BASE}/reports")
    with seeded.app_context():
        assert db.session.scalar(sa.select(IntegrationToken.last_used_at)) == LATER + timedelta(
            seconds=61
        )


def test_revoked_expired_unknown_and_malformed_tokens_are_401(seeded):
    set_clock(seeded, LATER)
    expiring = make_token(seeded, None, expires_at=LATER + timedelta(days=1))
    revoked = make_token(seeded, None, name="gammal")
    with seeded.app_context():
        token = db.session.scalar(
            sa.select(IntegrationToken).where(IntegrationToken.name == "gammal")
        )
        token.revoked_at = LATER
        db.session.commit()
    client = seeded.test_client()
    url = f"{BASE}/reports"
    assert client.get(url, headers=bearer(expiring)).status_code == 200
    assert client.get(url, headers=bearer(revoked)).status_code == 401
    for header in (
        "Bearer np_unknown",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer " + "x" * 5000,
        "Bearer np_\u00e5\u00e4\u00f6",
        expiring,  # without the scheme
    ):
        response = client.get(url, headers={"Authorization": header})
        assert response.status_code == 401 and response.json["error"] == "invalid_token", header
    set_clock(seeded, LATER + timedelta(days=1))
    assert client.get(url, headers=bearer(expiring)).status_code == 401


def test_hostile_query_values_are_clear_422s(seeded):
    client = TokenClient(seeded, make_token(seeded, None))
    for feed in ("work-orders", "reports", "alarms"):
        for query in (
            {"cursor": "not-a-cursor"},
            {"cursor": "eyJ0IjogIjIwMjYifQ"},  # {"t": "2026"}
            {"cursor": "eyJpIjogIngiLCAidCI6ICIyMDI2LTExLTI0VDA5OjMwOjAwKzAwOjAwIn0"},
            {"cursor": "\x00"},
            {"since": "9999-12-31T00:00:00Z"},
            {"since": "2026-11-24"},
            {"limit": "0"},
            {"limit": "501"},
            {"limit": "99999999999999999999"},
            {"unknown": "1"},
        ):
            response = client.get(f"{BASE}/{feed}", query_string=query)
            # NUL is refused for every route before the view (patrol.params): a 400.
            assert response.status_code in (400, 422), (feed, query, response.status_code)
            assert response.json["message"], (feed, query)
            if response.status_code == 422:
                assert response.json["errors"], (feed, query)


def test_alarms_are_scoped_by_the_property_they_happened_at(seeded):
    world = world_of(seeded)
    with seeded.app_context():
        prop_a = db.session.get(Property, world["prop_a"])
        prop_b = db.session.get(Property, world["prop_b"])
        guard_id = db.session.scalar(sa.text("SELECT id FROM users WHERE username = 'guard'"))
        at_a = SosAlert(
            id=uuid.uuid4(),
            guard_id=guard_id,
            occurred_at=LATER,
            received_at=LATER,
            lat=prop_a.lat,
            lon=prop_a.lon,
            note=f"{GUARD_NAME} behöver hjälp",
        )
        at_b = SosAlert(
            id=uuid.uuid4(),
            guard_id=guard_id,
            occurred_at=LATER,
            received_at=LATER + timedelta(seconds=1),
            lat=prop_b.lat,
            lon=prop_b.lon,
            acknowledged_at=LATER + timedelta(minutes=2),
            acknowledged_by_id=world["supervisor"],
        )
        nowhere = SosAlert(id=uuid.uuid4(), guard_id=guard_id, occurred_at=LATER, received_at=LATER)
        db.session.add_all([at_a, at_b, nowhere])
        db.session.commit()
        assert prop_a.lat is not None and prop_b.lat is not None
        a_id, b_id, nowhere_id = str(at_a.id), str(at_b.id), str(nowhere.id)
    a = TokenClient(seeded, make_token(seeded, world["org_a"], ["alarms:read"]))
    [alarm] = a.all_items(f"{BASE}/alarms")
    assert alarm["id"] == a_id and alarm["status"] == "open"
    assert alarm["property"]["id"] == world["prop_a"]
    b = TokenClient(seeded, make_token(seeded, world["org_b"], ["alarms:read"]))
    [alarm] = b.all_items(f"{BASE}/alarms")
    assert alarm["id"] == b_id and alarm["status"] == "acknowledged"
    everyone = TokenClient(seeded, make_token(seeded, None, ["alarms:read"]))
    listed = everyone.all_items(f"{BASE}/alarms")
    # Every alarm, the one at no property too; the acknowledged one last (its latest change).
    assert {x["id"] for x in listed} == {a_id, b_id, nowhere_id} and listed[-1]["id"] == b_id
    assert next(x for x in listed if x["id"] == nowhere_id)["property"] is None
    text = everyone.get(f"{BASE}/alarms").get_data(as_text=True)
    assert GUARD_NAME not in text and "lat" not in text


def test_the_openapi_document_names_the_bearer_scheme_and_each_scope(client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    paths = doc["paths"]
    for path, method, scope in (
        (f"{BASE}/work-orders", "get", "work-orders:read"),
        (f"{BASE}/work-orders/{{order_id}}", "get", "work-orders:read"),
        (f"{BASE}/work-orders/{{order_id}}/status", "put", "work-orders:write"),
        (f"{BASE}/reports", "get", "reports:read"),
        (f"{BASE}/alarms", "get", "alarms:read"),
    ):
        operation = paths[path][method]
        assert operation["security"] == [{"bearerToken": []}], path
        assert scope in operation["description"], path
        assert "X-Client-Time" not in str(operation.get("parameters", []))
    assert "IntegrationWorkOrderPage" in doc["components"]["schemas"]
