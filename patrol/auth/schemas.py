"""Marshmallow schemas of the session API."""

from marshmallow import EXCLUDE, Schema, fields, validate

from patrol.fields import Text

# The users table's username column and a generous password length.
MAX_USERNAME = 80
MAX_PASSWORD = 256


class LoginSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    username = Text(required=True, validate=validate.Length(min=1, max=MAX_USERNAME))
    password = Text(required=True, validate=validate.Length(min=1, max=MAX_PASSWORD))


class SecondStepSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    # Six digits from the app, or a recovery code (xxxx-xxxx-xxxx-xxxx).
    code = Text(required=True, validate=validate.Length(min=1, max=40))


class UserSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    must_change_password = fields.Boolean(
        metadata={"description": "a one-time password: /account/password before anything else"}
    )


class MeSchema(Schema):
    user = fields.Nested(UserSchema, allow_none=True)
    csrf_token = fields.String()
    # The supervisor on duty (PATROL_DUTY_PHONE), for logged-in users only; null when unset.
    duty_phone = fields.String(allow_none=True)
