"""What the integration API takes and gives (docs/integrations.md shows each with an example).

Times are UTC ISO 8601; ids are the server's (work orders: integers; reports and alarms:
UUIDs). No schema here has a field for a person's name but `done_by` (the name an owner sees:
"Namn som ägare ser", else the role), and none for a position.
"""

from marshmallow import RAISE, Schema, fields, validate

from patrol.fields import Text, UTCDateTime
from patrol.review.models import PRIORITIES, WORK_ORDER_STATUSES

MAX_PAGE = 500


class FeedArgs(Schema):
    """The query of every list: `since` (changed at or after), `cursor` (from the previous
    page's next_cursor), `limit` (1-500, default 100)."""

    class Meta:
        unknown = RAISE

    since = UTCDateTime(load_default=None)
    cursor = Text(load_default=None, validate=validate.Length(max=200))
    limit = fields.Integer(load_default=100, strict=False, validate=validate.Range(1, MAX_PAGE))


class IntegrationPropertyOut(Schema):
    id = fields.Integer()
    name = fields.String()
    address = fields.String()
    owner_ref = fields.String(allow_none=True, metadata={"description": "The owner's own id"})
    organization_id = fields.Integer()


class IntegrationWorkOrderOut(Schema):
    id = fields.Integer()
    status = fields.String(validate=validate.OneOf(WORK_ORDER_STATUSES))
    priority = fields.String(validate=validate.OneOf(PRIORITIES))
    what = fields.String()
    place = fields.String()
    property = fields.Nested(IntegrationPropertyOut)
    report_id = fields.UUID()
    night = fields.Date()
    created_at = UTCDateTime()
    done_at = UTCDateTime(allow_none=True)
    done_note = fields.String(allow_none=True)
    done_by = fields.String(
        allow_none=True, metadata={"description": "The name owners see, or the role"}
    )
    updated_at = UTCDateTime()


class IntegrationReportOut(Schema):
    id = fields.UUID()
    night = fields.Date()
    occurred_at = UTCDateTime()
    property = fields.Nested(IntegrationPropertyOut)
    category = fields.String()
    level = fields.String(metadata={"description": "preventive, disturbance or acute"})
    text = fields.String(metadata={"description": "The text for the owner, as approved"})
    approved_at = UTCDateTime()
    photo_count = fields.Integer()
    work_order_id = fields.Integer(allow_none=True)
    updated_at = UTCDateTime()


class IntegrationAlarmOut(Schema):
    id = fields.UUID()
    kind = fields.String(metadata={"description": "sos"})
    status = fields.String(validate=validate.OneOf(("open", "acknowledged")))
    occurred_at = UTCDateTime()
    received_at = UTCDateTime()
    acknowledged_at = UTCDateTime(allow_none=True)
    property = fields.Nested(IntegrationPropertyOut, allow_none=True)
    updated_at = UTCDateTime()


def page_of(item_schema, name: str) -> type[Schema]:
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "next_cursor": fields.String(allow_none=True),
            "has_more": fields.Boolean(),
        },
        name=name,
    )


IntegrationWorkOrderPage = page_of(IntegrationWorkOrderOut, "IntegrationWorkOrderPage")
IntegrationReportPage = page_of(IntegrationReportOut, "IntegrationReportPage")
IntegrationAlarmPage = page_of(IntegrationAlarmOut, "IntegrationAlarmPage")


class IntegrationWorkOrderStatusIn(Schema):
    """Mark a work order done (the only change a work order takes): with the note the owners
    and supervisors read."""

    class Meta:
        unknown = RAISE

    status = Text(required=True, validate=validate.OneOf(("done",)))
    note = Text(required=True, validate=validate.Length(min=1, max=2000))
