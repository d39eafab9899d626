"""Marshmallow schemas of the lone-worker records (heartbeat, timer, "utan täckning")."""

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from patrol.alarms.models import NO_COVERAGE_MINUTES, TIMER_MINUTES
from patrol.errors import N_
from patrol.fields import Text, UTCDateTime
from patrol.shifts.schemas import LocationFields


class HeartbeatIn(Schema):
    class Meta:
        unknown = EXCLUDE

    # The phone's time when the app opened or came to the foreground (kept for nothing but
    # the answer: the server's own clock decides).
    at = UTCDateTime(load_default=None, allow_none=True)


class HeartbeatOut(Schema):
    shift_id = fields.UUID(attribute="id")
    last_heard_at = UTCDateTime(allow_none=True)


class TimerIn(LocationFields):
    shift_id = fields.UUID(required=True)
    task = Text(required=True, validate=validate.Length(min=1, max=200))
    started_at = UTCDateTime(required=True)
    # The length from the start, or from the last extension (`extended_at`).
    minutes = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(*TIMER_MINUTES, error=N_("A timer runs 5 to 60 minutes.")),
    )
    extended_at = UTCDateTime(load_default=None, allow_none=True)
    # "Jag är OK": the timer stops.
    stopped_at = UTCDateTime(load_default=None, allow_none=True)

    @validates_schema
    def in_order(self, data, **_):
        if data.get("extended_at") and data["extended_at"] < data["started_at"]:
            raise ValidationError(N_("An extension cannot come before the start."), "extended_at")
        if data.get("stopped_at") and data["stopped_at"] < data["started_at"]:
            raise ValidationError(N_("The stop cannot come before the start."), "stopped_at")


class TimerOut(Schema):
    id = fields.UUID()
    shift_id = fields.UUID()
    task = fields.String()
    started_at = UTCDateTime()
    minutes = fields.Integer()
    due_at = UTCDateTime()
    stopped_at = UTCDateTime(allow_none=True)
    received_at = UTCDateTime()
    alarm_id = fields.UUID(allow_none=True)


CHOOSE_MINUTES = N_("Choose 10, 20, 30 or 60 minutes.")


class NoCoverageIn(Schema):
    class Meta:
        unknown = EXCLUDE

    shift_id = fields.UUID(required=True)
    started_at = UTCDateTime(required=True)
    minutes = fields.Integer(
        required=True,
        strict=True,
        validate=[
            validate.Range(min=1, max=max(NO_COVERAGE_MINUTES), error=CHOOSE_MINUTES),
            validate.OneOf(NO_COVERAGE_MINUTES, error=CHOOSE_MINUTES),
        ],
    )
    # Ended early by the guard.
    ended_at = UTCDateTime(load_default=None, allow_none=True)

    @validates_schema
    def in_order(self, data, **_):
        if data.get("ended_at") and data["ended_at"] < data["started_at"]:
            raise ValidationError(N_("The end cannot come before the start."), "ended_at")


class NoCoverageOut(Schema):
    id = fields.UUID()
    shift_id = fields.UUID()
    started_at = UTCDateTime()
    minutes = fields.Integer()
    ends_at = UTCDateTime()
    ended_at = UTCDateTime(allow_none=True)
    received_at = UTCDateTime()
