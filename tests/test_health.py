"""/healthz and /readyz (issue Operations, point 2): what each says, and that a broken part
turns /readyz to 503 naming it, while /healthz stays 200."""

from __future__ import annotations

import sqlalchemy as sa

from patrol.db import db, engine_of
from patrol.status import Probe, register_probe


def test_healthz_answers_without_touching_the_database(app, client):
    statements = []
    engine = engine_of(app)
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        answer = client.get("/healthz")
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    assert statements == []
    assert answer.status_code == 200
    assert answer.get_json()["status"] == "ok"
    assert answer.headers["Cache-Control"] == "no-store"


def test_readyz_is_ready_with_every_core_check(app, client):
    answer = client.get("/readyz")
    body = answer.get_json()
    assert answer.status_code == 200, body
    assert body["status"] == "ready"
    assert body["version"] and body["version"] != "unknown"
    checks = body["checks"]
    assert {"database", "migrations", "photo_store"} <= set(checks)
    assert all(check["ok"] for check in checks.values())
    assert checks["migrations"]["database"] == checks["migrations"]["code"]
    assert checks["photo_store"]["store"] == "files"


def test_readyz_names_a_database_behind_its_code(app, client):
    with app.app_context():
        heads = [
            row[0] for row in db.session.execute(sa.text("SELECT version_num FROM alembic_version"))
        ]
        db.session.execute(sa.text("UPDATE alembic_version SET version_num = '0001'"))
        db.session.commit()
    try:
        answer = client.get("/readyz")
        body = answer.get_json()
        assert answer.status_code == 503
        assert body["checks"]["migrations"]["ok"] is False
        assert "db upgrade" in body["checks"]["migrations"]["problem"]
        assert body["checks"]["database"]["ok"] is True
    finally:
        with app.app_context():
            db.session.execute(sa.text("DELETE FROM alembic_version"))
            for head in heads:
                db.session.execute(sa.text("INSERT INTO alembic_version VALUES (:v)"), {"v": head})
            db.session.commit()


def test_readyz_names_a_photo_store_that_cannot_be_written(app, client, tmp_path):
    store = app.extensions["patrol_photo_store"]
    store.root = tmp_path / "gone"  # a store folder that disappeared (unmounted disk)
    answer = client.get("/readyz")
    body = answer.get_json()
    assert answer.status_code == 503
    assert body["checks"]["photo_store"]["ok"] is False
    assert "cannot be written" in body["checks"]["photo_store"]["problem"]
    assert client.get("/healthz").status_code == 200


def test_a_probe_that_raises_counts_as_failed(app, client):
    def broken() -> Probe:
        raise RuntimeError("boom")

    register_probe(app, "broken", broken)
    body = client.get("/readyz").get_json()
    assert body["checks"]["broken"] == {
        "ok": False,
        "problem": "RuntimeError: boom",
        "check_ms": body["checks"]["broken"]["check_ms"],
    }


def test_version_command(app):
    result = app.test_cli_runner().invoke(args=["version"])
    assert result.exit_code == 0
    assert result.output.startswith("nattpatrull ")
    assert "migration head:" in result.output


def test_static_urls_carry_a_digest_and_only_those_are_cached_for_a_year(app, client):
    with app.test_request_context():
        from flask import url_for

        url = url_for("static", filename="css/theme.css")
    assert "?v=" in url
    fresh = client.get(url)
    assert fresh.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get("/static/css/theme.css").headers["Cache-Control"] == "no-cache"
    assert client.get("/static/css/theme.css?v=000000000000").headers["Cache-Control"] == "no-cache"
    page = client.get("/login").get_data(as_text=True)
    assert "/static/css/theme.css?v=" in page
