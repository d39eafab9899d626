"""A photo's upload, checked before anything is stored: the body's size, its Content-Digest
(RFC 9530) and its media type. Report photos (`PUT /api/v1/reports/<id>/photos/<id>`) and
hand-over photos (`patrol/handover/`) arrive the same way and are checked by the same code."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

from flask import current_app, request
from flask_babel import gettext

from patrol.errors import ApiError
from patrol.reports.images import ACCEPTED_CONTENT_TYPES

_DIGEST_ITEM = re.compile(r"^\s*([A-Za-z0-9-]+)\s*=\s*:([A-Za-z0-9+/=]*):\s*$")

# The request body of a photo upload in the OpenAPI document.
PHOTO_REQUEST = {
    media: {"schema": {"type": "string", "format": "binary"}}
    for media in sorted(ACCEPTED_CONTENT_TYPES)
}


def content_digest_sha256() -> bytes:
    """The sha-256 value of the Content-Digest header (RFC 9530), or 400."""
    header = request.headers.get("Content-Digest")
    if not header:
        raise ApiError(400, gettext("Content-Digest (sha-256) is missing."), code="digest_missing")
    for item in header.split(","):
        match = _DIGEST_ITEM.match(item)
        if match and match.group(1).lower() == "sha-256":
            try:
                value = base64.b64decode(match.group(2), validate=True)
            except (binascii.Error, ValueError):
                break
            if len(value) == 32:
                return value
            break
    raise ApiError(
        400, gettext("Content-Digest has no valid sha-256 value."), code="digest_invalid"
    )


def read_body(limit: int) -> bytes:
    """The request body, or 413 when it is larger than the limit (also when sent chunked)."""
    if request.content_length is not None and request.content_length > limit:
        raise photo_too_large(limit)
    body = (
        request.environ["wsgi.input"].read(limit + 1)
        if request.content_length is None
        else (request.get_data(cache=False))
    )
    if len(body) > limit:
        raise photo_too_large(limit)
    return body


def photo_too_large(limit: int) -> ApiError:
    return ApiError(
        413, gettext("The photo is too large (at most %(mb)s MB).", mb=limit // (1024 * 1024))
    )


def checked_upload() -> tuple[bytes, str]:
    """The uploaded bytes and their SHA-256 (hex), once size, digest and type are right:
    413 too large, 400 no or wrong Content-Digest, 415 not an image type we accept."""
    limit = current_app.config["MAX_PHOTO_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        raise photo_too_large(limit)
    promised = content_digest_sha256()
    if request.mimetype not in ACCEPTED_CONTENT_TYPES:
        raise ApiError(415)
    body = read_body(limit)
    if hashlib.sha256(body).digest() != promised:
        raise ApiError(
            400,
            gettext("The photo did not arrive whole (the digest does not match). Send it again."),
            code="digest_mismatch",
        )
    return body, promised.hex()
