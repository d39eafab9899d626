"""Marshmallow schemas for the safety API: resident information as the guard's phone reads and
records it."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from patrol.fields import RowId, Text, UTCDateTime
from patrol.safety.resident_info import plan_title
from patrol.shifts.schemas import LocationFields

MAX_DOORS = 10_000


class VisitIn(LocationFields):
    """An entrance done: what the guard did there (at least one of the three)."""

    entrance_id = RowId(required=True)
    done_at = UTCDateTime(required=True)
    notice_posted = fields.Boolean(load_default=False)
    letters_delivered = fields.Boolean(load_default=False)
    doors_knocked = fields.Integer(
        strict=True, load_default=None, allow_none=True, validate=validate.Range(0, MAX_DOORS)
    )
    doors_answered = fields.Integer(
        strict=True, load_default=None, allow_none=True, validate=validate.Range(0, MAX_DOORS)
    )
    note = Text(load_default="", allow_none=True, validate=validate.Length(max=2000))

    @validates_schema
    def something_done(self, data, **_):
        knocked, answered = data.get("doors_knocked"), data.get("doors_answered")
        if answered is not None and knocked is None:
            raise ValidationError("Give how many doors were knocked on.", "doors_knocked")
        if answered is not None and answered > knocked:
            raise ValidationError("More doors answered than were knocked on.", "doors_answered")
        if not (data.get("notice_posted") or data.get("letters_delivered") or knocked):
            raise ValidationError(
                "Say what was done: notice posted, letters delivered or doors knocked on.",
                "notice_posted",
            )


class VisitOut(Schema):
    id = fields.UUID()
    entrance_id = fields.Integer()
    done_at = UTCDateTime()
    received_at = UTCDateTime()
    notice_posted = fields.Boolean()
    letters_delivered = fields.Boolean()
    doors_knocked = fields.Integer(allow_none=True)
    doors_answered = fields.Integer(allow_none=True)
    note = fields.String()
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    accuracy_m = fields.Float(allow_none=True)
    flags = fields.List(fields.String())


class EntranceOut(Schema):
    id = fields.Integer()
    property_id = fields.Integer()
    property_name = fields.Function(lambda e: e.property.name)
    address = fields.Function(lambda e: e.property.address)
    checkpoint_id = fields.Integer(allow_none=True)
    label = fields.Function(lambda e: e.checkpoint.label if e.checkpoint else None)
    done = fields.Function(lambda e: bool(e.visits))
    visits = fields.List(fields.Nested(VisitOut))


class PlanOut(Schema):
    id = fields.Integer()
    night = fields.Date()
    title = fields.Function(lambda p: plan_title(p))
    methods = fields.List(fields.String())
    message = fields.String()
    created_at = UTCDateTime()
    entrances = fields.List(fields.Nested(EntranceOut))


class PlanListOut(Schema):
    plans = fields.List(fields.Nested(PlanOut))


class WalkOut(Schema):
    id = fields.Integer()
    area_id = fields.Integer()
    area_name = fields.Function(lambda w: w.area.name)
    walk_date = fields.Date()
    participants = fields.String()
    items = fields.List(fields.String())


class WalkListOut(Schema):
    walks = fields.List(fields.Nested(WalkOut))


class WalkCheckIn(LocationFields):
    """A checklist item found in order on a walk."""

    walk_id = RowId(required=True)
    item = fields.Integer(strict=True, required=True, validate=validate.Range(0, 999))
    occurred_at = UTCDateTime(required=True)
    note = Text(load_default="", allow_none=True, validate=validate.Length(max=2000))


class WalkCheckOut(Schema):
    id = fields.UUID()
    walk_id = fields.Integer()
    item = fields.Integer()
    result = fields.String()
    note = fields.String()
    occurred_at = UTCDateTime()
    received_at = UTCDateTime()
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    accuracy_m = fields.Float(allow_none=True)
    flags = fields.List(fields.String())
