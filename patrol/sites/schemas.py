"""What the phone caches for offline use. Never the checkpoint token or short code (5a)."""

from marshmallow import Schema, fields

from patrol.rounds.schemas import RouteForPhoneOut


class CheckpointOut(Schema):
    id = fields.Integer()
    label = fields.String()
    token_sha256 = fields.String(metadata={"description": "lowercase hex SHA-256 of the token"})
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    radius_m = fields.Float()


class PropertyOut(Schema):
    id = fields.Integer()
    name = fields.String()
    address = fields.String()
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    organization = fields.Function(lambda p: p.organization.name)
    checkpoints = fields.List(fields.Nested(CheckpointOut))


class AreaOut(Schema):
    id = fields.Integer()
    name = fields.String()
    city = fields.String()
    properties = fields.List(fields.Nested(PropertyOut))


class SitesOut(Schema):
    areas = fields.List(fields.Nested(AreaOut))
    # Planned rounds for tonight and the next night (patrol/rounds).
    routes = fields.List(fields.Nested(RouteForPhoneOut))
