"""Marshmallow schemas for reports and photos."""

from flask import url_for
from marshmallow import Schema, ValidationError, fields, validate, validates

from patrol.fields import RowId, Text, UTCDateTime
from patrol.reports.models import CATEGORIES, LEVELS, MAX_PHOTOS_PER_REPORT
from patrol.shifts.schemas import LocationFields


class ReportIn(LocationFields):
    shift_id = fields.UUID(required=True)
    property_id = RowId(required=True)
    checkpoint_id = RowId(load_default=None, allow_none=True)
    category = Text(required=True, validate=validate.OneOf(CATEGORIES))
    level = Text(required=True, validate=validate.OneOf(LEVELS))
    description = Text(load_default="", allow_none=True, validate=validate.Length(max=4000))
    occurred_at = UTCDateTime(required=True)
    photo_ids = fields.List(fields.UUID(), load_default=list, allow_none=True)

    @validates("photo_ids")
    def at_most_six_distinct(self, value, **_):
        if value and len(value) > MAX_PHOTOS_PER_REPORT:
            raise ValidationError("At most 6 photos per report.")
        if value and len(set(value)) != len(value):
            raise ValidationError("The same photo id is listed twice.")


class PhotoOut(Schema):
    id = fields.UUID()
    sha256 = fields.String()
    content_type = fields.String()
    width = fields.Integer()
    height = fields.Integer()
    bytes = fields.Integer()
    taken_at = UTCDateTime(allow_none=True)
    received_at = UTCDateTime()
    url = fields.Function(
        lambda p: url_for("reports.get_photo", report_id=p.report_id, photo_id=p.id)
    )
    thumbnail_url = fields.Function(
        lambda p: url_for("reports.get_photo", report_id=p.report_id, photo_id=p.id, size="thumb")
    )


class ReportOut(Schema):
    id = fields.UUID()
    shift_id = fields.UUID()
    property_id = fields.Integer()
    property_name = fields.Function(lambda r: r.property.name)
    checkpoint_id = fields.Integer(allow_none=True)
    category = fields.String()
    level = fields.String()
    description = fields.String()
    occurred_at = UTCDateTime()
    received_at = UTCDateTime()
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    accuracy_m = fields.Float(allow_none=True)
    photo_ids = fields.List(fields.String())
    photos = fields.List(fields.Nested(PhotoOut))
    missing_photo_ids = fields.List(fields.String())
    complete = fields.Boolean()
    flags = fields.List(fields.String())
    review_status = fields.String()
    needs_repair = fields.Boolean()
