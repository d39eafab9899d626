"""The database: one engine per app, one session per app context, typed declarative base.

Plain SQLAlchemy 2 (no Flask-SQLAlchemy): `db.session` is created lazily for the current app
context and closed when the context ends, so every request and CLI command gets its own.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app, g, has_app_context
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on every database.

    SQLite has no time zone type: values are stored as naive UTC there and made aware again
    when read. Naive datetimes are refused on the way in, so a local time can never slip in.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused; pass an aware datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """The server's clock: the real time, or the clock a test set with `set_clock`.

    Every rule that depends on the time (night, round windows, scheduled jobs, "ej hörd")
    reads the time here, so a test moves one clock instead of sleeping until a time passes.
    """
    if has_app_context():
        clock = current_app.config.get("CLOCK")
        if clock is not None:
            return clock()
    return datetime.now(UTC)


def set_clock(app: Flask, moment: datetime | None) -> None:
    """Freeze `utcnow()` at `moment` for this app (None: back to the real clock)."""
    if moment is not None and moment.tzinfo is None:
        raise ValueError("naive datetime refused; pass an aware datetime")
    app.config["CLOCK"] = None if moment is None else (lambda: moment)


def enum_column(*values: str, name: str) -> sa.Enum:
    """A string enum stored as VARCHAR with a CHECK constraint on every database."""
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=24)


class Database:
    """Looks up the engine and session of the current app."""

    def init_app(self, app: Flask) -> None:
        url = app.config.get("DATABASE_URL") or (
            "sqlite:///" + str(Path(app.instance_path) / "patrol.sqlite3")
        )
        app.config["DATABASE_URL"] = url
        engine = make_engine(url)
        app.extensions["patrol_db"] = (engine, sessionmaker(engine, expire_on_commit=False))
        app.teardown_appcontext(self._close_session)

    @property
    def engine(self) -> sa.Engine:
        return current_app.extensions["patrol_db"][0]

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = current_app.extensions["patrol_db"][1]()
        return g.db_session

    @staticmethod
    def _close_session(_exc) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def engine_of(app: Flask) -> sa.Engine:
    """The engine of `app`, outside an app context (tests and benches dispose of it)."""
    return app.extensions["patrol_db"][0]


def make_engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # Foreign keys are off by default in SQLite; WAL lets readers run beside a writer.
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            # Every commit is on disk before the phone hears 201 (SQLite's default, said
            # out loud: a faster setting would let a power cut lose acknowledged records).
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    # Sessions in UTC whatever the server's default: a stored time at the calendar's edge
    # (9999-12-31 23:59 UTC) would not fit in year 9999 of a zone east of UTC when read back.
    connect_args = {"options": "-c timezone=UTC"} if url.startswith("postgresql") else {}
    engine = sa.create_engine(url, connect_args=connect_args)
    ping_when_idle(engine, PING_IDLE_SECONDS)
    return engine


# A pooled connection that sat unused this long is pinged before use (see ping_when_idle).
PING_IDLE_SECONDS = 10.0


def ping_when_idle(engine: sa.Engine, idle_seconds: float) -> None:
    """Test a pooled connection with a `SELECT 1` before use, but only when it has sat idle in
    the pool for `idle_seconds` or more; a dead one is replaced before the request sees it.

    SQLAlchemy's `pool_pre_ping` pings on every checkout: one more round trip per request,
    about 0.3 ms of a 2.8 ms check-in on PostgreSQL (bench/profile_request.py). Under load a
    connection goes back to the pool and out again within milliseconds, and a database restart
    that lands mid-burst fails at most one request per process (SQLAlchemy then discards the
    whole pool), which the phone's outbox sends again. The connection that waited through a
    quiet hour, when a restart or a firewall's idle timeout is most likely, is still tested.
    """

    @sa.event.listens_for(engine, "checkin")
    def _back_in_the_pool(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _ping_if_it_waited(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return  # new, or back in the pool a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool throws this connection away and checks out a new one.
            raise sa.exc.DisconnectionError(str(error)) from error


db = Database()
