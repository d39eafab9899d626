"""`flask --app app seed-demo [--if-empty]`: the demo area and users (never in production)."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from patrol.auth.models import User
from patrol.db import db
from patrol.sites.demo import seed_demo
from patrol.sites.models import Organization


def organization_id_by_name(name: str) -> int | None:
    """`create-user --organization NAME` (patrol.auth.commands asks, registered in init_app)."""
    return db.session.scalar(sa.select(Organization.id).where(Organization.name == name))


@click.command("seed-demo", help="Create the demo area, properties, checkpoints and users.")
@click.option("--if-empty", is_flag=True, help="Only when the database has no users yet.")
@with_appcontext
def seed_demo_command(if_empty: bool) -> None:
    if current_app.config["ENV"] == "production":
        raise click.ClickException(
            "refusing to seed demo data in production: it would create users with a known password"
        )
    if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(User)):
        click.echo("The database has users already: no demo data added.")
        return
    for item in seed_demo():
        click.echo(f"created {item}")
    click.echo("Demo logins: guard, supervisor, admin - password: nattpatrull")
