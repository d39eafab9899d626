"""Marshmallow schemas of the drills' JSON API."""

from marshmallow import EXCLUDE, Schema, fields

from patrol.fields import UTCDateTime


class DrillSeenIn(Schema):
    """The phone showed the drill (its clock)."""

    class Meta:
        unknown = EXCLUDE

    seen_at = UTCDateTime(required=True)


class DrillAnswerIn(Schema):
    """The guard tapped "Jag är OK" (the phone's clock at the tap)."""

    class Meta:
        unknown = EXCLUDE

    answered_at = UTCDateTime(required=True)


class DrillOut(Schema):
    id = fields.UUID()
    shift_id = fields.UUID()
    started_by = fields.Function(lambda d: d.started_by.display_name)
    sent_at = UTCDateTime()
    seen_at = UTCDateTime(allow_none=True)
    answered_at = UTCDateTime(allow_none=True)


class DrillListOut(Schema):
    drills = fields.List(fields.Nested(DrillOut))
