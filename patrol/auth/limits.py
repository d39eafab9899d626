"""Failed-login limits per account and per address (architecture §5a).

10 failures per account or 50 per address within 15 minutes answer 429 with Retry-After.
The limit lifts by itself as failures age out of the window: nobody can lock a guard out for
good by guessing at their username.
"""

from __future__ import annotations

import math

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext

from patrol.auth.models import LoginFailure
from patrol.db import db, utcnow
from patrol.errors import ApiError


def _seconds_until_below_limit(column, value: str, limit: int) -> int | None:
    """None when under the limit, else the seconds until one failure ages out of the window."""
    window = current_app.config["LOGIN_FAILURE_WINDOW"]
    since = utcnow() - window
    times = db.session.scalars(
        sa.select(LoginFailure.at)
        .where(column == value, LoginFailure.at > since)
        .order_by(LoginFailure.at.desc())
        .limit(limit)
    ).all()
    if len(times) < limit:
        return None
    oldest_counted = times[-1]
    return max(1, math.ceil((oldest_counted + window - utcnow()).total_seconds()))


def check_login_allowed(username: str, address: str) -> None:
    config = current_app.config
    waits = [
        _seconds_until_below_limit(
            LoginFailure.username, username.lower(), config["LOGIN_FAILURES_PER_ACCOUNT"]
        ),
        _seconds_until_below_limit(
            LoginFailure.address, address, config["LOGIN_FAILURES_PER_ADDRESS"]
        ),
    ]
    waits = [w for w in waits if w is not None]
    if waits:
        wait = max(waits)
        minutes = max(1, math.ceil(wait / 60))
        raise ApiError(
            429,
            gettext("Too many failed logins. Try again in %(minutes)s minutes.", minutes=minutes),
            headers={"Retry-After": str(wait)},
        )


def record_failure(username: str, address: str) -> None:
    window = current_app.config["LOGIN_FAILURE_WINDOW"]
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.at < utcnow() - window))
    db.session.add(LoginFailure(username=username.lower(), address=address))
    db.session.commit()


def clear_failures(username: str) -> None:
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.username == username.lower()))
    db.session.commit()
