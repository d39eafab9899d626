"""`flask --app app purge [--dry-run]` and `flask --app app export-person USERNAME`."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from patrol.auth.models import User
from patrol.db import db, utcnow
from patrol.privacy.export import write_person_zip
from patrol.privacy.rules import period, purge


@click.command("purge", help="Delete what is older than its retention period (see README).")
@click.option("--dry-run", is_flag=True, help="Say what would go; change nothing.")
@with_appcontext
def purge_command(dry_run: bool) -> None:
    verb = "would delete" if dry_run else "deleted"
    for outcome in purge(dry_run=dry_run):
        days = period(outcome.kind).days
        click.echo(
            f"{outcome.kind}: {verb} {outcome.count} "
            f"(older than {days} days, received before {outcome.older_than:%Y-%m-%d %H:%M} UTC)"
        )
    if not dry_run:
        click.echo("Logged in purge_runs (counts only).")


@click.command("export-person", help="Write a zip of everything stored about one user.")
@click.argument("username")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Zip file to write (default: <username>-<date>.zip here).",
)
@with_appcontext
def export_person_command(username: str, output: Path | None) -> None:
    user = db.session.scalar(
        sa.select(User).where(sa.func.lower(User.username) == username.lower())
    )
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    output = output or Path(f"{user.username}-{utcnow():%Y-%m-%d}.zip")
    photos = write_person_zip(user, output)
    click.echo(f"Wrote {output} (person.json and {photos} photo files).")
