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


def test_the_crew_role_is_allowed_and_others_still_refused(empty_database_url):
    """0005 replaced the role CHECK constraint: `crew` goes in, an unknown role still does not."""
    upgrade_database(empty_database_url)
    engine = make_engine(empty_database_url)
    insert = (
        "INSERT INTO users (username, display_name, password_hash, role, active, created_at, "
        "language, email_prefs, must_change_password) "
        "VALUES (:name, 'x', 'x', :role, true, CURRENT_TIMESTAMP, 'sv', '[]', false)"
    )
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(insert), {"name": "dagpersonal", "role": "crew"})
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(sa.text(insert), {"name": "kejsare", "role": "emperor"})
    finally:
        engine.dispose()


def test_0022_one_open_silence_alarm_per_shift_twins_of_before_are_kept(empty_database_url):
    """0022_alonefix: at most one silence alarm per shift that has not ended, held by a partial
    unique index. Twins raised before it (two passes racing) are kept: the later one ends
    when it was raised, the first stays open; ended silences, timers and SOS are not limited."""
    from datetime import UTC, datetime, timedelta

    from patrol.auth.models import User
    from patrol.push.models import SosAlert

    upgrade_database(empty_database_url, "0021_alone_alarms")
    engine = make_engine(empty_database_url)
    t0 = datetime(2026, 12, 8, 0, 57, tzinfo=UTC)
    shift, other = uuid.uuid4(), uuid.uuid4()
    first, twin, ended, elsewhere = (uuid.uuid4() for _ in range(4))
    alerts = SosAlert.__table__

    def alarm(alarm_id, shift_id, kind="silence", received=t0, ended_at=None):
        return {
            "id": alarm_id,
            "guard_id": guard_id,
            "shift_id": shift_id,
            "kind": kind,
            "occurred_at": t0,
            "received_at": received,
            "ended_at": ended_at,
        }

    try:
        with engine.begin() as conn:
            guard_id = conn.execute(
                User.__table__.insert()
                .values(
                    username="g", display_name="G", password_hash="x", role="guard", active=True
                )
                .returning(User.__table__.c.id)
            ).scalar_one()
            conn.execute(
                alerts.insert(),
                [
                    alarm(first, shift),
                    alarm(twin, shift, received=t0 + timedelta(seconds=1)),
                    alarm(ended, shift, received=t0 - timedelta(hours=1), ended_at=t0),
                    alarm(elsewhere, other),
                ],
            )
        upgrade_database(empty_database_url)
        with engine.connect() as conn:
            rows = {
                r.id: r.ended_at
                for r in conn.execute(sa.select(alerts.c.id, alerts.c.ended_at)).all()
            }
        assert rows == {
            first: None,
            twin: t0 + timedelta(seconds=1),
            ended: t0,
            elsewhere: None,
        }
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(alerts.insert(), [alarm(uuid.uuid4(), shift)])
        with engine.begin() as conn:  # a timer alarm, an SOS and an ended silence: allowed
            conn.execute(
                alerts.insert(),
                [
                    alarm(uuid.uuid4(), shift, kind="timer"),
                    alarm(uuid.uuid4(), shift, kind="sos"),
                    alarm(uuid.uuid4(), shift, ended_at=t0),
                ],
            )
    finally:
        engine.dispose()
