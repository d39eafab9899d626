"""Marshmallow schemas of the session API."""

from marshmallow import EXCLUDE, Schema, fields, validate

from patrol.fields import Text


class LoginSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    username = Text(required=True, validate=validate.Length(min=1, max=80))
    password = Text(required=True, validate=validate.Length(min=1, max=256))


class UserSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    role = fields.String()


class MeSchema(Schema):
    user = fields.Nested(UserSchema, allow_none=True)
    csrf_token = fields.String()
