"""Reading the review pages' query strings and form posts into checked values.

Each reader returns (values, errors): errors map a field name to a message in the user's
language, so a page can show them beside the fields and answer 4xx without losing input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext

from patrol.params import iso_date, positive_int, row_id
from patrol.reports.models import CATEGORIES, LEVELS, REVIEW_STATUSES
from patrol.review.models import PRIORITIES

MAX_COMMENT = 2000
MAX_EXPORT_NIGHTS = 366


# The reports list has at most this many pages (a bigger page number would only be an
# overflowing OFFSET).
MAX_PAGE = 100_000


@dataclass
class ReportFilters:
    night_from: date | None = None
    night_to: date | None = None
    area_id: int | None = None
    property_id: int | None = None
    category: str | None = None
    level: str | None = None
    status: str | None = None
    needs_repair: bool | None = None
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict)

    def query_args(self, **override) -> dict:
        """The filters as query-string arguments (for pagination links and the CSV link)."""
        args = {
            "from": self.night_from.isoformat() if self.night_from else None,
            "to": self.night_to.isoformat() if self.night_to else None,
            "area": self.area_id,
            "property": self.property_id,
            "category": self.category,
            "level": self.level,
            "status": self.status,
            "repair": {True: "yes", False: "no"}.get(self.needs_repair),
            "page": self.page if self.page != 1 else None,
        }
        args.update(override)
        return {k: v for k, v in args.items() if v not in (None, "")}


def read_report_filters(args) -> ReportFilters:
    filters = ReportFilters()
    errors = filters.errors
    for name, attr in (("from", "night_from"), ("to", "night_to")):
        try:
            setattr(filters, attr, iso_date(args.get(name)))
        except ValueError:
            errors[name] = gettext("Give the date as YYYY-MM-DD.")
    if filters.night_from and filters.night_to and filters.night_from > filters.night_to:
        errors["to"] = gettext("The last night must not be before the first.")
    for name, attr in (("area", "area_id"), ("property", "property_id")):
        value = (args.get(name) or "").strip()
        if value:
            if row_id(value) is not None:
                setattr(filters, attr, row_id(value))
            else:
                errors[name] = gettext("Choose from the list.")
    for name, allowed in (("category", CATEGORIES), ("level", LEVELS), ("status", REVIEW_STATUSES)):
        value = (args.get(name) or "").strip()
        if value:
            if value in allowed:
                setattr(filters, name, value)
            else:
                errors[name] = gettext("Choose from the list.")
    repair = (args.get("repair") or "").strip()
    if repair:
        if repair in ("yes", "no"):
            filters.needs_repair = repair == "yes"
        else:
            errors["repair"] = gettext("Choose from the list.")
    page = positive_int(args.get("page") or "1", MAX_PAGE)
    if page is not None:
        filters.page = page
    else:
        errors["page"] = gettext("The page must be a whole number from 1.")
    return filters


def read_comment(form, name: str = "comment", required: bool = False) -> tuple[str, str | None]:
    text = (form.get(name) or "").strip()
    if required and not text:
        return text, gettext("Write a note.")
    if len(text) > MAX_COMMENT:
        return text, gettext("At most %(n)d characters.", n=MAX_COMMENT)
    return text, None


def read_correction(form) -> tuple[dict, dict]:
    values = {
        "category": (form.get("category") or "").strip(),
        "level": (form.get("level") or "").strip(),
    }
    errors = {}
    if values["category"] not in CATEGORIES:
        errors["category"] = gettext("Choose a category from the list.")
    if values["level"] not in LEVELS:
        errors["level"] = gettext("Choose a level from the list.")
    values["comment"], error = read_comment(form)
    if error:
        errors["comment"] = error
    return values, errors


def read_work_order(form) -> tuple[dict, dict]:
    values = {
        "what": (form.get("what") or "").strip(),
        "place": (form.get("place") or "").strip(),
        "priority": (form.get("priority") or "").strip(),
    }
    errors = {}
    if not values["what"]:
        errors["what"] = gettext("Say what is broken.")
    elif len(values["what"]) > MAX_COMMENT:
        errors["what"] = gettext("At most %(n)d characters.", n=MAX_COMMENT)
    if len(values["place"]) > 200:
        errors["place"] = gettext("At most %(n)d characters.", n=200)
    if values["priority"] not in PRIORITIES:
        errors["priority"] = gettext("Choose a priority from the list.")
    return values, errors


def read_export_range(args) -> tuple[tuple[date, date] | None, str | None]:
    try:
        first, last = iso_date(args.get("from")), iso_date(args.get("to"))
    except ValueError:
        return None, gettext("Give the nights as YYYY-MM-DD (from= and to=).")
    if first is None or last is None:
        return None, gettext("Give the first and the last night (from= and to=).")
    if first > last:
        return None, gettext("The last night must not be before the first.")
    if last - first > timedelta(days=MAX_EXPORT_NIGHTS - 1):
        return None, gettext("At most %(n)d nights in one export.", n=MAX_EXPORT_NIGHTS)
    return (first, last), None
