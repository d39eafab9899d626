"""GET /api/v1/sites, the OpenAPI document, error pages and security headers."""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa

from patrol.db import db
from patrol.sites.models import Checkpoint


def test_sites_lists_checkpoints_with_token_hashes_only(api_as, seeded):
    guard = api_as("guard")
    response = guard.get("/api/v1/sites")
    assert response.status_code == 200
    assert response.headers["Vary"] == "Cookie"
    assert response.headers["ETag"]
    areas = response.json["areas"]
    assert [a["name"] for a in areas] == ["Södra Sofielund"]
    properties = areas[0]["properties"]
    assert 8 <= len(properties) <= 10
    with seeded.app_context():
        checkpoints = db.session.scalars(sa.select(Checkpoint)).all()
        tokens = {c.id: c.token for c in checkpoints}
        codes = [c.short_code for c in checkpoints]
    body = response.get_data(as_text=True)
    for prop in properties:
        assert 2 <= len(prop["checkpoints"]) <= 4
        for cp in prop["checkpoints"]:
            expected = hashlib.sha256(tokens[cp["id"]].encode()).hexdigest()
            assert cp["token_sha256"] == expected
            assert set(cp) == {
                "id",
                "label",
                "token_sha256",
                "retired_token_sha256",
                "lat",
                "lon",
                "radius_m",
                "instructions",
                "instructions_changed_at",
            }
    # Neither a token nor a short code is handed out.
    assert not any(token in body for token in tokens.values())
    assert not any(f'"{code}"' in body for code in codes)


def test_sites_etag_gives_304_and_changes_with_the_data(api_as, seeded):
    guard = api_as("guard")
    first = guard.get("/api/v1/sites")
    etag = first.headers["ETag"]
    again = guard.get("/api/v1/sites", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    with seeded.app_context():
        checkpoint = db.session.scalar(sa.select(Checkpoint).order_by(Checkpoint.id))
        checkpoint.label = "Entré (ny)"
        db.session.commit()
    changed = guard.get("/api/v1/sites", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def test_owner_sees_only_its_own_properties(api_as, seeded):
    owner_sites = api_as("owner").get("/api/v1/sites").json["areas"]
    guard_sites = api_as("guard").get("/api/v1/sites").json["areas"]
    owned = {p["organization"] for a in owner_sites for p in a["properties"]}
    assert len(owned) == 1
    assert sum(len(a["properties"]) for a in owner_sites) < sum(
        len(a["properties"]) for a in guard_sites
    )
    assert seeded.test_client().get("/api/v1/sites").status_code == 401


def test_openapi_document_describes_the_sync_api(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for path, method in [
        ("/api/v1/shifts/{shift_id}", "put"),
        ("/api/v1/checkins/{checkin_id}", "put"),
        ("/api/v1/reports/{report_id}", "put"),
        ("/api/v1/reports/{report_id}", "get"),
        ("/api/v1/reports/{report_id}/photos/{photo_id}", "put"),
        ("/api/v1/sites", "get"),
        ("/api/v1/me", "get"),
        ("/api/v1/session", "post"),
        ("/api/v1/session", "delete"),
    ]:
        assert method in paths[path], (path, method)
    schemas = spec["components"]["schemas"]
    checkin = schemas["CheckInIn"]["properties"]
    assert {"checkpoint_token", "checkpoint_code", "checkpoint_id", "method"} <= set(checkin)
    assert schemas["ReportIn"]["properties"]["level"]["enum"] == [
        "preventive",
        "disturbance",
        "acute",
    ]
    photo_put = paths["/api/v1/reports/{report_id}/photos/{photo_id}"]["put"]
    assert "image/jpeg" in photo_put["requestBody"]["content"]
    json.dumps(spec)  # serialisable as a whole


def test_html_errors_are_swedish_pages_without_traces(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Hittades inte." in html and "<html" in html


def test_unexpected_errors_never_show_a_trace(app):
    @app.get("/api/v1/explode")
    def explode():
        raise RuntimeError("secret internals")

    @app.get("/explode")
    def explode_page():
        raise RuntimeError("secret internals")

    client = app.test_client()
    response = client.get("/api/v1/explode")
    assert response.status_code == 500
    assert response.json["error"] == "server_error"
    assert "secret" not in response.get_data(as_text=True)
    page = client.get("/explode")
    assert page.status_code == 500 and "secret" not in page.get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/api/v1/me").headers["Cache-Control"] == "no-store"


def test_local_path_never_leaves_the_site():
    from patrol.security import local_path

    assert local_path("/review/?night=2026-11-23", "/") == "/review/?night=2026-11-23"
    for hostile in ("//evil.example/", "https://evil.example/", "/\\evil.example", "review", ""):
        assert local_path(hostile, "/fallback") == "/fallback"
    assert local_path(None, "/fallback") == "/fallback"
