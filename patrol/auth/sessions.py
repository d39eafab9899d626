"""Server-side sessions: logout means logout (issue 15 point 7).

Flask's session is a signed cookie; on its own, a copy of it keeps working until it expires,
even after logout. Each login therefore gets a row in `user_sessions` whose random id is kept in
the cookie, and the user loader accepts a cookie only while its row exists (one indexed query
that also loads the user). Logging out deletes the row; deactivating a user, resetting a
password or "Logga ut överallt" deletes all of that user's rows at once.

Hooked on Flask-Login's `user_logged_in` / `user_logged_out` signals, so every way of logging in
or out (the form, the JSON API) goes through here.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask import Flask, current_app, request, session
from flask_login import user_logged_in, user_logged_out

from patrol.auth.models import User, UserSession
from patrol.db import db, utcnow

SESSION_KEY = "sid"


# Built once with bound parameters: every request runs it, and a reused statement object
# keeps its memoized cache key (no expression to rebuild and hash per request).
SESSION_USER = (
    sa.select(User)
    .join(UserSession, UserSession.user_id == User.id)
    .where(
        UserSession.id == sa.bindparam("sid"),
        User.id == sa.bindparam("user_id"),
        User.active.is_(True),
    )
)


def load_session_user(user_id: str) -> User | None:
    """The active user of this cookie, if its server-side session still exists."""
    sid = session.get(SESSION_KEY)
    if not sid or not user_id.isdigit():
        return None
    return db.session.scalar(SESSION_USER, {"sid": sid, "user_id": int(user_id)})


def begin_session(user: User) -> None:
    """Record a new session for this device (and prune the expired ones)."""
    expired = utcnow() - current_app.permanent_session_lifetime
    db.session.execute(sa.delete(UserSession).where(UserSession.created_at < expired))
    sid = secrets.token_urlsafe(32)
    agent = (request.user_agent.string or "")[:200] if request else None
    db.session.add(UserSession(id=sid, user_id=user.id, user_agent=agent))
    db.session.commit()
    session[SESSION_KEY] = sid


def end_current_session() -> None:
    sid = session.pop(SESSION_KEY, None)
    if sid:
        db.session.execute(sa.delete(UserSession).where(UserSession.id == sid))
        db.session.commit()


def end_all_sessions(user_id: int, keep: str | None = None) -> int:
    """End every session of this user on every device (but `keep`); returns how many. The
    caller commits, so it happens in the same transaction as the change that caused it."""
    statement = sa.delete(UserSession).where(UserSession.user_id == user_id)
    if keep:
        statement = statement.where(UserSession.id != keep)
    return db.session.execute(statement).rowcount or 0


def count_sessions(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(UserSession).where(UserSession.user_id == user_id)
    )


def init_app(app: Flask) -> None:
    @user_logged_in.connect_via(app)
    def _logged_in(_app, user, **_extra):
        begin_session(user)

    @user_logged_out.connect_via(app)
    def _logged_out(_app, user, **_extra):
        end_current_session()
