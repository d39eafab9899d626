"""/admin/integrations (issue 26, points 4-5): admins make a token for one owner or all with
its scopes and expiry, see it once, and revoke it; the list shows expiry and last use; the
forms refuse what they cannot use; supervisors and everyone else get 403."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from patrol.audit import AuditEvent
from patrol.db import db, set_clock
from patrol.integrations.models import IntegrationToken
from patrol.sites.models import Organization
from tests.support.integrations import bearer

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
TOKEN_SHOWN = re.compile(r'id="token-text">([^<]+)<')


def first_org(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Organization.id).order_by(Organization.id))


def test_a_token_is_shown_once_stored_as_its_hash_and_revocable(api_as, seeded):
    set_clock(seeded, NOW)
    admin = api_as("admin")
    org_id = first_org(seeded)
    page = admin.post(
        "/admin/integrations/tokens",
        data={
            "name": "MKB:s underhållssystem",
            "organization_id": str(org_id),
            "scopes": ["work-orders:read", "work-orders:write"],
            "expires": "90",
        },
    )
    assert page.status_code == 201
    html = page.get_data(as_text=True)
    text = TOKEN_SHOWN.search(html).group(1)
    assert text.startswith("np_") and len(text) == 46
    with seeded.app_context():
        token = db.session.scalar(sa.select(IntegrationToken))
        assert token.token_hash == hashlib.sha256(text.encode()).hexdigest()
        assert token.scopes == ["work-orders:read", "work-orders:write"]
        assert token.organization_id == org_id
        assert token.expires_at == NOW + timedelta(days=90)
        created = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.entity == "integration_token")
        )
        assert created.action == "create" and text not in str(created.changes)
        # The text is nowhere in the database.
        for table in ("integration_tokens", "audit_events"):
            rows = db.session.execute(sa.text(f"SELECT * FROM {table}")).all()
            assert text not in repr(rows)
    listing = admin.get("/admin/integrations/").get_data(as_text=True)
    assert text not in listing and text[:7] in listing
    assert "2027-02-22" in listing  # expires, in Stockholm's calendar
    client = seeded.test_client()
    assert client.get("/api/v1/integrations/work-orders", headers=bearer(text)).status_code == 200
    set_clock(seeded, NOW + timedelta(minutes=5))
    assert admin.post(f"/admin/integrations/tokens/{token.id}/revoke").status_code == 303
    assert client.get("/api/v1/integrations/work-orders", headers=bearer(text)).status_code == 401
    listing = admin.get("/admin/integrations/").get_data(as_text=True)
    assert "återkallad" in listing and "2026-11-24 09:00" in listing  # last used, Stockholm


def test_the_forms_refuse_what_they_cannot_use_and_keep_nothing(api_as, seeded):
    admin = api_as("admin")
    for data, field in (
        ({"name": "", "scopes": ["reports:read"], "expires": "30"}, "Ge den ett namn."),
        ({"name": "x", "scopes": [], "expires": "30"}, "Välj minst en behörighet."),
        ({"name": "x", "scopes": ["admin:all"], "expires": "30"}, "Välj minst en behörighet."),
        ({"name": "x", "scopes": ["reports:read"], "expires": "7"}, "Välj i listan."),
        (
            {"name": "x", "scopes": ["reports:read"], "expires": "", "organization_id": "999"},
            "Välj i listan.",
        ),
        ({"name": "x" * 121, "scopes": ["reports:read"], "expires": ""}, "Högst 120 tecken."),
    ):
        response = admin.post("/admin/integrations/tokens", data=data)
        assert response.status_code == 422, data
        assert field in response.get_data(as_text=True), data
    for data in (
        {"name": "x", "url": "ftp://example.se/hook", "events": ["report.approved"]},
        {"name": "x", "url": "https://example.se/\x01", "events": ["report.approved"]},
        {"name": "x", "url": "https://example.se/hook", "events": ["everything"]},
    ):
        assert admin.post("/admin/integrations/subscriptions", data=data).status_code == 422
    with seeded.app_context():
        for table in ("integration_tokens", "webhook_subscriptions"):
            assert db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() == 0


def test_only_admins_open_the_page(api_as, seeded):
    for role in ("supervisor", "guard", "owner"):
        client = api_as(role)
        assert client.get("/admin/integrations/").status_code == 403, role
        response = client.post(
            "/admin/integrations/tokens",
            data={"name": "x", "scopes": ["reports:read"], "expires": ""},
        )
        assert response.status_code == 403, role
    assert seeded.test_client().get("/admin/integrations/").status_code == 302
    admin_tabs = api_as("admin").get("/admin/").get_data(as_text=True)
    assert "/admin/integrations/" in admin_tabs
    assert "/admin/integrations/" not in api_as("supervisor").get("/admin/").get_data(as_text=True)
