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
    from patrol.schedule.rules import beat

    with app.app_context():
        beat("host-a:1")  # a worker is alive
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
        "blocking": True,
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


def test_the_desk_shows_when_the_worker_has_not_run_and_links_the_status_page(seeded, boss):
    from datetime import UTC, datetime, timedelta

    from patrol.db import set_clock
    from patrol.schedule.rules import beat

    night_page = "/review/"
    page = boss.get(night_page).get_data(as_text=True)
    assert "Bakgrundsjobben har aldrig körts – larm och mejl går inte ut." in page
    assert 'href="/review/status"' in page

    noon = datetime(2026, 12, 7, 22, 4, tzinfo=UTC)  # 23:04 in Stockholm
    set_clock(seeded, noon)
    with seeded.app_context():
        beat("host-a:123")
    assert "Bakgrundsjobben" not in boss.get(night_page).get_data(as_text=True)
    # Four minutes of silence is a hiccup; five is a stopped worker.
    set_clock(seeded, noon + timedelta(minutes=4))
    assert "Bakgrundsjobben" not in boss.get(night_page).get_data(as_text=True)
    set_clock(seeded, noon + timedelta(minutes=5))
    page = boss.get(night_page).get_data(as_text=True)
    assert "Bakgrundsjobben har inte körts sedan 23:04 – larm och mejl går inte ut." in page
    # /readyz still serves the phones (200) and says why it is degraded.
    body = seeded.test_client().get("/readyz").get_json()
    assert body["status"] == "degraded"
    assert body["checks"]["worker"]["ok"] is False and body["checks"]["worker"]["blocking"] is False

    status = boss.get("/review/status").get_data(as_text=True)
    assert "Behöver åtgärd" in status and "last_seen_age_s" in status


def test_a_late_outbox_shows_on_the_desk(seeded, boss):
    from datetime import UTC, datetime, timedelta

    from patrol.db import db, set_clock
    from patrol.mail.rules import queue_mail
    from patrol.schedule.rules import beat

    start = datetime(2026, 12, 7, 22, 0, tzinfo=UTC)
    set_clock(seeded, start)
    with seeded.app_context():
        beat("host-a:123")
        queue_mail("test", ["a@example.se"], "Nattens rapport", "text")
        db.session.commit()
    set_clock(seeded, start + timedelta(minutes=14))
    with seeded.app_context():
        beat("host-a:123")
    assert "väntar, den äldsta" not in boss.get("/review/").get_data(as_text=True)
    set_clock(seeded, start + timedelta(minutes=16))
    with seeded.app_context():
        beat("host-a:123")
    page = boss.get("/review/").get_data(as_text=True)
    assert "Mejl: 1 väntar, den äldsta i 16 min." in page


def test_the_status_page_is_for_supervisors_and_admins_only(seeded, api_as):
    guard = api_as("guard")
    assert guard.get("/review/status").status_code == 403


def test_a_worker_pass_is_heard(app, client):
    assert client.get("/readyz").get_json()["checks"]["worker"]["ok"] is False
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    worker = client.get("/readyz").get_json()["checks"]["worker"]
    assert worker["ok"] is True and worker["workers_alive"] == 1


def test_the_version_is_on_the_desk_and_in_the_service_worker(seeded, boss, client):
    from patrol.version import app_version

    version = app_version()
    assert version.count(".") == 2
    assert f"Nattpatrull {version}</footer>" in boss.get("/review/").get_data(as_text=True)
    worker = client.get("/service-worker.js").get_data(as_text=True)
    assert f'const APP_VERSION = "{version}";' in worker
    assert 'const VERSION = "' in worker and "__VERSION__" not in worker
