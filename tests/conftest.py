"""Shared fixtures.

Every test that takes `app` runs once per database: SQLite always, PostgreSQL as well when
TEST_DATABASE_URL is set (`.ci/run` creates a fresh database for it). The schema is built by
the Alembic migrations once per session and emptied after each test.

Browser tests take `live_server` (the app served on a free loopback port by a thread) and
`browser` (Debian's Chromium through Playwright; never `playwright install`).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from patrol import create_app
from patrol.db import Base, make_engine, upgrade_database

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
DATABASES = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TEST_PASSWORD = "correct-horse-battery"
OUTPUT_DIR = Path(__file__).resolve().parent.parent / "test-output"


def postgres_url() -> str:
    url = TEST_DATABASE_URL or ""
    # Accept plain postgresql:// URLs too; the app talks psycopg 3.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


@pytest.fixture(scope="session")
def migrated_databases(tmp_path_factory) -> dict[str, str]:
    """One migrated, empty database per backend for the whole session."""
    urls = {"sqlite": "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")}
    if TEST_DATABASE_URL:
        url = postgres_url()
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
        urls["postgresql"] = url
    for url in urls.values():
        upgrade_database(url)
    return urls


def empty_all_tables(engine: sa.Engine) -> None:
    tables = [t for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


def make_test_app(database_url: str, tmp_path: Path, **overrides):
    os.environ["PATROL_INSTANCE_PATH"] = str(tmp_path / "instance")
    config = {
        "ENV": "development",
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "PHOTO_DIR": str(tmp_path / "photos"),
        # Argon2id with small parameters: the tests create and log in many users.
        "PASSWORD_HASH_TIME_COST": 1,
        "PASSWORD_HASH_MEMORY_KIB": 1024,
        "SESSION_COOKIE_SECURE": False,
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(params=DATABASES)
def app(request, migrated_databases, tmp_path):
    import patrol.models  # noqa: F401

    application = make_test_app(migrated_databases[request.param], tmp_path)
    engine = application.extensions["patrol_db"][0]
    yield application
    empty_all_tables(engine)
    engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


def give_everyone_the_test_password() -> None:
    """The demo users (password `nattpatrull`, hashed with production cost) get the test
    password, hashed with the tests' cheap Argon2 parameters. Needs an app context."""
    from patrol.auth.models import User
    from patrol.auth.passwords import hash_password
    from patrol.db import db

    for user in db.session.scalars(sa.select(User)):
        user.password_hash = hash_password(TEST_PASSWORD)
    db.session.commit()


@pytest.fixture
def seeded(app):
    """The demo area with its properties and checkpoints, and users of every role:
    guard, guard2, supervisor, admin, owner (password TEST_PASSWORD)."""
    from patrol.auth import create_user
    from patrol.sites.demo import seed_demo
    from patrol.sites.models import Organization

    with app.app_context():
        from patrol.db import db

        seed_demo()
        org = db.session.scalar(sa.select(Organization).order_by(Organization.id))
        for username, role in (
            ("guard2", "guard"),
            ("owner", "owner"),
        ):
            create_user(
                username,
                TEST_PASSWORD,
                role,
                organization_id=org.id if role == "owner" else None,
            )
        give_everyone_the_test_password()
    return app


class Api:
    """A test client that logs in like the phone: GET /api/v1/me for the CSRF token, then
    sends it as X-CSRFToken on every state change."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.csrf = None

    def refresh_csrf(self) -> str:
        self.csrf = self.client.get("/api/v1/me").json["csrf_token"]
        return self.csrf

    def login(self, username: str, password: str = TEST_PASSWORD):
        self.refresh_csrf()
        response = self.client.post(
            "/api/v1/session",
            json={"username": username, "password": password},
            headers={"X-CSRFToken": self.csrf},
        )
        if response.status_code == 200:
            self.csrf = response.json["csrf_token"]
        return response

    def headers(self, extra=None):
        headers = {"X-CSRFToken": self.csrf} if self.csrf else {}
        headers.update(extra or {})
        return headers

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def put(self, url, json=None, data=None, headers=None, **kw):
        return self.client.put(url, json=json, data=data, headers=self.headers(headers), **kw)

    def post(self, url, json=None, data=None, headers=None, **kw):
        return self.client.post(url, json=json, data=data, headers=self.headers(headers), **kw)

    def delete(self, url, json=None, headers=None, **kw):
        return self.client.delete(url, json=json, headers=self.headers(headers), **kw)


@pytest.fixture
def api_as(seeded):
    """api_as("guard") -> an Api logged in as that user."""

    def make(username: str) -> Api:
        api = Api(seeded)
        response = api.login(username)
        assert response.status_code == 200, response.json
        return api

    return make


# --- browser tests ---------------------------------------------------------------------------


class LiveServer:
    def __init__(self, app):
        from werkzeug.serving import make_server

        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_app(migrated_databases, tmp_path):
    """An app on SQLite for a browser test, with the demo data seeded."""
    from patrol.sites.demo import seed_demo

    application = make_test_app(migrated_databases["sqlite"], tmp_path)
    with application.app_context():
        seed_demo()
        give_everyone_the_test_password()
    engine = application.extensions["patrol_db"][0]
    yield application
    empty_all_tables(engine)
    engine.dispose()


@pytest.fixture
def live_server(live_app):
    server = LiveServer(live_app).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def output_dir() -> Path:
    """Where browser tests write screenshots (ignored by git)."""
    OUTPUT_DIR.mkdir(exist_ok=True)
    return OUTPUT_DIR
