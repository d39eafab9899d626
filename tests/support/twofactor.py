"""Second factors for tests (issue 27): an authenticator app with a known secret, and its code
at a moment the test chose (the server's clock is set with patrol.db.set_clock)."""

from __future__ import annotations

from datetime import UTC, datetime

import pyotp
import sqlalchemy as sa

from patrol.auth.models import TotpFactor, User
from patrol.db import db

# 10 s into a 30-second step, so one step either side is unambiguous.
NOW = datetime(2026, 11, 24, 8, 0, 10, tzinfo=UTC)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def give_factor(app, username: str) -> list[str]:
    """A confirmed authenticator app (SECRET) and ten recovery codes (returned) for `username`."""
    from patrol.auth import twofactor

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        db.session.add(TotpFactor(user_id=user.id, secret=SECRET, confirmed_at=NOW))
        codes = twofactor.replace_recovery_codes(user)
        db.session.commit()
        return codes


def code_at(moment: datetime, secret: str = SECRET) -> str:
    return pyotp.TOTP(secret).at(moment)
