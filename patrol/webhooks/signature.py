"""The signature on every webhook Nattpatrull sends (the alarm receiver and the integrations
alike, one scheme):

    Nattpatrull-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>

`t` is when this attempt was signed, so a receiver can refuse a replayed delivery: it checks
that `t` is at most five minutes old and that `v1` matches the exact bytes of the body it
received (re-encoding the JSON would change them). Each retry signs again with a new `t`; the
body stays the same bytes, and `Nattpatrull-Delivery` names it for de-duplication.

Standard library only, so a receiver can copy this file (docs/integrations.md shows it).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import datetime

HEADER = "Nattpatrull-Signature"
TOLERANCE_S = 300


def _digest(secret: str, t: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()


def header(secret: str, body: bytes, now: datetime | None = None) -> str:
    """The header value for `body` signed with `secret` at `now` (the real time if None)."""
    t = int(now.timestamp()) if now is not None else int(time.time())
    return f"t={t},v1={_digest(secret, t, body)}"


def verify(
    value: str,
    body: bytes,
    secret: str,
    now: datetime | None = None,
    tolerance_s: int = TOLERANCE_S,
) -> bool:
    """Whether `value` (the header) signs `body` with `secret` and is at most `tolerance_s`
    old (or as much in the future, for clocks that differ). Several v1= are allowed (a sender
    rotating its secret signs with both); one match suffices."""
    t = None
    signatures = []
    for part in (value or "").split(","):
        key, _, item = part.strip().partition("=")
        if key == "t" and item.isdigit():
            t = int(item)
        elif key == "v1" and item:
            signatures.append(item)
    if t is None or not signatures:
        return False
    current = now.timestamp() if now is not None else time.time()
    if abs(current - t) > tolerance_s:
        return False
    expected = _digest(secret, t, body)
    return any(hmac.compare_digest(expected, s) for s in signatures)
