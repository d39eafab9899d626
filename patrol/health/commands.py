"""`flask --app app version`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from patrol.health.probes import migration_heads
from patrol.version import app_version


@click.command("version", help="The app's version and the migration head it expects.")
@with_appcontext
def version_command() -> None:
    click.echo(f"nattpatrull {app_version()}")
    click.echo(f"migration head: {', '.join(sorted(migration_heads()))}")
