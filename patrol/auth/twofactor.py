"""The second step of signing in (issue 27): an authenticator app (TOTP) and recovery codes.

The password alone never logs a user with a second factor in. A right password puts the
browser in a *half-signed-in* state: the user's id and the server's time in the signed Flask
session, and nothing else. No `user_sessions` row exists until the second step passes
(`actions.start_session` makes it), so every route that needs a login still answers 401 or
sends to the login page meanwhile. The half state lasts SECOND_STEP_LIFETIME (5 minutes) by the
server's clock (`patrol.db.utcnow`), and a wrong code counts as a failed login in the same
limits as a wrong password (`limits.py`): a guesser gets no more tries at the code than at the
password.

Who must have a second factor (`must_have_factor`): admins always; other roles when an admin
has turned it on for the role (`SecondFactorRole`, /admin/users). Such a user without a factor
sets one up in the half state, before the first session exists.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from datetime import datetime

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app, request, session
from flask_babel import gettext

from patrol.auth import limits
from patrol.auth.models import Passkey, RecoveryCode, SecondFactorRole, TotpFactor, User
from patrol.auth.passkeys import has_passkey
from patrol.auth.roles import ADMIN
from patrol.auth.sessions import end_all_sessions
from patrol.db import db, utcnow
from patrol.errors import ApiError

HALF_KEY = "second_step"
RECOVERY_CODE_COUNT = 10
# pyotp's defaults, which every authenticator app reads: 6 digits, 30-second steps, SHA-1.
TOTP_INTERVAL = 30
# Codes of the step before and after the server's own are accepted (a phone's clock a little
# off, a code typed as it changed), no more.
TOTP_TOLERANCE_STEPS = 1
ISSUER = "Nattpatrull"
# Recovery codes: 16 characters of base32 (80 bits), lower case, no 0/1/8/9 to misread.
RECOVERY_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"


# --- who must have one, who has one ----------------------------------------------------------


def required_roles() -> set[str]:
    """The roles whose users must set up a second factor: admin always, and the roles an
    admin turned it on for."""
    return {ADMIN, *db.session.scalars(sa.select(SecondFactorRole.role))}


def must_have_factor(user: User) -> bool:
    # For tests only, refused in production (patrol/configcheck.py): the suite logs in admins
    # without factors through many helpers; users that have a factor are asked for it anyway.
    if str(current_app.config.get("TESTS_SKIP_SECOND_FACTOR_SETUP")).lower() in ("1", "true"):
        return False
    return user.role in required_roles()


def confirmed_totp(user_id: int) -> TotpFactor | None:
    return db.session.scalar(
        sa.select(TotpFactor).where(
            TotpFactor.user_id == user_id, TotpFactor.confirmed_at.is_not(None)
        )
    )


def has_factor(user: User) -> bool:
    """A confirmed authenticator app or at least one passkey."""
    return confirmed_totp(user.id) is not None or has_passkey(user.id)


def recovery_codes_left(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    )


# --- the half-signed-in state ----------------------------------------------------------------


def begin_half_login(user: User, enrol: bool, next_path: str | None) -> None:
    """The password was right: remember who, since when, and whether a factor must be set up
    first. The session cookie is signed, so nobody can write another user's id into it."""
    session[HALF_KEY] = {
        "uid": user.id,
        "at": utcnow().isoformat(),
        "enrol": bool(enrol),
        "next": next_path,
    }


def half_login() -> dict | None:
    """The half state while it is fresh (its user still active), else None (and it is
    forgotten: a code typed 5 minutes after the password logs nobody in)."""
    state = session.get(HALF_KEY)
    if not isinstance(state, dict):
        return None
    try:
        began = datetime.fromisoformat(state["at"])
    except (KeyError, TypeError, ValueError):
        session.pop(HALF_KEY, None)
        return None
    age = utcnow() - began
    if age > current_app.config["SECOND_STEP_LIFETIME"] or age.total_seconds() < -60:
        session.pop(HALF_KEY, None)
        return None
    return state


def half_user() -> User | None:
    state = half_login()
    if state is None:
        return None
    user = db.session.get(User, state["uid"])
    if user is None or not user.active:
        session.pop(HALF_KEY, None)
        return None
    return user


def end_half_login() -> dict | None:
    return session.pop(HALF_KEY, None)


def expired_error() -> ApiError:
    return ApiError(
        401,
        gettext("The sign-in took too long. Log in again with your password."),
        code="second_step_expired",
    )


# --- codes -----------------------------------------------------------------------------------


def _address() -> str:
    return (request.remote_addr or "unknown")[:64]


