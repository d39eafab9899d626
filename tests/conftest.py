"""Shared fixtures.

Every test that takes `app` runs once per database: SQLite always, PostgreSQL as well when
TEST_DATABASE_URL is set (`.ci/run` creates a fresh database for it). The schema is built by
the Alembic migrations once per session and emptied after each test.

Browser tests take `live_server` (the app served on a free loopback port by a thread) and
`browser` (Debian's Chromium through Playwright; never `playwright install`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from patrol.db import engine_of, make_engine
from patrol.migrate import upgrade_database
from tests.support.app import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DATABASES,
    OUTPUT_DIR,
    TEST_DATABASE_URL,
    Api,
    LiveServer,
    empty_all_tables,
    give_everyone_the_test_password,
    make_test_app,
    postgres_url,
    seed_everyone,
)
from tests.support.seaweedfs import s3_photos, seaweedfs  # noqa: F401 (fixtures)


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


@pytest.fixture(params=DATABASES)
def app(request, migrated_databases, tmp_path):
    import patrol.models  # noqa: F401

    application = make_test_app(migrated_databases[request.param], tmp_path)
    engine = engine_of(application)
    yield application
    empty_all_tables(engine)
    engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def seeded(app):
    """The demo area with its properties and checkpoints, and users of every role:
    guard, guard2, supervisor, admin, owner (password TEST_PASSWORD)."""
    seed_everyone(app)
    return app


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


@pytest.fixture
def live_app(migrated_databases, tmp_path):
    """An app on SQLite for a browser test, with the demo data seeded."""
    from patrol.sites.demo import seed_demo

    application = make_test_app(migrated_databases["sqlite"], tmp_path)
    with application.app_context():
        seed_demo()
        give_everyone_the_test_password()
    engine = engine_of(application)
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


@pytest.fixture
def boss(seeded):
    """The supervisor, logged in to the desk pages (a test client with `.csrf`)."""
    from tests.support.review import login_page_client

    return login_page_client(seeded, "supervisor")


@pytest.fixture
def places(seeded):
    """Ids of the demo area's properties and checkpoints (tests.support.review.demo_places)."""
    from tests.support.review import demo_places

    return demo_places(seeded)
