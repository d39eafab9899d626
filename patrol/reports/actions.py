"""Thumbnails made after the upload's answer.

An upload of a JPEG kept byte for byte answers 201 without decoding it; its row is committed
with `thumbnail_key` NULL, which is the queue. The queue is durable (it is the photo row
itself) and is drained by whoever comes first: `flask --app app worker` (a registered drain),
the next read of the thumbnail (the review pages and the PDF ask for it), or
`flask --app app photos thumbnails`. Two hosts completing the same thumbnail write the same key with the same
bytes; the row is updated only while still NULL.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app
from PIL import Image
from sqlalchemy.exc import IntegrityError

from patrol.db import db
from patrol.reports.images import thumbnail_of
from patrol.reports.models import Photo
from patrol.reports.storage import photo_store, read_photo

log = logging.getLogger(__name__)


def thumbnail_key_for(photo: Photo) -> str:
    return photo.storage_key.rsplit(".", 1)[0] + ".thumb.jpg"


def complete_thumbnail(photo: Photo) -> str:
    """The photo's thumbnail key, making and storing the thumbnail first when it is queued.

    A photo that cannot be decoded (it passed the structure check at upload) gets the photo
    itself as its thumbnail, so the queue never sticks on it."""
    if photo.thumbnail_key is not None:
        return photo.thumbnail_key
    store = photo_store()
    data = read_photo(photo.storage_key)
    key = thumbnail_key_for(photo)
    try:
        edge = current_app.config["THUMBNAIL_EDGE"]
        if data is None:
            raise OSError(f"photo {photo.storage_key} is in neither store")
        thumbnail = thumbnail_of(data, edge)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        log.warning("photo %s cannot be decoded; its thumbnail is the photo itself", photo.id)
        key, thumbnail = photo.storage_key, None
    try:
        if key != photo.storage_key and not store.exists(key):
            store.save((key, thumbnail))
        db.session.execute(
            sa.update(Photo)
            .where(Photo.id == photo.id, Photo.thumbnail_key.is_(None))
            .values(thumbnail_key=key)
        )
        db.session.commit()
    except IntegrityError:
        # Another host stored the same thumbnail first (database store): theirs is ours.
        db.session.rollback()
    photo.thumbnail_key = key
    return key


def complete_pending_thumbnails(limit: int | None = None) -> int:
    """Make every queued thumbnail (at most `limit`); returns how many were made."""
    ids = db.session.scalars(
        sa.select(Photo.id)
        .where(Photo.thumbnail_key.is_(None))
        .order_by(Photo.received_at)
        .limit(limit)
    ).all()
    for photo_id in ids:
        photo = db.session.get(Photo, photo_id)
        if photo is not None:
            complete_thumbnail(photo)
    return len(ids)
