"""Every page has a meta description (issue 21, point 8: Lighthouse's SEO audit missed it): each
HTML page without path parameters, as every role that can open it, and the guard app's shell."""

from __future__ import annotations

import re

import pytest

from patrol.guard.pages import SCREEN_PATHS
from tests.support.app import TEST_PASSWORD

DESCRIPTION = re.compile(r'<meta name="description" content="([^"]{40,})">')


def html_pages(app, client) -> dict[str, int]:
    """Every GET route without parameters that answers an HTML page, and how many it is."""
    answered = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.rule.startswith("/static"):
            continue
        response = client.get(rule.rule)
        if response.status_code == 200 and response.mimetype == "text/html":
            answered[rule.rule] = response.get_data(as_text=True)
    return answered


def log_in(app, username: str):
    client = app.test_client()
    if username:
        token = client.get("/api/v1/me").json["csrf_token"]
        response = client.post(
            "/login", data={"username": username, "password": TEST_PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302
    return client


@pytest.mark.parametrize("username", ["", "guard", "supervisor", "admin", "owner"])
def test_every_page_has_a_meta_description(seeded, username):
    pages = html_pages(seeded, log_in(seeded, username))
    assert pages, "no page answered"
    missing = [url for url, body in pages.items() if not DESCRIPTION.search(body)]
    assert missing == []
    if username in ("supervisor", "admin"):
        assert "/review/" in pages and "/admin/" in pages


def test_the_guard_shell_has_a_meta_description(client):
    for path in SCREEN_PATHS:
        body = client.get(path).get_data(as_text=True)
        assert DESCRIPTION.search(body), path
