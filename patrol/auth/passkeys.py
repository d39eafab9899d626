"""Passkeys (WebAuthn, py_webauthn) as a second factor (issue 27): register several, name and
remove them, and confirm a sign-in with one ("Bekräfta med din nyckel").

The relying party is the address the users reach the server by: PATROL_PUBLIC_URL (its host is
the relying-party id, its scheme and host the origin), or in development without one the
request's own host (http://localhost; browsers refuse WebAuthn on a bare IP address). Each
ceremony's challenge is random, kept in the signed session and used once. A sign-in accepts
only a credential registered to the user of the half-signed-in state: another user's passkey,
a removed one or an authenticator never registered is a failed login in the password's limits.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, request, session
from flask_babel import gettext
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from patrol.auth import limits
from patrol.auth.models import Passkey, User
from patrol.db import db, utcnow
from patrol.errors import ApiError

REGISTER_KEY = "passkey_register"
SIGN_IN_KEY = "passkey_sign_in"
RP_NAME = "Nattpatrull"


def relying_party() -> tuple[str, str]:
    """(rp id, origin) from PATROL_PUBLIC_URL, else from the request (development)."""
    parts = urlsplit(current_app.config.get("PUBLIC_URL") or request.host_url)
    return parts.hostname or "localhost", f"{parts.scheme}://{parts.netloc}"


def passkeys_of(user_id: int) -> list[Passkey]:
    return db.session.scalars(
        sa.select(Passkey).where(Passkey.user_id == user_id).order_by(Passkey.created_at)
    ).all()


def has_passkey(user_id: int) -> bool:
    return (
        db.session.scalar(sa.select(Passkey.id).where(Passkey.user_id == user_id).limit(1))
        is not None
    )


def _refused(message: str) -> ApiError:
    return ApiError(401, message, code="bad_passkey")


def registration_options(user: User) -> dict:
    rp_id, _origin = relying_party()
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=RP_NAME,
        user_name=user.username,
        user_display_name=user.display_name,
        user_id=str(user.id).encode(),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=p.credential_id) for p in passkeys_of(user.id)
        ],
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )
    session[REGISTER_KEY] = bytes_to_base64url(options.challenge)
    return json.loads(options_to_json(options))


def register(user: User, credential: dict, name: str) -> Passkey:
    """Verify the browser's answer to `registration_options` and keep the passkey."""
    challenge = session.pop(REGISTER_KEY, None)
    rp_id, origin = relying_party()
    if not challenge:
        raise ApiError(409, gettext("Start adding the key again."), code="no_challenge")
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    # Every malformed or false answer (py_webauthn's WebAuthnException and what parsing the
    # JSON may raise) is a 4xx, never a 5xx.
    except (WebAuthnException, ValueError, KeyError, TypeError, AttributeError) as error:
        raise ApiError(422, gettext("The key could not be added."), code="bad_passkey") from error
    if db.session.scalar(
        sa.select(Passkey.id).where(Passkey.credential_id == verified.credential_id)
    ):
        raise ApiError(409, gettext("This key is added already."), code="passkey_exists")
    passkey = Passkey(
        user_id=user.id,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=name,
    )
    db.session.add(passkey)
    db.session.commit()
    return passkey


def sign_in_options(user: User) -> dict:
    rp_id, _origin = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=p.credential_id) for p in passkeys_of(user.id)
        ],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    session[SIGN_IN_KEY] = bytes_to_base64url(options.challenge)
    return json.loads(options_to_json(options))


def check_passkey(user: User, credential: dict) -> Passkey:
    """The second step with a passkey: only one of `user`'s own, verified against the
    challenge this session was given (used once). Anything else is a failed login."""
    address = (request.remote_addr or "unknown")[:64]
    challenge = session.pop(SIGN_IN_KEY, None)
    limits.lock_account(user.username)
    try:
        limits.check_login_allowed(user.username, address)
    except ApiError:
        db.session.rollback()
        raise
    rp_id, origin = relying_party()
    passkey = None
    try:
        raw_id = base64url_to_bytes(str(credential.get("rawId") or credential.get("id") or ""))
        passkey = db.session.scalar(
            sa.select(Passkey).where(Passkey.credential_id == raw_id, Passkey.user_id == user.id)
        )
        if passkey is None or not challenge:
            raise InvalidAuthenticationResponse("unknown credential or no challenge")
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError, AttributeError):
        limits.record_failure(user.username, address)
        raise _refused(gettext("This key is not registered to your account.")) from None
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = utcnow()
    db.session.commit()
    limits.clear_failures(user.username, address)
    return passkey


def remove(user: User, passkey_id: int) -> bool:
    """Remove one of the user's own passkeys (someone else's id removes nothing)."""
    removed = db.session.execute(
        sa.delete(Passkey).where(Passkey.id == passkey_id, Passkey.user_id == user.id)
    ).rowcount
    db.session.commit()
    return bool(removed)


# --- a passkey alone (where the browser offers one) ---------------------------------------------

# Failures of sign-ins by a key nobody registered are counted under this name (and so in the
# per-address limit): there is no account to charge them to.
UNKNOWN_KEY_USER = "(passkey)"


def sign_in_alone_options() -> dict:
    """Options for "Använd en nyckel i stället" on the login page: no username, the browser offers
    the keys it holds for this site. The key must verify its user (PIN, fingerprint): a key
    alone is then two factors, something held and something known or been."""
    rp_id, _origin = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id, user_verification=UserVerificationRequirement.REQUIRED
    )
    session[SIGN_IN_KEY] = bytes_to_base64url(options.challenge)
    return json.loads(options_to_json(options))


def check_passkey_alone(credential: dict) -> User:
    """The user whose registered key this is, verified with user verification required; a
    key nobody registered, a wrong signature or an inactive user is a failed login."""
    address = (request.remote_addr or "unknown")[:64]
    challenge = session.pop(SIGN_IN_KEY, None)
    try:
        raw_id = base64url_to_bytes(str(credential.get("rawId") or credential.get("id") or ""))
    except (ValueError, TypeError, AttributeError):
        raw_id = b""
    passkey = db.session.scalar(sa.select(Passkey).where(Passkey.credential_id == raw_id))
    user = db.session.get(User, passkey.user_id) if passkey is not None else None
    name = user.username if user is not None else UNKNOWN_KEY_USER
    limits.lock_account(name)
    try:
        limits.check_login_allowed(name, address)
    except ApiError:
        db.session.rollback()
        raise
    rp_id, origin = relying_party()
    try:
        if passkey is None or user is None or not user.active or not challenge:
            raise InvalidAuthenticationResponse("unknown key, inactive user or no challenge")
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError, AttributeError):
        limits.record_failure(name, address)
        raise _refused(gettext("This key is not registered here.")) from None
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = utcnow()
    db.session.commit()
    limits.clear_failures(name, address)
    return user
