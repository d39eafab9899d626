"""Marshmallow schemas for shifts and check-ins (architecture §5, §5a)."""

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from patrol.fields import RowId, UTCDateTime
from patrol.shifts.models import CHECKIN_METHODS


class LocationFields(Schema):
    """lat/lon/accuracy as the phone's Geolocation API gives them; all or nothing of lat/lon."""

    class Meta:
        unknown = EXCLUDE  # a newer phone may send fields this server does not know

    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    lon = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    accuracy_m = fields.Float(
        load_default=None, allow_none=True, validate=validate.Range(min=0, max=1_000_000)
    )

    @validates_schema
    def lat_lon_together(self, data, **_):
        if (data.get("lat") is None) != (data.get("lon") is None):
            field = "lon" if data.get("lon") is None else "lat"
            raise ValidationError("Send both lat and lon, or neither.", field)


class ShiftIn(Schema):
    class Meta:
        unknown = EXCLUDE

    started_at = UTCDateTime(required=True)
    ended_at = UTCDateTime(load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))

    @validates_schema
    def end_after_start(self, data, **_):
        if data.get("ended_at") and data["ended_at"] < data["started_at"]:
            raise ValidationError("The end must not be before the start.", "ended_at")


class ShiftOut(Schema):
    id = fields.UUID()
    started_at = UTCDateTime()
    ended_at = UTCDateTime(allow_none=True)
    night = fields.Date()
    note = fields.String(allow_none=True)
    received_at = UTCDateTime()
    flags = fields.List(fields.String())


class CheckInIn(LocationFields):
    shift_id = fields.UUID(required=True)
    checkpoint_token = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=64)
    )
    checkpoint_code = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=16)
    )
    checkpoint_id = RowId(load_default=None, allow_none=True)
    method = fields.String(required=True, validate=validate.OneOf(CHECKIN_METHODS))
    occurred_at = UTCDateTime(required=True)

    @validates_schema
    def exactly_one_checkpoint(self, data, **_):
        given = [k for k in ("checkpoint_token", "checkpoint_code", "checkpoint_id") if data.get(k)]
        if len(given) != 1:
            raise ValidationError(
                "Send exactly one of checkpoint_token, checkpoint_code or checkpoint_id.",
                "checkpoint_token",
            )


class CheckInOut(Schema):
    id = fields.UUID()
    shift_id = fields.UUID()
    checkpoint_id = fields.Integer()
    checkpoint_label = fields.Function(lambda c: c.checkpoint.label)
    property_id = fields.Function(lambda c: c.checkpoint.property_id)
    method = fields.String()
    occurred_at = UTCDateTime()
    received_at = UTCDateTime()
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    accuracy_m = fields.Float(allow_none=True)
    distance_m = fields.Float(allow_none=True)
    flags = fields.List(fields.String())
    clock_offset_s = fields.Float(allow_none=True)
