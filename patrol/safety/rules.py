"""Pure rules of the safety work: whether a text seems to hold a Swedish personal identity
number (the warning on disturbance reports and resident information)."""

from __future__ import annotations

import re

# --- privacy ----------------------------------------------------------------------------------

_PERSONNUMMER = re.compile(r"(?<!\d)(?:\d{2})?(\d{2})(\d{2})(\d{2})\s?[-+]?\s?(\d{4})(?!\d)")


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(digits):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def looks_like_personnummer(text: str | None) -> bool:
    """Does the text seem to hold a Swedish personal identity number (or a coordination
    number: day + 60)? YYMMDD-NNNC or YYYYMMDDNNNC, with a valid month, day and Luhn check
    digit, so that phone numbers and times rarely trigger it."""
    for match in _PERSONNUMMER.finditer(text or ""):
        yy, mm, dd, tail = match.groups()
        day = int(dd) - 60 if int(dd) > 60 else int(dd)
        if 1 <= int(mm) <= 12 and 1 <= day <= 31 and luhn_ok(yy + mm + dd + tail):
            return True
    return False
