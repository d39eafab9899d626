"""The probes of the parts no feature owns: the database, and its schema's migration head."""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa
from flask import Flask

from patrol.db import db
from patrol.migrate import MIGRATIONS_DIR
from patrol.status import Probe, register_probe


@cache
def migration_heads() -> frozenset[str]:
    """The heads of the migrations shipped with this code (read once per process)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def database_probe() -> Probe:
    db.session.execute(sa.text("SELECT 1"))
    return Probe(ok=True, details={"dialect": db.session.get_bind().dialect.name})


def migrations_probe() -> Probe:
    try:
        applied = {
            row[0] for row in db.session.execute(sa.text("SELECT version_num FROM alembic_version"))
        }
    except sa.exc.DBAPIError:
        db.session.rollback()
        applied = set()
    heads = set(migration_heads())
    details = {"database": sorted(applied), "code": sorted(heads)}
    if applied == heads:
        return Probe(ok=True, details=details)
    return Probe(
        ok=False,
        details=details,
        problem="The database is not at the code's migration head: run `flask --app app db upgrade`.",
    )


def register_core_probes(app: Flask) -> None:
    register_probe(app, "database", database_probe)
    register_probe(app, "migrations", migrations_probe)