def _matching_step(secret: str, code: str, after: int | None) -> int | None:
    """The time step whose code this is (within the tolerance), if later than `after`."""
    totp = pyotp.TOTP(secret, interval=TOTP_INTERVAL)
    now = utcnow()
    current = totp.timecode(now)
    for offset in range(-TOTP_TOLERANCE_STEPS, TOTP_TOLERANCE_STEPS + 1):
        step = current + offset
        if after is not None and step <= after:
            continue
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def recovery_digest(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def check_second_step(user: User, code: str) -> str:
    """Accept a code from the app (once per time step) or an unused recovery code; returns
    "totp" or "recovery". A wrong code is a failed login in the password's limits (401, and
    429 with Retry-After once a limit is reached), counted one at a time per account."""
    address = _address()
    limits.lock_account(user.username)
    try:
        limits.check_login_allowed(user.username, address)
    except ApiError:
        db.session.rollback()
        raise
    cleaned = normalise_code(code or "")
    used = None
    if cleaned.isdigit() and len(cleaned) == 6:
        factor = confirmed_totp(user.id)
        step = factor and _matching_step(factor.secret, cleaned, factor.last_step)
        if step is not None and factor is not None:
            factor.last_step = step
            used = "totp"
    elif len(cleaned) >= 16:
        row = db.session.scalar(
            sa.select(RecoveryCode)
            .where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_sha256 == recovery_digest(cleaned),
                RecoveryCode.used_at.is_(None),
            )
            .with_for_update()
        )
        if row is not None:
            row.used_at = utcnow()
            used = "recovery"
    if used is None:
        limits.record_failure(user.username, address)
        raise ApiError(401, gettext("Wrong code. Try again."), code="bad_code")
    db.session.commit()
    limits.clear_failures(user.username, address)
    return used


# --- setting up the app ----------------------------------------------------------------------


def pending_totp(user: User) -> TotpFactor:
    """The factor being set up (a new secret, not yet confirmed), made on first use: the QR
    code shown again (a reload) is the same one."""
    factor = db.session.get(TotpFactor, user.id)
    if factor is None or factor.confirmed_at is not None:
        if factor is None:
            factor = TotpFactor(user_id=user.id)
            db.session.add(factor)
        factor.secret = pyotp.random_base32()
        factor.confirmed_at = None
        factor.last_step = None
        db.session.commit()
    return factor


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret, interval=TOTP_INTERVAL).provisioning_uri(
        name=user.username, issuer_name=ISSUER
    )


def qr_svg(uri: str) -> str:
    """The QR code of the app's set-up link, as inline SVG markup (no script, no request)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(
        out, kind="svg", scale=5, border=2, xmldecl=False, svgns=True, dark="#000", light="#fff"
    )
    return out.getvalue().decode()


def confirm_totp(user: User, code: str) -> list[str]:
    """The first code from the app confirms the factor; returns ten new recovery codes (shown
    once). A wrong code counts in the login limits like any other."""
    address = _address()
    limits.lock_account(user.username)
    try:
        limits.check_login_allowed(user.username, address)
    except ApiError:
        db.session.rollback()
        raise
    factor = db.session.get(TotpFactor, user.id)
    cleaned = normalise_code(code or "")
    step = None
    if factor is not None and factor.confirmed_at is None and cleaned.isdigit():
        step = _matching_step(factor.secret, cleaned, None)
    if step is None or factor is None:
        limits.record_failure(user.username, address)
        raise ApiError(401, gettext("Wrong code. Try again."), code="bad_code")
    factor.confirmed_at = utcnow()
    factor.last_step = step
    codes = replace_recovery_codes(user)
    db.session.commit()
    limits.clear_failures(user.username, address)
    return codes


def replace_recovery_codes(user: User) -> list[str]:
    """Ten new codes (80 random bits each, shown as four groups of four), the old ones gone.
    The caller commits."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(16))
        code = "-".join(raw[i : i + 4] for i in range(0, 16, 4))
        db.session.add(RecoveryCode(user_id=user.id, code_sha256=recovery_digest(code)))
        codes.append(code)
    return codes


def reset_factors(user: User) -> int:
    """Remove every factor (app, passkeys) and recovery code of `user` and end all of the user's sessions (a
    lost phone: the next sign-in sets a new factor up). Returns the sessions ended. The
    caller writes the audit event and commits."""
    db.session.execute(sa.delete(TotpFactor).where(TotpFactor.user_id == user.id))
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(sa.delete(Passkey).where(Passkey.user_id == user.id))
    return end_all_sessions(user.id)


def set_required_roles(roles: set[str]) -> tuple[list[str], list[str]]:
    """Make exactly `roles` (besides admin) need a second factor; returns (before, after).
    The caller writes the audit event and commits."""
    before = sorted(db.session.scalars(sa.select(SecondFactorRole.role)))
    db.session.execute(sa.delete(SecondFactorRole))
    for role in sorted(roles - {ADMIN}):
        db.session.add(SecondFactorRole(role=role))
    return before, sorted(roles - {ADMIN})
