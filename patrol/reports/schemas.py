"""Marshmallow schemas for reports and photos."""

from flask import url_for
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from patrol.fields import RowId, Text, UTCDateTime
from patrol.reports.models import CATEGORIES, LEVELS, MAX_PHOTOS_PER_REPORT
from patrol.shifts.schemas import LocationFields


class ReportIn(LocationFields):
    """A report made on a shift (`shift_id`) or on a safety walk (`walk_id`, and `walk_item`
    for the checklist item it is about): exactly one of the two."""

    shift_id = fields.UUID(load_default=None, allow_none=True)
    walk_id = RowId(load_default=None, allow_none=True)
    walk_item = fields.Integer(
        strict=True, load_default=None, allow_none=True, validate=validate.Range(0, 999)
    )
    property_id = RowId(required=True)
    checkpoint_id = RowId(load_default=None, allow_none=True)
    category = Text(required=True, validate=validate.OneOf(CATEGORIES))
    level = Text(required=True, validate=validate.OneOf(LEVELS))
    description = Text(load_default="", allow_none=True, validate=validate.Length(max=4000))
    occurred_at = UTCDateTime(required=True)
    photo_ids = fields.List(fields.UUID(), load_default=list, allow_none=True)

    @validates_schema
    def shift_or_walk(self, data, **_):
        if (data.get("shift_id") is None) == (data.get("walk_id") is None):
            raise ValidationError("Give the shift or the safety walk (one of them).", "shift_id")
        if data.get("walk_item") is not None and data.get("walk_id") is None:
            raise ValidationError("A checklist item belongs to a safety walk.", "walk_item")
        if data.get("walk_id") is not None and data.get("level") != "preventive":
            # The walk's shortcomings are the day crew's work list, never alerts or cases.
            raise ValidationError("A safety walk's finding is preventive.", "level")

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
    shift_id = fields.UUID(allow_none=True)
    walk_id = fields.Integer(allow_none=True)
    walk_item = fields.Integer(allow_none=True)
    night = fields.Date()
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
