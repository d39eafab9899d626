"""Reading what a page gets in its path, query string and form: the parsing helpers every page
uses, so that hostile values (other scripts' digits, 20-digit numbers, impossible or far-away
dates, NUL) are a clear 4xx rather than an error from deep inside (architecture §5a).

- `<int:...>` in any route matches ASCII digits only, up to the 32-bit column range; anything
  else is a 404 (`RowIdConverter`, installed for every route by `init_app`).
- `row_id`, `positive_int`, `kind_and_id`, `iso_date` and `iso_month` read one query or form
  value; every id a form carries, a compound one (`p:12`, `c:7`) included, goes through
  `row_id`, so a number no database column can hold is never handed to a query.
- A query string or form with a NUL or a lone surrogate is refused (400) before any view runs:
  no database can hold it, and no page has a use for it.
"""

from __future__ import annotations

import re
from datetime import date

from flask import Flask, request
from flask_babel import gettext
from werkzeug.routing import IntegerConverter

from patrol.errors import ApiError
from patrol.fields import EARLIEST_TIME, LATEST_TIME, MAX_ROW_ID, storable

ASCII_DIGITS = re.compile(r"[0-9]{1,10}")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
ISO_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def positive_int(text: str | None, maximum: int = MAX_ROW_ID) -> int | None:
    """1 .. maximum written in ASCII digits, else None ("١٢", "²", "", 20 digits)."""
    text = (text or "").strip()
    if not ASCII_DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if 1 <= number <= maximum else None


def row_id(text: str | None) -> int | None:
    """A row id from a query or form value (see positive_int), else None."""
    return positive_int(text, MAX_ROW_ID)


def kind_and_id(text: str | None, kinds: frozenset[str] | set[str]) -> tuple[str, int] | None:
    """A compound form value "<kind>:<row id>" ("p:12", "c:7") with a known kind, else None
    ("p:99999999999999999999", "x:1", "p:١٢")."""
    kind, separator, number = (text or "").strip().partition(":")
    if not separator or kind not in kinds:
        return None
    value = row_id(number)
    return None if value is None else (kind, value)


def iso_month(text: str | None) -> date | None:
    """YYYY-MM in ASCII digits between 2000 and 2099 as the month's first day, else None
    (0001-01 would step below year 1 when the page counts back its months)."""
    text = (text or "").strip()
    if not ISO_MONTH.fullmatch(text):
        return None
    year, month = int(text[:4]), int(text[5:])
    if not 1 <= month <= 12:
        return None
    value = date(year, month, 1)
    return value if EARLIEST_TIME.date() <= value < LATEST_TIME.date() else None


def iso_date(text: str | None) -> date | None:
    """YYYY-MM-DD in ASCII digits between 2000 and 2099, None for an empty value; raises
    ValueError on anything else (2026-02-30, a date in another script, year 9999: a night in
    year 9999 has no following night to link to)."""
    text = (text or "").strip()
    if not text:
        return None
    if not ISO_DATE.fullmatch(text):
        raise ValueError(text)
    value = date.fromisoformat(text)
    if not EARLIEST_TIME.date() <= value < LATEST_TIME.date():
        raise ValueError(text)
    return value


class RowIdConverter(IntegerConverter):
    """`<int:...>` in a route: ASCII digits, 1 .. 2^31-1 (a row id); anything else is a 404."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 1, max: int | None = None):  # noqa: A002
        super().__init__(map, fixed_digits, min, MAX_ROW_ID if max is None else max)


def refuse_unstorable_parameters() -> None:
    """Before every request: a NUL or lone surrogate in the query string, the form or the path
    is a 400 (JSON under /api/, a page elsewhere)."""
    values = list(request.args.items(multi=True))
    if request.method == "POST" and request.mimetype in FORM_TYPES:
        values += list(request.form.items(multi=True))
    values += [(name, str(value)) for name, value in (request.view_args or {}).items()]
    for name, value in values:
        if not (storable(name) and storable(value)):
            raise ApiError(400, gettext("The request contains characters that cannot be stored."))


def init_app(app: Flask) -> None:
    """Before any blueprint is registered: the converter applies to every route."""
    app.url_map.converters["int"] = RowIdConverter
    app.before_request(refuse_unstorable_parameters)
