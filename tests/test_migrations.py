"""The Alembic migrations build the schema from empty, matching the models, on every database."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import patrol.models  # noqa: F401
from patrol.db import Base, make_engine
from patrol.migrate import upgrade_database
from tests.support.app import DATABASES, postgres_url


@pytest.fixture(params=DATABASES)
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path / "fresh.sqlite3")
        return
    server = make_engine(postgres_url())
    name = f"patrol_migrate_{uuid.uuid4().hex[:10]}"
    with server.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield postgres_url().rsplit("/", 1)[0] + "/" + name
    with server.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


def test_migrations_from_empty_match_the_models(empty_database_url):
    upgrade_database(empty_database_url)
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            assert set(Base.metadata.tables) <= tables
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
        assert diff == [], diff
    finally:
        engine.dispose()


def test_constraints_live_in_the_database(empty_database_url):
    """Enum checks and foreign keys hold even for SQL that bypasses the models."""
    upgrade_database(empty_database_url)
    engine = make_engine(empty_database_url)
    try:
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO users (username, display_name, password_hash, role, active, "
                    "created_at) VALUES ('x', 'x', 'x', 'emperor', true, CURRENT_TIMESTAMP)"
                )
            )
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO properties (area_id, organization_id, name, address) "
                    "VALUES (4242, 4242, 'x', 'y')"
                )
            )
    finally:
        engine.dispose()


def test_one_head_so_the_next_revision_has_a_single_parent():
    from alembic.script import ScriptDirectory

    from patrol.migrate import alembic_config

    assert len(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()) == 1
