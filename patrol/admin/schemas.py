"""What the admin's forms and the CSV import accept: one marshmallow schema per thing, so a
field is checked the same way whether it was typed into a page or came from a spreadsheet.

Form values arrive as text: `form_values` turns blanks into None (an optional field left
empty) before the schema sees them. Errors come back as {field: message in the user's
language} through patrol.errors.flatten_errors.
"""

from __future__ import annotations

from flask_babel import gettext
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from patrol.auth.roles import ROLES
from patrol.errors import N_, flatten_errors
from patrol.fields import EmailAddress

REQUIRED = {"required": N_("Fill in this field."), "null": N_("Fill in this field.")}
NUMBER = {
    "invalid": N_("Write a number, e.g. 55.5871."),
    "special": N_("Write a number, e.g. 55.5871."),
}
# Ids from forms must fit the database's integer columns (a larger one would fail there).
ID_RANGE = validate.Range(min=1, max=2**31 - 1, error=N_("Choose from the list."))
MAX_INSTRUCTIONS = 4000

# The emails a user can choose to get (sent by the mail feature).
EMAIL_KINDS = ("morning_report", "nothing_to_report", "acute_alerts", "work_orders")
LANGUAGES = ("sv", "en")


def text(max_length: int, required: bool = False) -> fields.String:
    if required:
        return fields.String(
            required=True, validate=validate.Length(max=max_length), error_messages=REQUIRED
        )
    return fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=max_length)
    )


def coordinate(limit: float) -> fields.Float:
    return fields.Float(
        allow_none=True,
        load_default=None,
        validate=validate.Range(min=-limit, max=limit),
        error_messages=NUMBER,
    )


class PositionMixin:
    lat = coordinate(90)
    lon = coordinate(180)
    position_accuracy_m = fields.Float(
        allow_none=True,
        load_default=None,
        validate=validate.Range(min=0, max=100_000),
        error_messages=NUMBER,
    )

    @validates_schema
    def both_or_neither(self, data, **_kw):
        if (data.get("lat") is None) != (data.get("lon") is None):
            missing = "lon" if data.get("lat") is not None else "lat"
            raise ValidationError(N_("Give both latitude and longitude, or neither."), missing)


def minutes(low: int, high: int) -> fields.Integer:
    """An area's alarm limit in minutes; blank: the configured default."""
    return fields.Integer(
        allow_none=True,
        load_default=None,
        strict=False,
        validate=validate.Range(
            min=low,
            max=high,
            error=N_("Outside the range given under the field; or leave it blank."),
        ),
        error_messages={"invalid": N_("Write a whole number of minutes.")},
    )


class OrganizationIn(Schema):
    name = text(160, required=True)


class AreaIn(Schema):
    name = text(160, required=True)
    city = text(80, required=True)
    day_crew_emails = fields.List(EmailAddress(), load_default=list)
    duty_phone = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Regexp(
            r"^\+?[0-9][0-9 \-]{4,30}$", error=N_("Write a phone number, e.g. 040-123 45 67.")
        ),
    )
    # Alone at night: this area's alarm limits (blank: the configured defaults).
    silence_minutes = minutes(10, 480)
    sos_escalation_minutes = minutes(1, 60)
    silence_escalation_minutes = minutes(1, 120)


class PropertyIn(PositionMixin, Schema):
    area_id = fields.Integer(required=True, error_messages=REQUIRED, validate=ID_RANGE)
    organization_id = fields.Integer(required=True, error_messages=REQUIRED, validate=ID_RANGE)
    name = text(160, required=True)
    address = text(200, required=True)
    owner_ref = text(60)
    instructions = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=MAX_INSTRUCTIONS)
    )


SHORT_CODE = validate.Regexp(
    r"^[A-Z0-9-]{2,16}$",
    error=N_("2-16 letters A-Z, digits or '-' (no Å, Ä, Ö: the guard types it)."),
)


class CheckpointIn(PositionMixin, Schema):
    label = text(120, required=True)
    short_code = fields.String(required=True, error_messages=REQUIRED, validate=SHORT_CODE)
    radius_m = fields.Float(
        load_default=50.0,
        validate=validate.Range(min=1, max=5000),
        error_messages=NUMBER | {"null": N_("Fill in this field.")},
    )
    instructions = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=MAX_INSTRUCTIONS)
    )

    @pre_load
    def upper_case_code(self, data, **_kw):
        """Codes are typed in capitals on the phone; accept what the admin typed in any case."""
        if isinstance(data.get("short_code"), str):
            data = dict(data, short_code=data["short_code"].strip().upper())
        return data


class UserIn(Schema):
    username = fields.String(
        required=True,
        error_messages=REQUIRED,
        validate=validate.Regexp(
            r"^[a-zA-Z0-9._-]{2,80}$", error=N_("2-80 letters a-z, digits, '.', '_' or '-'.")
        ),
    )
    display_name = text(120, required=True)
    owner_visible_name = text(120)
    role = fields.String(
        required=True,
        error_messages=REQUIRED,
        validate=validate.OneOf(ROLES, error=N_("Choose from the list.")),
    )
    email = EmailAddress(allow_none=True, load_default=None)
    language = fields.String(
        load_default="sv", validate=validate.OneOf(LANGUAGES, error=N_("Choose from the list."))
    )
    email_prefs = fields.List(
        fields.String(validate=validate.OneOf(EMAIL_KINDS, error=N_("Choose from the list."))),
        load_default=list,
    )
    organization_id = fields.Integer(allow_none=True, load_default=None, validate=ID_RANGE)
    area_ids = fields.List(fields.Integer(validate=ID_RANGE), load_default=list)

    @validates_schema
    def owner_has_organization(self, data, **_kw):
        if data.get("role") == "owner" and not data.get("organization_id"):
            raise ValidationError(
                N_("An owner user belongs to one organisation: choose it."), "organization_id"
            )


def form_values(form, names: tuple[str, ...], lists: tuple[str, ...] = ()) -> dict:
    """The named fields of a posted form: text stripped, blanks as None; `lists` from
    repeated fields (checkboxes, multi-selects) or, for emails, one per line or comma."""
    values = {}
    for name in names:
        if name in lists:
            items = []
            for raw in form.getlist(name):
                items.extend(part.strip() for part in raw.replace(",", "\n").splitlines())
            values[name] = [item for item in items if item]
        else:
            raw = (form.get(name) or "").strip()
            values[name] = raw or None
    return values


def unstorable(text: str) -> bool:
    """Characters no database column may hold: NUL (PostgreSQL) and lone UTF-16 surrogates."""
    return "\x00" in text or any(0xD800 <= ord(char) <= 0xDFFF for char in text)


def load(schema: Schema, values: dict) -> tuple[dict, dict[str, str]]:
    """(checked values, {field: message}): the first message per field, translated."""
    bad = {
        name: gettext("Contains characters that cannot be stored.")
        for name, value in values.items()
        if any(
            isinstance(v, str) and unstorable(v)
            for v in (value if isinstance(value, list) else [value])
        )
    }
    if bad:
        return values, bad
    try:
        return schema.load(values), {}
    except ValidationError as error:
        flat = flatten_errors(error.messages)
        # List items report as "day_crew_emails.0": show them on the list's field.
        messages: dict[str, str] = {}
        for field, texts in flat.items():
            messages.setdefault(field.split(".")[0], texts[0])
        return values, messages
