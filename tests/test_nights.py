"""The night rule and the wall-clock formatting (patrol/nights.py) on the hours where they are
easy to get wrong: the clock-change Sundays, and the one writer every CSV goes through
(patrol/csvfile.py)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from patrol import nights
from patrol.csvfile import CsvFile, cell, safe_cell


def utc(*fields) -> datetime:
    return datetime(*fields, tzinfo=UTC)


@pytest.mark.parametrize(
    ("instant", "night"),
    [
        # Spring 2026 (29 March, 02:00 CET -> 03:00 CEST). The line between nights is wall-clock
        # 12:00 on both sides of the change.
        (utc(2026, 3, 29, 0, 59), date(2026, 3, 28)),  # 01:59 CET
        (utc(2026, 3, 29, 1, 0), date(2026, 3, 28)),  # 03:00 CEST
        (utc(2026, 3, 29, 9, 59), date(2026, 3, 28)),  # 11:59 CEST
        (utc(2026, 3, 29, 10, 0), date(2026, 3, 29)),  # 12:00 CEST
        # Instant minus 12 h and then the Stockholm date (the phone's old rule) puts 11:00-11:59
        # CEST on the 29th; the wall-clock rule keeps it on the night of the 28th.
        (utc(2026, 3, 29, 9, 30), date(2026, 3, 28)),  # 11:30 CEST
        # Autumn 2026 (25 October, 03:00 CEST -> 02:00 CET): 02:00-02:59 happens twice.
        (utc(2026, 10, 25, 0, 10), date(2026, 10, 24)),  # 02:10 CEST
        (utc(2026, 10, 25, 1, 10), date(2026, 10, 24)),  # 02:10 CET
        (utc(2026, 10, 25, 10, 59), date(2026, 10, 24)),  # 11:59 CET
        (utc(2026, 10, 25, 11, 0), date(2026, 10, 25)),  # 12:00 CET
        # The instant rule: 10:30 UTC - 12 h = 22:30 UTC on the 24th = 00:30 CEST on the 25th,
        # the wrong night; the wall-clock rule: 11:30 - 12 h = 23:30 on the 24th.
        (utc(2026, 10, 25, 10, 30), date(2026, 10, 24)),  # 11:30 CET
        # An ordinary night: 00:30 belongs to the evening before.
        (utc(2026, 11, 23, 23, 30), date(2026, 11, 23)),  # 00:30 CET on the 24th
        (utc(2027, 3, 28, 9, 30), date(2027, 3, 27)),  # spring 2027, 11:30 CEST
        (utc(2027, 10, 31, 10, 30), date(2027, 10, 30)),  # autumn 2027, 11:30 CET
    ],
)
def test_night_of_takes_the_wall_clock_minus_12_hours(instant, night):
    assert nights.night_of(instant) == night


def test_a_nights_window_is_noon_to_noon_in_stockholm_23_or_25_hours_at_the_changes():
    start, end = nights.night_window(date(2026, 10, 24))
    assert (start, end) == (utc(2026, 10, 24, 10), utc(2026, 10, 25, 11))
    assert end - start == timedelta(hours=25)
    start, end = nights.night_window(date(2026, 3, 28))
    assert end - start == timedelta(hours=23)
    start, end = nights.night_window(date(2026, 11, 23))
    assert end - start == timedelta(hours=24)
    # Every instant of the window belongs to the night, the end to the next one.
    for night in (date(2026, 3, 28), date(2026, 10, 24), date(2027, 10, 30)):
        start, end = nights.night_window(night)
        moment = start
        while moment < end:
            assert nights.night_of(moment) == night
            moment += timedelta(minutes=15)
        assert nights.night_of(end) == night + timedelta(days=1)


def test_only_the_repeated_autumn_hour_is_ambiguous():
    ambiguous = []
    moment = utc(2026, 10, 24, 12)
    while moment < utc(2026, 10, 25, 12):
        if nights.is_ambiguous(moment):
            ambiguous.append(moment)
        moment += timedelta(minutes=5)
    # 02:00-02:59 CEST (00:00-00:59 UTC) and 02:00-02:59 CET (01:00-01:59 UTC).
    assert ambiguous[0] == utc(2026, 10, 25, 0, 0)
    assert ambiguous[-1] == utc(2026, 10, 25, 1, 55)
    assert len(ambiguous) == 24
    assert not nights.is_ambiguous(utc(2026, 3, 29, 1, 0))  # spring: 03:00 CEST happens once


def test_local_time_labels_a_repeated_time_with_its_offset(app):
    summer, winter = utc(2026, 10, 25, 0, 10), utc(2026, 10, 25, 1, 10)
    with app.test_request_context("/"):
        assert nights.local_time(summer) == "02:10 (sommartid)"
        assert nights.local_time(winter) == "02:10 (vintertid)"
        assert nights.local_time(winter, "yyyy-MM-dd HH:mm:ss") == "2026-10-25 02:10:00 (vintertid)"
        assert nights.local_time(winter, "yyyy-MM-dd") == "2026-10-25"  # no clock, no label
        assert nights.hhmm(summer) == "02:10 (sommartid)"
        assert nights.local_time(utc(2026, 10, 25, 2, 10)) == "03:10"
        assert nights.local_time(utc(2026, 10, 24, 0, 10)) == "02:10"  # the night before
        assert nights.local_time(None) == "–"
    with app.test_request_context("/?lang=en"):
        assert nights.local_time(summer) == "02:10 (CEST)"
        assert nights.hhmm(winter) == "02:10 (CET)"


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_numeric_patterns_are_written_as_babel_writes_them(app, lang):
    """local_time writes its digit-only patterns itself (NUMERIC_PATTERNS), not through Babel:
    the same text, both languages, on clock-change nights, at midnight and on New Year's Eve,
    in a year of fewer than four digits."""
    from babel.dates import format_datetime

    instants = [utc(2026, 10, 24, 22, 0) + timedelta(minutes=7 * n + n % 5) for n in range(600)]
    instants += [utc(2026, 3, 29, 0, 59, 59), utc(2026, 3, 29, 1, 0, 1), utc(2026, 12, 31, 23, 0)]
    instants += [utc(999, 6, 1, 12, 0), utc(2026, 1, 1, 0, 0, 9)]
    with app.test_request_context(f"/?lang={lang}"):
        for pattern in nights.NUMERIC_PATTERNS:
            for instant in instants:
                local = nights.wall_clock(instant)
                babel = format_datetime(local, pattern, tzinfo=nights.ZONE, locale=lang)
                written = nights.local_time(instant, pattern)
                expected = nights.with_offset(babel, instant) if ":" in pattern else babel
                assert written == expected, (pattern, instant)
                assert written.startswith(babel), (pattern, instant, written, babel)


def test_iso_local_carries_the_offset_every_night():
    assert nights.iso_local(utc(2026, 10, 25, 0, 10)) == "2026-10-25T02:10:00+02:00"
    assert nights.iso_local(utc(2026, 10, 25, 1, 10)) == "2026-10-25T02:10:00+01:00"
    assert nights.iso_local(utc(2026, 11, 23, 19, 12, 30, 999)) == "2026-11-23T20:12:30+01:00"
    assert nights.iso_local(None) == ""


def test_the_time_zone_is_named_once_in_python_and_once_in_js():
    from pathlib import Path

    root = Path(nights.__file__).resolve().parent.parent
    python = [
        p
        for p in (root / "patrol").rglob("*.py")
        if "Europe/Stockholm" in p.read_text(encoding="utf-8")
    ]
    assert python == [root / "patrol" / "nights.py"]
    js = [
        p
        for p in (root / "static" / "js").rglob("*.js")
        if "Europe/Stockholm" in p.read_text(encoding="utf-8")
    ]
    assert js == [root / "static" / "js" / "nights.js"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_the_csv_writer_escapes_every_text_cell_that_excel_would_run(start):
    text = f'{start}HYPERLINK("http://x","y")'
    assert safe_cell(text) == "'" + text
    assert cell(text) == "'" + text
    out = CsvFile(["Namn", "Tid", "Antal"])
    out.row([text, utc(2026, 10, 25, 1, 10), -3])
    body = out.text()
    assert body.startswith("\ufeffNamn;Tid;Antal\r\n")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"), newline=""), delimiter=";"))
    assert rows[1] == ["'" + text, "2026-10-25T02:10:00+01:00", "-3"]  # numbers stay numbers


def test_the_csv_writer_leaves_plain_text_and_writes_dates_and_empty_cells():
    assert cell("Rasmusgatan 5") == "Rasmusgatan 5"
    assert cell(None) == ""
    assert cell(date(2026, 10, 24)) == "2026-10-24"
    assert cell(True) == "ja"
