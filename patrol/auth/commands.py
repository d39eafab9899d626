"""`flask --app app create-user NAME --role ROLE [--organization NAME] [--email ADDRESS]
[--password-stdin]`."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from patrol.audit import write_audit
from patrol.auth import twofactor
from patrol.auth.actions import create_user
from patrol.auth.models import User
from patrol.auth.roles import OWNER, ROLES
from patrol.db import db
from patrol.fields import email_address

# An owner user belongs to an organization, which patrol.sites keeps (a layer above auth): sites
# registers how a name is found (patrol/sites/__init__.py), so auth never imports it. Returns
# the organization's id, or None when no organization has that name.
_find_organization: Callable[[str], int | None] | None = None


def register_organization_lookup(find: Callable[[str], int | None]) -> None:
    global _find_organization
    _find_organization = find


@click.command("create-user", help="Create a user; the password is asked twice.")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", "display_name", help="Name shown on screens (default: username).")
@click.option("--organization", help="The property owner an owner user belongs to (role owner).")
@click.option("--email", help="Where the user's emails go (an owner gets the morning report).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_user_command(
    username: str,
    role: str,
    display_name: str | None,
    organization: str | None,
    email: str | None,
    password_stdin: bool,
):
    if db.session.scalar(sa.select(User).where(User.username == username)):
        raise click.ClickException(f"user {username!r} already exists")
    extra: dict = {}
    if role == OWNER:
        if not organization:
            raise click.ClickException("an owner user needs --organization (the owner's name)")
        if _find_organization is None:
            raise click.ClickException("organizations are not installed (patrol.sites)")
        organization_id = _find_organization(organization)
        if organization_id is None:
            raise click.ClickException(f"no organization named {organization!r}")
        extra["organization_id"] = organization_id
    elif organization:
        raise click.ClickException("--organization is only for role owner")
    if email:
        try:
            extra["email"] = email_address(email.strip())
        except ValueError as error:
            raise click.ClickException(f"not an email address: {email!r} ({error})") from error
        if role == OWNER:  # the morning report until the owner unticks it in the portal
            extra["email_prefs"] = ["morning_report"]
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        raise click.ClickException("the password must have at least 8 characters")
    create_user(username, password, role, display_name, **extra)
    click.echo(f"Created {role} {username!r}.")


@click.command(
    "reset-factors",
    help="Remove a user's second factors and recovery codes and end the user's sessions (a "
    "lost phone, the last admin locked out): the next sign-in sets a new factor up.",
)
@click.argument("username")
@with_appcontext
def reset_factors_command(username: str):
    user = db.session.scalar(
        sa.select(User).where(sa.func.lower(User.username) == username.lower())
    )
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    ended = twofactor.reset_factors(user)
    write_audit(
        "reset_factors", "user", user.id, user.display_name, {"sessions_ended": [None, ended]}
    )
    db.session.commit()
    click.echo(f"Second factors of {user.username!r} removed; {ended} session(s) ended.")
