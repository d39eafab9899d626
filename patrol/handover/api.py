"""The hand-over's API (architecture §5): its photos, uploaded by the guard who ended the shift,
read by the next shift's phone; and "Läst", a record of the reader's phone."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext
from flask_login import current_user

from patrol.auth.roles import PATROL_ROLES
from patrol.db import db
from patrol.errors import ApiError, field_error
from patrol.handover.models import MAX_PHOTOS_PER_HANDOVER, HandoverPhoto, HandoverRead
from patrol.handover.queries import IS_HANDOVER, may_read
from patrol.handover.schemas import HandoverPhotoOut, HandoverReadIn, HandoverReadOut
from patrol.openapi import documented
from patrol.reports.images import clean_photo, thumbnail_of
from patrol.reports.storage import photo_response
from patrol.reports.uploads import PHOTO_REQUEST, checked_upload, store_photo
from patrol.security import roles_required
from patrol.shifts.models import Shift
from patrol.sync import conflict, json_body, put_record

PHOTO_OUT_SCHEMA = HandoverPhotoOut()
READ_IN_SCHEMA = HandoverReadIn()
READ_OUT_SCHEMA = HandoverReadOut()

bp = Blueprint("handover", __name__)

PHOTO_URL = "/api/v1/shifts/<uuid:shift_id>/handover/photos/<uuid:photo_id>"


@bp.put(PHOTO_URL)
@roles_required(*PATROL_ROLES)
@documented(
    request_content=PHOTO_REQUEST,
    responses={200: HandoverPhotoOut, 201: HandoverPhotoOut},
    summary="Upload one photo of the shift's hand-over (raw bytes, Content-Digest: sha-256=:...:)",
)
def put_photo(shift_id: uuid.UUID, photo_id: uuid.UUID):
    config = current_app.config
    shift = db.session.get(Shift, shift_id)
    if shift is None:
        raise ApiError(404, gettext("The shift has not arrived yet. Send the shift first."))
    if shift.guard_id != current_user.id:
        raise ApiError(403, gettext("This shift belongs to another guard."))
    existing = db.session.get(HandoverPhoto, photo_id)
    if existing is None:
        count = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(HandoverPhoto)
            .where(HandoverPhoto.shift_id == shift.id)
        )
        if count >= MAX_PHOTOS_PER_HANDOVER:
            raise field_error(
                "photo_id",
                gettext("A hand-over has at most %(n)d photos.", n=MAX_PHOTOS_PER_HANDOVER),
            )
    body, sha256 = checked_upload()
    if existing is not None:
        return same_photo_or_conflict(existing, shift.id, sha256)
    clean = clean_photo(
        body, max_pixels=config["MAX_PHOTO_PIXELS"], thumbnail_edge=config["THUMBNAIL_EDGE"]
    )
    photo, status = store_photo(
        HandoverPhoto,
        {"id": photo_id, "shift_id": shift.id},
        # Next to the report photos in the same store.
        stem=f"handovers/{shift.id}/{photo_id}-{sha256[:16]}",
        clean=clean,
        sha256=sha256,
        # A hand-over photo is rare: its thumbnail is made here, at once.
        thumbnail=clean.thumbnail or thumbnail_of(clean.data, config["THUMBNAIL_EDGE"]),
        same=lambda existing: existing.shift_id == shift.id and existing.sha256 == sha256,
    )
    return jsonify(PHOTO_OUT_SCHEMA.dump(photo)), status


def same_photo_or_conflict(existing: HandoverPhoto, shift_id: uuid.UUID, sha256: str):
    if existing.shift_id == shift_id and existing.sha256 == sha256:
        return jsonify(PHOTO_OUT_SCHEMA.dump(existing)), 200
    raise conflict()


@bp.get(PHOTO_URL)
@roles_required(*PATROL_ROLES)
@documented(responses={200: None}, summary="A hand-over photo (?size=thumb: the thumbnail)")
def get_photo(shift_id: uuid.UUID, photo_id: uuid.UUID):
    photo = db.session.get(HandoverPhoto, photo_id)
    if photo is None or photo.shift_id != shift_id:
        raise ApiError(404)
    if not may_read(current_user, photo.shift):
        raise ApiError(403)
    thumb = request.args.get("size") == "thumb" and photo.thumbnail_key is not None
    return photo_response(
        photo.thumbnail_key if thumb else photo.storage_key,
        mimetype="image/jpeg" if thumb else photo.content_type,
        etag=f"{photo.sha256[:32]}{'-t' if thumb else ''}",
    )


def read_content(handover_shift_id, shift_id, read_at) -> dict:
    return {"handover_shift_id": handover_shift_id, "shift_id": shift_id, "read_at": read_at}


@bp.put("/api/v1/handover-reads/<uuid:read_id>")
@roles_required(*PATROL_ROLES)
@documented(
    request=HandoverReadIn,
    responses={200: HandoverReadOut, 201: HandoverReadOut},
    summary='"Läst": the guard has read a hand-over (idempotent)',
)
def put_read(read_id: uuid.UUID):
    data = READ_IN_SCHEMA.load(json_body())
    handover = db.session.scalar(
        sa.select(Shift).where(Shift.id == data["handover_shift_id"], IS_HANDOVER)
    )
    if handover is None:
        raise field_error("handover_shift_id", gettext("There is no such hand-over."))
    if not may_read(current_user, handover):
        raise ApiError(403, gettext("This hand-over belongs to another area."))
    reader_shift = db.session.get(Shift, data["shift_id"]) if data["shift_id"] else None
    shift_id = (
        reader_shift.id if reader_shift and reader_shift.guard_id == current_user.id else None
    )
    wanted = read_content(handover.id, shift_id, data["read_at"])
    row, status = put_record(
        HandoverRead,
        read_id,
        wanted | {"reader_id": current_user.id},
        owner_id=lambda r: r.reader_id,
        content=lambda r: read_content(r.handover_shift_id, r.shift_id, r.read_at),
        wanted=wanted,
    )
    return jsonify(READ_OUT_SCHEMA.dump(row)), status
