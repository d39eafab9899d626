"""Password hashing with Argon2id (memory-hard), parameters from the app config."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


def _hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=current_app.config["PASSWORD_HASH_TIME_COST"],
        memory_cost=current_app.config["PASSWORD_HASH_MEMORY_KIB"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches. An unknown user still costs one hash, so that timing
    does not tell which usernames exist."""
    hasher = _hasher()
    if password_hash is None:
        hasher.hash(password)
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
