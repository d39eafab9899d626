"""The one CSV writer: every export the project offers is written here.

The files are made for Swedish Excel and for scripts alike: UTF-8 with a BOM (so Excel detects
the encoding), semicolons (the list separator of Swedish Excel), CRLF line ends, times as ISO
8601 Stockholm time with their offset (2026-10-25T02:10:00+01:00: unambiguous on the autumn
night, when 02:10 happens twice), and every text cell neutralised against formula injection: a
cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return would run as a formula in
Excel (`=HYPERLINK(...)` stored as a property's name), so it gets a leading `'`. Numbers and
times are written by the writer itself and never escaped; every `str` is text and always is.

This is a shared module: it imports no feature package.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime

from patrol.nights import iso_local

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """Text that Excel would read as a formula, made plain text with a leading `'`."""
    if text and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def cell(value) -> str | int | float:
    """One value as the file carries it: None empty, a datetime as ISO 8601 with its offset, a
    date as YYYY-MM-DD, numbers as they are, anything else as escaped text (lazy labels too)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return iso_local(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, int | float):
        return value
    return safe_cell(str(value))


class CsvFile:
    """Rows in, the file's text out: `f = CsvFile(headers); f.row(...); f.text()`."""

    def __init__(self, headers: Iterable[str]):
        self._out = io.StringIO()
        self._out.write("\ufeff")
        self._writer = csv.writer(self._out, delimiter=";", lineterminator="\r\n")
        self.row(headers)

    def row(self, values: Iterable) -> None:
        self._writer.writerow([cell(v) for v in values])

    def rows(self, rows: Iterable[Iterable]) -> None:
        for values in rows:
            self.row(values)

    def text(self) -> str:
        return self._out.getvalue()

    def bytes(self) -> bytes:
        return self.text().encode("utf-8")


def csv_text(headers: Iterable[str], rows: Iterable[Iterable]) -> str:
    """A whole CSV file from its headers and rows."""
    out = CsvFile(headers)
    out.rows(rows)
    return out.text()
