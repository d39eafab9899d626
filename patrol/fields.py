"""Marshmallow fields shared by the feature schemas."""

from datetime import UTC

from marshmallow import fields


class UTCDateTime(fields.AwareDateTime):
    """An ISO 8601 time with a zone, read as a UTC instant (the same moment in two zones is
    the same value) and written in UTC. A time without a zone is refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).astimezone(UTC)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None:
            value = value.astimezone(UTC)
        return super()._serialize(value, attr, obj, **kwargs)
