"""Who may log in and what logging in does: shared by the login page and the session API."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request, session
from flask_babel import gettext
from flask_login import login_user

from patrol.auth import limits
from patrol.auth.models import User
from patrol.auth.passwords import hash_password, verify_password
from patrol.db import db
from patrol.errors import ApiError


def authenticate(username: str, password: str) -> User:
    """The active user with these credentials, or ApiError 401 / 429."""
    address = request.remote_addr or "unknown"
    limits.check_login_allowed(username, address)
    user = db.session.scalar(
        sa.select(User).where(sa.func.lower(User.username) == username.lower())
    )
    if not verify_password(user.password_hash if user else None, password) or not user.active:
        limits.record_failure(username, address)
        raise ApiError(401, gettext("Wrong username or password."), code="bad_credentials")
    limits.clear_failures(username)
    return user


def start_session(user: User) -> None:
    session.permanent = True  # PERMANENT_SESSION_LIFETIME: a whole shift
    login_user(user)


def home_for(user: User) -> str:
    return "/review/" if user.is_reviewer else "/"


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
