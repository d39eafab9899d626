"""Marshmallow schemas of the session API."""

from marshmallow import EXCLUDE, Schema, fields, validate


class LoginSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


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
