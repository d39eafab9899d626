"""Marshmallow schemas for push subscriptions, extra rounds and SOS alerts."""

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates

from patrol.fields import RowId, Text, UTCDateTime
from patrol.push.keys import b64url_decode
from patrol.push.models import RESPONSE_ACTIONS
from patrol.push.queue import supervisor_messages_for_sos
from patrol.shifts.schemas import LocationFields


def _b64url_bytes(value: str) -> bytes:
    try:
        return b64url_decode(value)
    except (ValueError, TypeError) as error:
        raise ValidationError("Not valid base64url.") from error


class SubscriptionKeys(Schema):
    class Meta:
        unknown = EXCLUDE

    p256dh = Text(required=True, validate=validate.Length(max=128))
    auth = Text(required=True, validate=validate.Length(max=64))

    @validates("p256dh")
    def uncompressed_p256_point(self, value, **_):
        raw = _b64url_bytes(value)
        if len(raw) != 65 or raw[0] != 4:
            raise ValidationError("Not a P-256 public key (65 bytes, uncompressed).")

    @validates("auth")
    def sixteen_bytes(self, value, **_):
        if len(_b64url_bytes(value)) != 16:
            raise ValidationError("The auth secret must be 16 bytes.")


class SubscriptionIn(Schema):
    """The browser's `PushSubscription.toJSON()`."""

    class Meta:
        unknown = EXCLUDE

    endpoint = Text(
        required=True,
        validate=[
            validate.Length(max=1024),
            validate.URL(schemes={"https", "http"}, require_tld=False),
        ],
    )
    # Milliseconds since 1970 (JavaScript); not stored.
    expirationTime = fields.Integer(  # noqa: N815
        load_default=None, allow_none=True, validate=validate.Range(0, 2**53)
    )
    keys = fields.Nested(SubscriptionKeys, required=True)


class SubscriptionDeleteIn(Schema):
    class Meta:
        unknown = EXCLUDE

    endpoint = Text(required=True, validate=validate.Length(min=1, max=1024))


class SubscriptionOut(Schema):
    id = fields.Integer()
    endpoint = fields.String()
    created_at = UTCDateTime()


class PublicKeyOut(Schema):
    public_key = fields.String(metadata={"description": "applicationServerKey, base64url"})


class DispatchIn(Schema):
    class Meta:
        unknown = EXCLUDE

    property_id = RowId(required=True)
    message = Text(load_default="", validate=validate.Length(max=2000))
    # Empty or absent: every guard on shift now.
    guard_ids = fields.List(RowId(), load_default=None, allow_none=True)


class DispatchGuardOut(Schema):
    guard_id = fields.Integer()
    name = fields.String()
    acknowledged_at = UTCDateTime(allow_none=True)
    completed_at = UTCDateTime(allow_none=True)


class DispatchOut(Schema):
    id = fields.UUID()
    property_id = fields.Integer()
    property_name = fields.String()
    address = fields.String()
    message = fields.String()
    created_at = UTCDateTime()
    created_by = fields.String()
    guards = fields.List(fields.Nested(DispatchGuardOut))


class DispatchResponseIn(LocationFields):
    dispatch_id = fields.UUID(required=True)
    action = Text(required=True, validate=validate.OneOf(RESPONSE_ACTIONS))
    occurred_at = UTCDateTime(required=True)
    note = Text(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class DispatchResponseOut(Schema):
    id = fields.UUID()
    dispatch_id = fields.UUID()
    action = fields.String()
    occurred_at = UTCDateTime()
    received_at = UTCDateTime()
    note = fields.String(allow_none=True)


class SosIn(LocationFields):
    shift_id = fields.UUID(load_default=None, allow_none=True)
    occurred_at = UTCDateTime(required=True)
    note = Text(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class SosOut(Schema):
    id = fields.UUID()
    guard_id = fields.Integer()
    guard_name = fields.Function(lambda a: a.guard.display_name)
    shift_id = fields.UUID(allow_none=True)
    occurred_at = UTCDateTime()
    received_at = UTCDateTime()
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    accuracy_m = fields.Float(allow_none=True)
    note = fields.String(allow_none=True)
    acknowledged_at = UTCDateTime(allow_none=True)
    acknowledged_by = fields.Function(
        lambda a: a.acknowledged_by.display_name if a.acknowledged_by else None
    )
    # Supervisors' and admins' devices the SOS was pushed to (0: push is not set up for any).
    supervisor_devices = fields.Function(supervisor_messages_for_sos)
