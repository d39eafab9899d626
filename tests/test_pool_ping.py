"""A pooled database connection that died while it waited in the pool (a database restart, a
firewall's idle timeout) is replaced before a request uses it, without a ping on every request
(patrol.db.ping_when_idle). Run against a real dead connection on each database: SQLite's closed,
PostgreSQL's backend terminated by the server."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from patrol.db import make_engine, ping_when_idle
from tests.support.app import DATABASES, postgres_url


@pytest.fixture(params=DATABASES)
def pooled(request, tmp_path):
    """(engine without any ping of its own, kill): kill() ends the connection now idle in the
    engine's pool the way the database would."""
    if request.param == "sqlite":
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'ping.sqlite3'}")

        def kill(dbapi_connection) -> None:
            dbapi_connection.close()

    else:
        engine = sa.create_engine(postgres_url())
        server = make_engine(postgres_url())

        def kill(dbapi_connection) -> None:
            pid = dbapi_connection.info.backend_pid
            with server.begin() as conn:
                assert conn.scalar(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    yield engine, kill
    engine.dispose()
    if request.param != "sqlite":
        server.dispose()


def pooled_connection_dies(engine, kill) -> None:
    """Use a connection, give it back to the pool, and end it there."""
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT 1")) == 1
        dbapi_connection = conn.connection.dbapi_connection
    kill(dbapi_connection)


def test_a_connection_that_waited_is_pinged_and_replaced_if_dead(pooled):
    engine, kill = pooled
    ping_when_idle(engine, idle_seconds=0)  # every connection has waited long enough
    pooled_connection_dies(engine, kill)
    with engine.connect() as conn:  # the ping finds it dead; the pool connects anew
        assert conn.scalar(sa.text("SELECT 2")) == 2


def test_a_connection_back_a_moment_ago_is_used_without_a_ping(pooled, monkeypatch):
    engine, kill = pooled
    ping_when_idle(engine, idle_seconds=3600)
    pings = []
    monkeypatch.setattr(engine.dialect, "do_ping", lambda c: pings.append(c) or True)
    for _ in range(3):
        with engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT 1")) == 1
    assert pings == []  # the hot path: no round trip before each request
    # The price, stated: a connection that died a moment ago fails the one request that uses
    # it (the phone sends that record again), and the pool is then renewed.
    pooled_connection_dies(engine, kill)
    with pytest.raises(sa.exc.DBAPIError) as failed, engine.connect() as conn:
        conn.scalar(sa.text("SELECT 1"))
    assert failed.value.connection_invalidated
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT 3")) == 3
