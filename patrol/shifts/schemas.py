"""Marshmallow schemas for shifts and check-ins (architecture §5, §5a)."""

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from patrol.fields import RowId, Text, UTCDateTime
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
    note = Text(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    # The area chosen at "Starta pass" (one of the sites document's areas); left out, a guard
    # assigned to exactly one area starts in it. Fixed at the start: an end ignores it.
    area_id = RowId(load_default=None, allow_none=True)

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
    area_id = fields.Integer(allow_none=True)
    received_at = UTCDateTime()
    flags = fields.List(fields.String())


class CheckInIn(LocationFields):
    shift_id = fields.UUID(required=True)
    checkpoint_token = Text(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=64)
    )
    checkpoint_code = Text(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=16)
    )
    checkpoint_id = RowId(load_default=None, allow_none=True)
    method = Text(required=True, validate=validate.OneOf(CHECKIN_METHODS))
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
    # A new check-in's answer fills these from the checkpoint row the view read (api.py).
    checkpoint_label = fields.Function(lambda c: c.checkpoint.label if c.checkpoint else None)
    property_id = fields.Function(lambda c: c.checkpoint.property_id if c.checkpoint else None)
    method = fields.String()
    occurred_at = UTCDateTime()
    received_at = UTCDateTime()
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    accuracy_m = fields.Float(allow_none=True)
    distance_m = fields.Float(allow_none=True)
    flags = fields.List(fields.String())
    clock_offset_s = fields.Float(allow_none=True)


class CheckpointLookupIn(Schema):
    """A scanned token or a typed code to look up before checking in (nothing is stored)."""

    class Meta:
        unknown = EXCLUDE

    checkpoint_token = Text(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=64)
    )
    checkpoint_code = Text(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=16)
    )

    @validates_schema
    def exactly_one(self, data, **_):
        if bool(data.get("checkpoint_token")) == bool(data.get("checkpoint_code")):
            raise ValidationError(
                "Send exactly one of checkpoint_token or checkpoint_code.", "checkpoint_code"
            )


class CheckpointLookupOut(Schema):
    # Only for another area's checkpoint, and then the whole answer (no ids, no names).
    valid = fields.Boolean()
    checkpoint_id = fields.Integer(attribute="id")
    checkpoint_label = fields.String(attribute="label")
    property_id = fields.Integer()
    property_name = fields.Function(lambda c: c.property.name)


class DiscardIn(Schema):
    class Meta:
        unknown = EXCLUDE

    shift_id = fields.UUID(load_default=None, allow_none=True)
    kind = Text(required=True, validate=validate.Length(min=1, max=32))
    label = Text(required=True, validate=validate.Length(min=1, max=300))
    record_url = Text(required=True, validate=validate.Length(min=1, max=300))
    last_status = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(100, 599)
    )
    last_message = Text(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    dependent_count = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000))
    photo_count = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000))
    recorded_at = UTCDateTime(required=True)
    discarded_at = UTCDateTime(required=True)


class DiscardOut(Schema):
    id = fields.UUID()
    guard_id = fields.Integer()
    shift_id = fields.UUID(allow_none=True)
    kind = fields.String()
    label = fields.String()
    record_url = fields.String()
    last_status = fields.Integer(allow_none=True)
    last_message = fields.String(allow_none=True)
    dependent_count = fields.Integer()
    photo_count = fields.Integer()
    recorded_at = UTCDateTime()
    discarded_at = UTCDateTime()
    received_at = UTCDateTime()
