"""Helpers for the integration tests: tokens made as /admin/integrations makes them, and a
client that sends only `Authorization: Bearer`."""

from __future__ import annotations

import re

import sqlalchemy as sa

from patrol.auth.models import User
from patrol.db import db
from patrol.integrations.models import SCOPES, WebhookSubscription
from patrol.integrations.tokens import new_token

SECRET_SHOWN = re.compile(r'id="secret-text">([^<]+)<')


def make_token(app, organization_id, scopes=SCOPES, name="Fastighetssystem", expires_at=None):
    with app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        token, text = new_token(name, list(scopes), organization_id, admin.id, expires_at)
        db.session.commit()
        return text


def bearer(text: str) -> dict:
    return {"Authorization": f"Bearer {text}"}


class TokenClient:
    """A test client that is nobody but its token (no cookie, no CSRF token)."""

    def __init__(self, app, text: str):
        self.client = app.test_client()
        self.text = text

    def get(self, url, **kw):
        return self.client.get(url, headers=bearer(self.text), **kw)

    def put(self, url, json=None, **kw):
        return self.client.put(url, json=json, headers=bearer(self.text), **kw)

    def post(self, url, json=None, **kw):
        return self.client.post(url, json=json, headers=bearer(self.text), **kw)

    def all_items(self, path: str, limit: int = 1, **query) -> list[dict]:
        """Every item of a feed, page by page through next_cursor."""
        items, cursor = [], None
        for _ in range(1000):
            params = {"limit": limit, **query} | ({"cursor": cursor} if cursor else {})
            response = self.get(path, query_string=params)
            assert response.status_code == 200, response.json
            page = response.json
            items.extend(page["items"])
            cursor = page["next_cursor"]
            if not page["has_more"]:
                return items
        raise AssertionError("the feed never ended")


class TokenApi:
    """The hostile-input sweep's client for the integration routes: the shape of
    tests.support.app.Api (`.client`, `.headers()`), sending the token instead of a CSRF
    token, with no session."""

    def __init__(self, app, text: str):
        self.app = app
        self.client = app.test_client()
        self.text = text
        self.csrf = None

    def headers(self, extra=None):
        return bearer(self.text) | (extra or {})

    def get(self, url, **kw):
        return self.client.get(url, headers=self.headers(kw.pop("headers", None)), **kw)

    def put(self, url, json=None, **kw):
        return self.client.put(url, json=json, headers=self.headers(kw.pop("headers", None)), **kw)


def subscribe(admin, receiver, clock, name, organization_id, events) -> WebhookSubscription:
    """Through the admin page, as an admin does; the receiver learns the secret shown once."""
    page = admin.post(
        "/admin/integrations/subscriptions",
        data={
            "name": name,
            "url": receiver.url,
            "organization_id": "" if organization_id is None else str(organization_id),
            "events": events,
        },
    )
    assert page.status_code == 201, page.get_data(as_text=True)[:500]
    receiver.secret = SECRET_SHOWN.search(page.get_data(as_text=True)).group(1)
    receiver.now = clock.now
    assert receiver.secret not in admin.get("/admin/integrations/").get_data(as_text=True)
    return db.session.scalar(sa.select(WebhookSubscription).where(WebhookSubscription.name == name))
