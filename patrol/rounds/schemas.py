"""Marshmallow schemas for rounds: the guard's skip record (sync contract, architecture §5) and the
plans the phone caches with the sites data."""

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from patrol.fields import RowId, Text, UTCDateTime
from patrol.rounds.models import SKIP_REASON_CODES


class RoundSkipIn(Schema):
    class Meta:
        unknown = EXCLUDE  # a newer phone may send fields this server does not know

    shift_id = fields.UUID(required=True)
    route_id = RowId(required=True)
    checkpoint_id = RowId(required=True)
    reason_code = Text(required=True, validate=validate.OneOf(SKIP_REASON_CODES))
    reason_text = Text(load_default=None, allow_none=True, validate=validate.Length(max=500))
    occurred_at = UTCDateTime(required=True)

    @validates_schema
    def other_needs_words(self, data, **_):
        if data.get("reason_code") == "other" and not (data.get("reason_text") or "").strip():
            raise ValidationError("Write the reason.", "reason_text")


class RoundSkipOut(Schema):
    id = fields.UUID()
    shift_id = fields.UUID()
    route_id = fields.Integer()
    checkpoint_id = fields.Integer()
    reason_code = fields.String()
    reason_text = fields.String(allow_none=True)
    occurred_at = UTCDateTime()
    received_at = UTCDateTime()
    flags = fields.List(fields.String())


class PlannedRoundOut(Schema):
    night = fields.Date()
    index = fields.Integer()
    opens = UTCDateTime()
    due = UTCDateTime(metadata={"description": "visits after this are late"})
    closes = UTCDateTime(metadata={"description": "visits after this do not count"})


class RouteStopOut(Schema):
    checkpoint_id = fields.Integer()
    position = fields.Integer()
    instructions = fields.String(allow_none=True)


class RouteForPhoneOut(Schema):
    """A route as the phone needs it tonight: its checkpoints in order and its rounds' windows
    for the current night and the next (a phone that refreshes at noon still has tonight's)."""

    id = fields.Integer()
    name = fields.String()
    area_id = fields.Integer()
    expected_minutes = fields.Integer()
    stops = fields.List(fields.Nested(RouteStopOut))
    rounds = fields.List(fields.Nested(PlannedRoundOut))
