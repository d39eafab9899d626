"""`flask --app app create-user NAME --role ROLE [--password-stdin]`."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from patrol.auth.actions import create_user
from patrol.auth.models import User
from patrol.auth.roles import ROLES
from patrol.db import db


@click.command("create-user", help="Create a user; the password is asked twice.")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", "display_name", help="Name shown on screens (default: username).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_user_command(username: str, role: str, display_name: str | None, password_stdin: bool):
    if db.session.scalar(sa.select(User).where(User.username == username)):
        raise click.ClickException(f"user {username!r} already exists")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        raise click.ClickException("the password must have at least 8 characters")
    create_user(username, password, role, display_name)
    click.echo(f"Created {role} {username!r}.")
