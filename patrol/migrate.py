"""Migrations: Alembic's configuration, `upgrade_database` and the `flask db` commands.

Kept apart from `patrol.db` because the migrations need every feature's models, while every
feature needs `patrol.db`: the core never imports the features.
"""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from patrol.config import ROOT

MIGRATIONS_DIR = ROOT / "migrations"


def init_app(app: Flask) -> None:
    app.cli.add_command(db_command)


def alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = url
    return config


def upgrade_database(url: str | None = None, revision: str = "heads") -> None:
    from alembic import command

    command.upgrade(alembic_config(url or current_app.config["DATABASE_URL"]), revision)


@click.group("db", help="Database migrations (Alembic).")
def db_command() -> None:
    pass


@db_command.command("upgrade", help="Apply all migrations.")
@click.option("--revision", default="heads")
@with_appcontext
def upgrade_cmd(revision: str) -> None:
    upgrade_database(revision=revision)
    click.echo(f"Database at {revision}.")


@db_command.command("revision", help="Write a new migration from the model changes.")
@click.option("-m", "--message", required=True)
@with_appcontext
def revision_cmd(message: str) -> None:
    from alembic import command

    # migrations/env.py imports patrol.models (every table on Base.metadata): this shared
    # module imports no feature (the layers in .importlinter).
    command.revision(
        alembic_config(current_app.config["DATABASE_URL"]), message=message, autogenerate=True
    )
