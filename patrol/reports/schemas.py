"""Marshmallow schemas for reports and photos."""

from flask import url_for
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from patrol.fields import RowId, Text, UTCDateTime
from patrol.reports.models import (
    CATEGORIES,
    INCIDENT_CATEGORY,
    INCIDENT_ROLES,
    LEVELS,
    MAX_PHOTOS_PER_REPORT,
)
from patrol.shifts.schemas import LocationFields


def _someone_exposed(value):
    if not value:
        raise ValidationError("Say who was exposed.")
    _distinct_roles(value)


def _distinct_roles(value):
    if len(set(value)) != len(value):
        raise ValidationError("The same role is listed twice.")


class IncidentIn(Schema):
    """A threat or violence incident's details: who was exposed and who saw it as roles
    (never names), injuries, the police report's number. "What happened" is the report's
    description."""

    exposed_roles = fields.List(
        Text(validate=validate.OneOf(INCIDENT_ROLES)),
        required=True,
        validate=_someone_exposed,
    )
    witness_roles = fields.List(
        Text(validate=validate.OneOf(INCIDENT_ROLES)),
        load_default=list,
        validate=_distinct_roles,
    )
    injuries = Text(load_default="", allow_none=True, validate=validate.Length(max=2000))
    police_report_number = Text(load_default="", allow_none=True, validate=validate.Length(max=40))


class IncidentOut(Schema):
    exposed_roles = fields.List(fields.String())
    witness_roles = fields.List(fields.String())
    injuries = fields.String(allow_none=True)
    police_report_number = fields.String()
    closed = fields.Function(lambda i: i.closed_at is not None)


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
    # Required for a threat or violence incident (category threat_violence), refused otherwise.
    incident = fields.Nested(IncidentIn, load_default=None, allow_none=True)

    @validates_schema
    def incident_details(self, data, **_):
        is_incident = data.get("category") == INCIDENT_CATEGORY
        if is_incident and data.get("incident") is None:
            raise ValidationError("A threat or violence report needs its details.", "incident")
        if not is_incident and data.get("incident") is not None:
            raise ValidationError("Only a threat or violence report has these details.", "incident")
        if is_incident and data.get("shift_id") is None:
            raise ValidationError("A threat or violence report is made on a shift.", "shift_id")

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
    incident = fields.Nested(IncidentOut, allow_none=True)
