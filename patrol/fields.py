"""Marshmallow fields shared by the feature schemas.

Every value a client sends passes one of these, so each class of hostile input is refused in
one place with a 422 before it can reach the database (architecture §5a, "Hostile input"):
a time at the edge of the calendar, text a database cannot hold, a number beyond its column.
`tests/test_hostile_input.py` checks that every input schema uses them.
"""

from datetime import UTC, datetime

from email_validator import EmailNotValidError, validate_email
from marshmallow import fields, validate

from patrol.errors import N_

# The hard range of a client's time: outside it a value is refused (422). Inside it, a time
# far from the shift or from the server's clock is accepted and flagged (patrol.sync).
EARLIEST_TIME = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_TIME = datetime(2100, 1, 1, tzinfo=UTC)

# Row ids are 32-bit integers in the database: a larger number is a 422, not a driver error.
MAX_ROW_ID = 2**31 - 1


class UTCDateTime(fields.AwareDateTime):
    """An ISO 8601 time with a zone, read as a UTC instant (the same moment in two zones is
    the same value) and written in UTC. A time without a zone, or outside 2000-2099, is
    refused: year 1 or 9999 would overflow when converted to Stockholm time on every page."""

    default_error_messages = {
        "out_of_range": N_("The time must be between the years 2000 and 2099."),
    }

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            moment = moment.astimezone(UTC)
        except OverflowError:  # 0001-01-01T00:00+01:00 is before year 1 in UTC
            raise self.make_error("out_of_range") from None
        if not EARLIEST_TIME <= moment < LATEST_TIME:
            raise self.make_error("out_of_range")
        return moment

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None:
            value = value.astimezone(UTC)
        return super()._serialize(value, attr, obj, **kwargs)


def storable(text: str) -> bool:
    """False for text no database here can hold: NUL (PostgreSQL refuses it in text) and lone
    UTF-16 surrogates (JSON's "\\ud800" decodes to one; neither database can encode it)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class Text(fields.String):
    """A string that any database can store (see `storable`); everything else is a 422."""

    default_error_messages = {
        "unstorable": N_("The text contains characters that cannot be stored."),
    }

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not storable(text):
            raise self.make_error("unstorable")
        return text


def RowId(**kwargs) -> fields.Integer:  # noqa: N802  (reads like a field class)
    """A reference to a row by its integer id (1 .. 2^31-1)."""
    return fields.Integer(strict=True, validate=validate.Range(1, MAX_ROW_ID), **kwargs)


def email_address(value: str) -> str:
    """An email address as the mail headers will carry it, or ValueError with the reason.
    email-validator checks the syntax (without DNS: `check_deliverability=False`, the server
    may have no resolver); a control character (CR, LF) is refused before it: it could add a
    header to the message."""
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError("control character")
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValueError(str(error)) from error


class EmailAddress(fields.String):
    """An email address checked by email-validator (see `email_address`); a 422 otherwise."""

    default_error_messages = {"invalid": N_("Not a valid email address.")}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return email_address(text.strip())
        except ValueError:
            raise self.make_error("invalid") from None
