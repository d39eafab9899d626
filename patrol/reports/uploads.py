"""A photo's upload, checked before anything is stored: the body's size, its Content-Digest
(RFC 9530) and its media type; then stored (`store_photo`). Report photos
(`PUT /api/v1/reports/<id>/photos/<id>`) and hand-over photos (`patrol/handover/`) arrive the
same way and are checked and stored by the same code."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from flask_babel import gettext
from sqlalchemy.exc import IntegrityError

from patrol.db import Base, db, utcnow
from patrol.errors import ApiError
from patrol.reports.images import ACCEPTED_CONTENT_TYPES, EXTENSIONS, CleanPhoto
from patrol.reports.storage import Item, PhotoStoreUnavailable, photo_store
from patrol.sync import conflict, insert_statement

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


# How much of a body is read (and hashed) at a time while it streams in.
READ_CHUNK = 64 * 1024


def read_body(limit: int, digest) -> bytes:
    """The request body, hashed into `digest` chunk by chunk as it arrives (no second pass
    over it), or 413 when it is larger than the limit (also when sent chunked)."""
    if request.content_length is not None and request.content_length > limit:
        raise photo_too_large(limit)
    # With a length, werkzeug's stream ends there; chunked, the server marks the end of input.
    stream = request.stream if request.content_length is not None else request.environ["wsgi.input"]
    chunks = []
    size = 0
    while True:
        chunk = stream.read(min(READ_CHUNK, limit + 1 - size))
        if not chunk:
            break
        digest.update(chunk)
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise photo_too_large(limit)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


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
    digest = hashlib.sha256()
    body = read_body(limit, digest)
    if digest.digest() != promised:
        raise ApiError(
            400,
            gettext("The photo did not arrive whole (the digest does not match). Send it again."),
            code="digest_mismatch",
        )
    return body, promised.hex()


def store_photo(
    model: type[Base],
    values: dict[str, Any],
    *,
    stem: str,
    clean: CleanPhoto,
    sha256: str,
    thumbnail: bytes | None,
    same: Callable[[Any], bool],
) -> tuple[Any, int]:
    """Store one checked photo and insert its row: (row, 201), or for a photo that arrived
    before (or raced in through another request) (the stored row, 200) when `same(row)`, else
    409. The one core of the report photo and the hand-over photo uploads.

    `values` are the row's own columns (id, its report or shift, ...); the photo's columns
    (digest, type, size, keys, received_at) are added here. The keys are `stem` plus the type's
    extension, and `stem.thumb.jpg` for the thumbnail (None: none yet, made later). A body
    kept byte for byte goes to the store with the digest the route verified, so no store
    hashes it again. Files and S3: written and synced before the row commits; database: in the
    row's transaction. A store that cannot write raises PhotoStoreUnavailable (503)."""
    storage_key = f"{stem}.{EXTENSIONS[clean.content_type]}"
    thumbnail_key = f"{stem}.thumb.jpg" if thumbnail is not None else None
    items: list[Item] = [
        (storage_key, clean.data, sha256) if clean.unchanged else (storage_key, clean.data)
    ]
    if thumbnail is not None:
        items.append((thumbnail_key, thumbnail))
    values = values | {
        "sha256": sha256,
        "content_type": clean.content_type,
        "width": clean.width,
        "height": clean.height,
        "bytes": len(clean.data),
        "received_at": utcnow(),
        "storage_key": storage_key,
        "thumbnail_key": thumbnail_key,
    }
    store = photo_store()
    session = db.session
    try:
        # Insert first, as put_record does: a photo sent again (its answer was lost) fails on
        # the primary key and is compared then, so a new photo costs no extra read.
        store.save(*items)
        session.connection().execute(insert_statement(model), values)
        session.commit()
    except PhotoStoreUnavailable:
        session.rollback()  # nothing stored: 503 + Retry-After (storage.store_unavailable)
        raise
    except IntegrityError:
        # The same photo arrived before or raced in: keep the winner's bytes.
        session.rollback()
        winner = session.get(model, values["id"], populate_existing=True)
        if winner is None:
            raise
        if store.name != "database" and winner.storage_key != storage_key:
            for key, *_rest in items:
                store.delete(key)
        if same(winner):
            return winner, 200
        raise conflict() from None
    return model(**values), 201
