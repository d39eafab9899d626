"""Who may log in and what logging in does: shared by the login page and the session API."""

from __future__ import annotations

import sqlalchemy as sa
from flask import g, request, session
from flask_babel import gettext
from flask_login import login_user

from patrol.auth import limits, twofactor
from patrol.auth.models import User
from patrol.auth.passwords import hash_password, verify_password
from patrol.db import db
from patrol.errors import ApiError

# Where Flask-WTF keeps the CSRF token: in the session, and cached on `g` for the request.
CSRF_FIELD = "csrf_token"


def authenticate(username: str, password: str) -> User:
    """The active user with these credentials, or ApiError 401 / 429.

    The account is locked for the attempt (`limits.lock_account`), so attempts on one account
    are counted one at a time: 40 wrong passwords at once across workers verify exactly as
    many passwords as the limit allows, and the rest answer 429."""
    address = (request.remote_addr or "unknown")[:64]  # the column's width
    limits.lock_account(username)
    try:
        limits.check_login_allowed(username, address)
    except ApiError:
        db.session.rollback()  # ends the lock
        raise
    user = db.session.scalar(
        sa.select(User).where(sa.func.lower(User.username) == username.lower())
    )
    if not verify_password(user.password_hash if user else None, password) or not user.active:
        limits.record_failure(username, address)
        raise ApiError(401, gettext("Wrong username or password."), code="bad_credentials")
    limits.clear_failures(username, address)
    return user


def after_password(user: User, next_path: str | None = None) -> str | None:
    """What a right password leads to: None when the user is now logged in; "code" when the
    user has a second factor to give, "setup" when the user's role requires one that is not
    set up yet. In both latter cases nothing is logged in: only the half-signed-in state is
    kept (patrol/auth/twofactor.py), and no `user_sessions` row exists."""
    if twofactor.has_factor(user):
        twofactor.begin_half_login(user, enrol=False, next_path=next_path)
        return "code"
    if twofactor.must_have_factor(user):
        twofactor.begin_half_login(user, enrol=True, next_path=next_path)
        return "setup"
    start_session(user)
    return None


def start_session(user: User) -> None:
    """Log `user` in for a shift, with a new CSRF token: a token seen before the login (by
    another page, another person at the same browser) is worth nothing after it."""
    twofactor.end_half_login()
    session.pop(CSRF_FIELD, None)
    g.pop(CSRF_FIELD, None)
    session.permanent = True  # PERMANENT_SESSION_LIFETIME: a whole shift
    login_user(user)


def home_for(user: User) -> str:
    # Owners and the day crew have their own pages (issue 13); everyone else patrols or reviews.
    homes = {"owner": "/owner/", "crew": "/crew/"}
    return "/review/" if user.is_reviewer else homes.get(user.role, "/")


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
