"""Marshmallow fields shared by the feature schemas."""

from datetime import UTC

from marshmallow import fields, validate


class UTCDateTime(fields.AwareDateTime):
    """An ISO 8601 time with a zone, read as a UTC instant (the same moment in two zones is
    the same value) and written in UTC. A time without a zone is refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).astimezone(UTC)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None:
            value = value.astimezone(UTC)
        return super()._serialize(value, attr, obj, **kwargs)


# Row ids are 32-bit integers in the database: a larger number is a 422, not a driver error.
MAX_ROW_ID = 2**31 - 1


def RowId(**kwargs) -> fields.Integer:  # noqa: N802  (reads like a field class)
    """A reference to a row by its integer id."""
    return fields.Integer(strict=True, validate=validate.Range(1, MAX_ROW_ID), **kwargs)
