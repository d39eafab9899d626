"""Failed-login limits (architecture §5a, §6), none of which anyone can use to lock a guard out:

- per account and address pair: 10 failures within 15 minutes refuse that pair (429 with
  Retry-After) until one ages out; the same account from another address is not affected;
- per address: 50 failures within 15 minutes, whatever the usernames;
- per account from any addresses: after 20 failures within 15 minutes the account takes one
  attempt per 30 seconds (429 with Retry-After until 30 s after the last failure, never a
  sleep in a worker), so the account's owner waits at most 30 s while a guesser spread over
  many addresses gets two tries a minute.

Every limit lifts by itself as failures age out of the window.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext

from patrol.auth.models import LoginFailure
from patrol.db import db, utcnow
from patrol.errors import ApiError
from patrol.i18n import local_time


def _seconds_until_below_limit(where, limit: int) -> int | None:
    """None when under the limit, else the seconds until one failure ages out of the window."""
    window = current_app.config["LOGIN_FAILURE_WINDOW"]
    since = utcnow() - window
    times = db.session.scalars(
        sa.select(LoginFailure.at)
        .where(where, LoginFailure.at > since)
        .order_by(LoginFailure.at.desc())
        .limit(limit)
    ).all()
    if len(times) < limit:
        return None
    oldest_counted = times[-1]
    return max(1, math.ceil((oldest_counted + window - utcnow()).total_seconds()))


def _seconds_until_next_paced_attempt(username: str) -> int | None:
    """After LOGIN_FAILURES_BEFORE_ACCOUNT_PACE failures on the account in the window (from
    any addresses): the seconds until LOGIN_ACCOUNT_PACE has passed since the last one."""
    config = current_app.config
    since = utcnow() - config["LOGIN_FAILURE_WINDOW"]
    times = db.session.scalars(
        sa.select(LoginFailure.at)
        .where(LoginFailure.username == username, LoginFailure.at > since)
        .order_by(LoginFailure.at.desc())
        .limit(config["LOGIN_FAILURES_BEFORE_ACCOUNT_PACE"])
    ).all()
    if len(times) < config["LOGIN_FAILURES_BEFORE_ACCOUNT_PACE"]:
        return None
    wait = (times[0] + config["LOGIN_ACCOUNT_PACE"] - utcnow()).total_seconds()
    return math.ceil(wait) if wait > 0 else None


def lock_account(username: str) -> None:
    """Hold the account's login lock until the current transaction ends.

    PostgreSQL: a transaction-scoped advisory lock on the lower-cased username (any username:
    unknown ones are limited too). SQLite: the old failures are deleted first, which takes the
    database's write lock (one writer at a time) for the rest of the transaction."""
    name = username.lower()
    window = current_app.config["LOGIN_FAILURE_WINDOW"]
    if db.engine.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.at < utcnow() - window))


def try_again_message(wait: int) -> str:
    """When to try again, as the login page and the phone show it: seconds for a short wait,
    else the minutes and the clock time."""
    if wait < 60:
        return gettext("Too many failed logins. Try again in %(seconds)s seconds.", seconds=wait)
    minutes = max(1, math.ceil(wait / 60))
    at: datetime = utcnow() + timedelta(seconds=wait)
    return gettext(
        "Too many failed logins. Try again in %(minutes)s minutes, at %(time)s.",
        minutes=minutes,
        time=local_time(at, "HH:mm"),
    )


def check_login_allowed(username: str, address: str) -> None:
    config = current_app.config
    name = username.lower()
    waits = [
        _seconds_until_below_limit(
            sa.and_(LoginFailure.username == name, LoginFailure.address == address),
            config["LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS"],
        ),
        _seconds_until_below_limit(
            LoginFailure.address == address, config["LOGIN_FAILURES_PER_ADDRESS"]
        ),
        _seconds_until_next_paced_attempt(name),
    ]
    waits = [w for w in waits if w is not None]
    if waits:
        wait = max(waits)
        raise ApiError(429, try_again_message(wait), headers={"Retry-After": str(wait)})


def record_failure(username: str, address: str) -> None:
    db.session.add(LoginFailure(username=username.lower(), address=address))
    db.session.commit()


def clear_failures(username: str, address: str) -> None:
    """A right password clears the failures of this account from this address only: a
    guesser's failures elsewhere keep the account paced."""
    db.session.execute(
        sa.delete(LoginFailure).where(
            LoginFailure.username == username.lower(), LoginFailure.address == address
        )
    )
    db.session.commit()
