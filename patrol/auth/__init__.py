"""Users, roles, login (page and JSON session API), and the create-user command."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask import Flask, redirect, request, url_for
from flask.cli import with_appcontext

from patrol.auth.models import User
from patrol.auth.passwords import hash_password
from patrol.auth.roles import ROLES
from patrol.db import db
from patrol.errors import ApiError
from patrol.extensions import login_manager


def init_app(app: Flask) -> None:
    from patrol.auth import account, sessions
    from patrol.auth.views import bp

    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    # A cookie counts only while its server-side session row exists (logout means logout).
    login_manager.user_loader(sessions.load_session_user)
    sessions.init_app(app)

    @login_manager.unauthorized_handler
    def unauthorized():
        if request.path.startswith("/api/"):
            raise ApiError(401)
        return redirect(url_for("auth.login_page", next=request.full_path.rstrip("?")))

    app.register_blueprint(bp)
    account.init_app(app)  # change password (forced after a reset), "Logga ut överallt"
    app.cli.add_command(create_user_command)


def create_user(
    username: str, password: str, role: str, display_name: str | None = None, **extra
) -> User:
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role,
        **extra,
    )
    db.session.add(user)
    db.session.commit()
    return user


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
