"""What the phone caches for offline use. Never the checkpoint token or short code (5a)."""

from marshmallow import Schema, fields

INSTRUCTIONS_CHANGED = {
    "description": "when the instructions last changed (null: never set); the phone marks "
    "instructions changed since the guard last saw them as 'Ny'"
}


class CheckpointOut(Schema):
    id = fields.Integer()
    label = fields.String()
    token_sha256 = fields.String(metadata={"description": "lowercase hex SHA-256 of the token"})
    retired_token_sha256 = fields.List(
        fields.String(),
        metadata={
            "description": "lowercase hex SHA-256 of each token replaced by 'Byt QR-kod': a scan "
            "of an old sticker is recognised offline and does not count for a round"
        },
    )
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    radius_m = fields.Float()
    instructions = fields.String(metadata={"description": "post orders for this checkpoint"})
    instructions_changed_at = fields.AwareDateTime(allow_none=True, metadata=INSTRUCTIONS_CHANGED)


class PropertyOut(Schema):
    id = fields.Integer()
    name = fields.String()
    address = fields.String()
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    organization = fields.String(metadata={"description": "the owner's name"})
    instructions = fields.String(metadata={"description": "post orders for this property"})
    instructions_changed_at = fields.AwareDateTime(allow_none=True, metadata=INSTRUCTIONS_CHANGED)
    checkpoints = fields.List(fields.Nested(CheckpointOut))


class AreaOut(Schema):
    id = fields.Integer()
    name = fields.String()
    city = fields.String()
    duty_phone = fields.String(
        allow_none=True, metadata={"description": "the duty supervisor's phone number"}
    )
    properties = fields.List(fields.Nested(PropertyOut))


class SitesOut(Schema):
    areas = fields.List(fields.Nested(AreaOut))
    # Features above sites add their parts as fields here when they register them
    # (patrol.sites.document): rounds adds `routes`, tonight's and the next night's rounds.
