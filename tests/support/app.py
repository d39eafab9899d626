"""The test app and clients every kind of test uses: configuration, the logged-in API client,
a live server for browser tests, and the databases the suite runs on."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from patrol import create_app
from patrol.db import Base


def worker_database(url: str | None) -> str | None:
    """TEST_DATABASE_URL for this test process: under pytest-xdist (`scripts/test.sh` runs the
    suite in two processes), each worker gets a database of its own beside the given one, created
    here when missing, because every test empties the database it runs on. Without xdist, the
    given database itself."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    import psycopg

    server, name = url.rsplit("/", 1)
    own = f"{name}_{worker}"
    plain = "postgresql://" + server.split("://", 1)[1] + "/" + name
    with psycopg.connect(plain, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (own,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{own}"')
    return f"{server}/{own}"


TEST_DATABASE_URL = worker_database(os.environ.get("TEST_DATABASE_URL"))
if TEST_DATABASE_URL:
    os.environ["TEST_DATABASE_URL"] = TEST_DATABASE_URL  # for processes the tests start
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
# Where tests write what a person looks at afterwards (screenshots, findings); ignored by git.
OUTPUT_DIR = Path(__file__).resolve().parents[2] / "test-output"


def postgres_url() -> str:
    url = TEST_DATABASE_URL or ""
    # Accept plain postgresql:// URLs too; the app talks psycopg 3.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


@contextmanager
def fresh_database(kind: str, directory: Path, prefix: str) -> Iterator[str]:
    """The URL of a new, empty database of `kind` ("sqlite" or "postgresql"), for tests that
    must not share the session's databases: a file under `directory`, or a database of its own
    on TEST_DATABASE_URL's server, dropped on exit."""
    if kind == "sqlite":
        yield "sqlite:///" + str(directory / f"{prefix}.sqlite3")
        return
    from patrol.db import make_engine

    server = make_engine(postgres_url())
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with server.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield postgres_url().rsplit("/", 1)[0] + "/" + name
    finally:
        with server.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def empty_all_tables(engine: sa.Engine) -> None:
    """Every model table empty, and on PostgreSQL every sequence restarted (ids from 1 again).

    PostgreSQL: a TRUNCATE of every table took about 0.2 s after each test (each table gets a
    new file); a DELETE of the few rows a test wrote takes a few ms. So only the tables that
    hold rows are emptied: by DELETE in dependency order, by TRUNCATE where the table has
    triggers of its own (the append-only audit trails refuse DELETE). Every sequence a test
    moved is restarted, also that of a table left empty (an insert that rolled back)."""
    tables = [t for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            probe = " UNION ALL ".join(
                f"SELECT '{t.name}' FROM (SELECT 1 FROM \"{t.name}\" LIMIT 1) AS {t.name}_row"
                for t in tables
            )
            holding = set(conn.scalars(sa.text(probe)))
            triggered = set(
                conn.scalars(
                    sa.text(
                        "SELECT DISTINCT c.relname FROM pg_trigger t "
                        "JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal"
                    )
                )
            )
            for table in tables:
                if table.name in holding & triggered:
                    conn.execute(sa.text(f'TRUNCATE "{table.name}" CASCADE'))
            for table in tables:
                if table.name in holding - triggered:
                    conn.execute(table.delete())
            moved = conn.scalars(
                sa.text(
                    "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) "
                    "FROM pg_sequences WHERE schemaname = current_schema() "
                    "AND last_value IS NOT NULL"
                )
            ).all()
            for sequence in moved:
                conn.execute(sa.text(f"ALTER SEQUENCE {sequence} RESTART"))
        else:
            for table in tables:
                conn.execute(table.delete())


def make_test_app(database_url: str, tmp_path: Path, **overrides):
    """An app for one test: its own instance folder and photo store under `tmp_path`."""
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
    if config["ENV"] != "production":
        # The suite's login helpers sign admins in with the password alone (no factor set
        # up); tests/test_two_factor.py turns this off to test the enforcement. Refused in
        # production (patrol/configcheck.py). A user with a factor is always asked for it.
        config.setdefault("TESTS_SKIP_SECOND_FACTOR_SETUP", True)
    return create_app(config, instance_path=tmp_path / "instance")


def give_everyone_the_test_password() -> None:
    """The demo users (password `nattpatrull`, hashed with production cost) get the test
    password, hashed with the tests' cheap Argon2 parameters. Needs an app context."""
    from patrol.auth.models import User
    from patrol.auth.passwords import hash_password
    from patrol.db import db

    for user in db.session.scalars(sa.select(User)):
        user.password_hash = hash_password(TEST_PASSWORD)
    db.session.commit()


def seed_everyone(app) -> None:
    """The demo area with its properties and checkpoints, and users of every role: guard,
    guard2, supervisor, admin, owner (password TEST_PASSWORD). The `seeded` fixture's data."""
    from patrol.auth.actions import create_user
    from patrol.db import db
    from patrol.sites.demo import seed_demo
    from patrol.sites.models import Organization

    with app.app_context():
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
