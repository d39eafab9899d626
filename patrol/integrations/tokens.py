"""API tokens: made, found by their hash, checked for scope, revoked, and every use audited.

The integration routes take `Authorization: Bearer <token>` and nothing else: `bearer(scope)`
marks a view so that patrol.security skips the session and CSRF checks for it (a bearer
request carries no cookie an attacker's page could ride on), and the request runs as no
logged-in user even when a session cookie comes along. No other route reads the header
(there is no Flask-Login request loader), so a token never opens the sync, review or admin
routes.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, g, request
from flask_babel import gettext
from marshmallow import ValidationError

from patrol.audit import AuditEvent
from patrol.db import db, utcnow
from patrol.errors import ApiError
from patrol.extensions import login_manager
from patrol.integrations.models import SCOPES, IntegrationToken

TOKEN_PREFIX = "np_"
# last_used_at is written at most this often per token (the audit has every use).
LAST_USE_EVERY = timedelta(minutes=1)
# A header longer than this is no token of ours (refused before hashing anything).
MAX_TOKEN_LENGTH = 200


def hash_token(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_token(
    name: str,
    scopes: list[str],
    organization_id: int | None,
    created_by_id: int,
    expires_at: datetime | None = None,
) -> tuple[IntegrationToken, str]:
    """A new token row (added to the session) and its text, which is shown once and never
    stored."""
    unknown = set(scopes) - set(SCOPES)
    if unknown or not scopes:
        raise ValueError(f"unknown or no scopes: {sorted(unknown)}")
    text = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = IntegrationToken(
        name=name,
        scopes=[s for s in SCOPES if s in scopes],
        organization_id=organization_id,
        token_hash=hash_token(text),
        prefix=text[:7],
        created_by_id=created_by_id,
        created_at=utcnow(),
        expires_at=expires_at,
    )
    db.session.add(token)
    return token, text


def _unauthorized(message: str) -> ApiError:
    return ApiError(
        401, message, code="invalid_token", headers={"WWW-Authenticate": 'Bearer realm="api"'}
    )


def token_of_request() -> IntegrationToken:
    """The usable token named by the request's Authorization header, else a 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, text = header.partition(" ")
    text = text.strip()
    if scheme.lower() != "bearer" or not text:
        raise _unauthorized(gettext("Send the API token as Authorization: Bearer <token>."))
    if len(text) > MAX_TOKEN_LENGTH or not text.isascii():
        raise _unauthorized(gettext("The token is not valid."))
    token = db.session.scalar(
        sa.select(IntegrationToken).where(IntegrationToken.token_hash == hash_token(text))
    )
    if token is None or not token.usable(utcnow()):
        raise _unauthorized(gettext("The token is not valid, has expired or was revoked."))
    return token


def record_use(token: IntegrationToken, status: int) -> None:
    """One audit event per use (in its own commit, whatever the view did), and last_used_at
    at most once a minute."""
    now = utcnow()
    db.session.add(
        AuditEvent(
            actor_id=None,
            action="use",
            entity="integration_token",
            entity_id=token.id,
            entity_name=token.name[:200],
            changes={
                "request": [None, f"{request.method} {request.path}"[:300]],
                "status": [None, status],
            },
        )
    )
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_EVERY:
        token.last_used_at = now
    db.session.commit()


def bearer(scope: str) -> Callable:
    """Only a usable token with `scope`; the view finds it in `g.integration_token`."""
    if scope not in SCOPES:
        raise ValueError(scope)

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            # A session cookie that came along is not who is asking.
            g._login_user = login_manager.anonymous_user()
            token = token_of_request()
            token_id = token.id
            try:
                if scope not in token.scopes:
                    raise ApiError(
                        403,
                        gettext("The token does not have the scope %(scope)s.", scope=scope),
                        code="insufficient_scope",
                    )
                g.integration_token = token
                response = current_app.make_response(view(*args, **kwargs))
            except Exception as error:
                db.session.rollback()
                if isinstance(error, ApiError):
                    status = error.status
                else:
                    status = 422 if isinstance(error, ValidationError) else 500
                record_use(db.session.get(IntegrationToken, token_id), status)
                raise
            record_use(db.session.get(IntegrationToken, token_id), response.status_code)
            return response

        wrapped.patrol_bearer = scope
        return wrapped

    return decorate
