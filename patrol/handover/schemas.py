"""Marshmallow schemas of the hand-over: its photos, "Läst", and the sites document's part."""

from flask import url_for
from marshmallow import EXCLUDE, Schema, fields

from patrol.fields import UTCDateTime


def _photo_url(photo, **extra) -> str:
    return url_for("handover.get_photo", shift_id=photo.shift_id, photo_id=photo.id, **extra)


class HandoverPhotoOut(Schema):
    id = fields.UUID()
    shift_id = fields.UUID()
    sha256 = fields.String()
    content_type = fields.String()
    width = fields.Integer()
    height = fields.Integer()
    bytes = fields.Integer()
    received_at = UTCDateTime()
    url = fields.Function(lambda p: _photo_url(p))
    thumbnail_url = fields.Function(lambda p: _photo_url(p, size="thumb"))


class HandoverPhotoForPhone(Schema):
    """A hand-over's photo as the sites document lists it (its own name in the OpenAPI)."""

    id = fields.UUID()
    width = fields.Integer()
    height = fields.Integer()
    url = fields.Function(lambda p: _photo_url(p))


class HandoverForPhone(Schema):
    """A hand-over the next shift in its area must read (the sites document's `handovers`)."""

    shift_id = fields.UUID()
    area_id = fields.Integer()
    area_name = fields.String()
    guard_name = fields.String()
    ended_at = UTCDateTime()
    text = fields.String()
    photos = fields.List(fields.Nested(HandoverPhotoForPhone))


class HandoverReadIn(Schema):
    class Meta:
        unknown = EXCLUDE  # a newer phone may send fields this server does not know

    # The shift whose hand-over was read, and the reader's own shift (if one was started).
    handover_shift_id = fields.UUID(required=True)
    shift_id = fields.UUID(load_default=None, allow_none=True)
    read_at = UTCDateTime(required=True)


class HandoverReadOut(Schema):
    id = fields.UUID()
    handover_shift_id = fields.UUID()
    shift_id = fields.UUID(allow_none=True)
    read_at = UTCDateTime()
    received_at = UTCDateTime()
