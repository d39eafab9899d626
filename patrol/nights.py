"""Nights and wall-clock time: the one home of the project's time zone and the night rule.

A patrol night runs from one evening into the next morning, so it cannot be a calendar date of
an instant. The rule (architecture §5a): **a night is the Stockholm date of the wall-clock
time minus 12 hours** — a shift started at 00:30 belongs to the evening before. The minus 12 h
is taken on the wall-clock fields, not on the instant: on the clock-change Sundays the two
differ by an hour, and the phone (static/js/nights.js) computes the same rule the same way.

Everything that shows a time to a person goes through `local_time`, which decides the one case
where a wall-clock time can be misread: on the autumn clock-change night 02:00–02:59 happens
twice, so such a time carries its offset ("02:10 (vintertid)" / "02:10 (CET)"). CSVs carry an
ISO 8601 offset on every time (`iso_local`), which Excel and scripts read without guessing.

This is a shared module: it imports no feature package.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_format_datetime
from flask_babel import get_locale, lazy_gettext

from patrol.db import utcnow

# The only place in Python that names the zone (config.py hands it to Flask-Babel from here).
TIME_ZONE_NAME = "Europe/Stockholm"
ZONE = ZoneInfo(TIME_ZONE_NAME)

# The offset a Stockholm time has in winter and in summer, and what a person calls them.
# Swedish: "vintertid" / "sommartid"; English: "CET" / "CEST".
OFFSET_LABELS = {
    timedelta(hours=1): lazy_gettext("CET"),
    timedelta(hours=2): lazy_gettext("CEST"),
}


def wall_clock(instant: datetime) -> datetime:
    """An aware instant as Stockholm wall-clock time (aware, with the fold of a repeated hour
    set, so the offset stays known)."""
    return instant.astimezone(ZONE)


def night_of(instant: datetime) -> date:
    """The night an instant belongs to: the date of its Stockholm wall-clock time minus 12 h,
    computed on the wall-clock fields (naive arithmetic), so that 11:59 and 12:00 on a
    clock-change Sunday fall on either side of the line like on any other day."""
    local = wall_clock(instant).replace(tzinfo=None)
    return (local - timedelta(hours=12)).date()


def night_window(night: date) -> tuple[datetime, datetime]:
    """The UTC instants a night spans: from noon of its evening to noon the next day, Stockholm
    time (start inclusive, end exclusive). 23, 24 or 25 hours long, like the night itself."""
    start = datetime.combine(night, time(12), ZONE)
    end = datetime.combine(night + timedelta(days=1), time(12), ZONE)
    return start.astimezone(UTC), end.astimezone(UTC)


def tonight(now: datetime | None = None) -> date:
    """The current night: at 07:00 that is the night that began yesterday evening."""
    return night_of(utcnow() if now is None else now)


def today(now: datetime | None = None) -> date:
    """The Stockholm calendar date (not the night) of now: a safety walk's day."""
    return wall_clock(utcnow() if now is None else now).date()


def local_datetime(day: date, wall: time) -> datetime:
    """A Stockholm wall-clock time on a date, as an aware UTC instant (a time that does not
    exist, in the spring gap, is read with the offset before the change)."""
    return datetime.combine(day, wall, tzinfo=ZONE).astimezone(UTC)


def is_ambiguous(instant: datetime) -> bool:
    """Whether the instant's Stockholm wall-clock time happens twice (the autumn change:
    02:00–02:59 once in summer time, then again in winter time)."""
    local = wall_clock(instant)
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def offset_label(instant: datetime) -> str:
    """ "vintertid" / "sommartid" (English "CET" / "CEST") for the instant's offset."""
    return str(OFFSET_LABELS[wall_clock(instant).utcoffset()])


def _shows_clock(pattern: str) -> bool:
    return any(ch in pattern for ch in "Hhkm")


# The CLDR patterns the app uses that are digits only, written without Babel: the same text in
# every locale the app speaks (Latin digits, zero-padded; tests/test_nights.py compares them
# with Babel's). Babel reads the pattern and the locale on every call: some 40 µs, and a night
# PDF or an owner's property page formats a few hundred times.
NUMERIC_PATTERNS = {
    "HH:mm": "{0.hour:02d}:{0.minute:02d}",
    "HH:mm:ss": "{0.hour:02d}:{0.minute:02d}:{0.second:02d}",
    "yyyy-MM-dd": "{0.year:04d}-{0.month:02d}-{0.day:02d}",
    "yyyy-MM-dd HH:mm": "{0.year:04d}-{0.month:02d}-{0.day:02d} {0.hour:02d}:{0.minute:02d}",
    "yyyy-MM-dd HH:mm:ss": (
        "{0.year:04d}-{0.month:02d}-{0.day:02d} {0.hour:02d}:{0.minute:02d}:{0.second:02d}"
    ),
}


def local_time(value: datetime | None, pattern: str = "HH:mm") -> str:
    """A stored UTC instant as Stockholm wall time (CLDR `pattern`), for every page, PDF and
    mail. The one function that decides when a time needs its offset: a wall-clock time that
    happens twice (the autumn night's 02:00–02:59) gets " (vintertid)" / " (sommartid)", so
    the two 02:10 of that night cannot be mistaken for each other. It never fails: a time the
    zone conversion cannot handle (year 9999, stored before client times were bounded) is
    shown as it is, in UTC, so one odd row cannot take a page down."""
    if value is None:
        return "–"
    try:
        local = wall_clock(value)
        numeric = NUMERIC_PATTERNS.get(pattern)
        if numeric is not None:
            text = numeric.format(local)
        else:
            text = babel_format_datetime(local, pattern, tzinfo=ZONE, locale=get_locale() or "sv")
    except (OverflowError, ValueError, OSError):
        return (
            f"{value.year:04d}-{value.month:02d}-{value.day:02d} "
            f"{value.hour:02d}:{value.minute:02d} UTC"
        )
    return with_offset(text, value) if _shows_clock(pattern) else text


def hhmm(value: datetime | None) -> str:
    """ "HH:MM" Stockholm wall time, like `local_time(value)` but without a locale lookup (a
    rounds board formats hundreds of times); the same offset rule."""
    if value is None:
        return "–"
    try:
        text = wall_clock(value).strftime("%H:%M")
    except (OverflowError, ValueError):
        return value.strftime("%H:%M UTC")
    return with_offset(text, value)


def with_offset(text: str, instant: datetime) -> str:
    """The one rule for a wall-clock time that could be misread: a time that happens twice
    (02:00–02:59 on the autumn night) carries its offset's name, "02:10 (vintertid)"."""
    if is_ambiguous(instant):
        return f"{text} ({offset_label(instant)})"
    return text


def iso_local(value: datetime | None) -> str:
    """An instant as ISO 8601 Stockholm time with its offset, to the second, for CSVs:
    2026-10-25T02:10:00+02:00. Unambiguous every night, whatever reads it."""
    if value is None:
        return ""
    try:
        return wall_clock(value).replace(microsecond=0).isoformat()
    except (OverflowError, ValueError, OSError):
        return value.astimezone(UTC).replace(microsecond=0).isoformat()
