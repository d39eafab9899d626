"""Hooks other features register with review, so that review never imports them.

`night_sealers`: called by "Natten granskad" for each kept version BEFORE the night's PDF is
rendered, with (night, version, reviewed_at), inside the transaction that keeps the version.
A sealer adds its rows to db.session and returns lines to print on the PDF's first page (the
evidence package's signed root and key id: the printed copies outside the operator's server
are what make the signature worth having), or None. The returned object is also passed on to
`signals.night_reviewed` listeners as `seal` (the owners' email prints it too)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

night_sealers: list[Callable[[date, int, datetime], object | None]] = []


def register_night_sealer(sealer: Callable[[date, int, datetime], object | None]) -> None:
    if sealer not in night_sealers:
        night_sealers.append(sealer)


def seal_night(night: date, version: int, reviewed_at: datetime) -> object | None:
    """The last registered sealer's seal (there is one: the evidence package)."""
    seal = None
    for sealer in night_sealers:
        seal = sealer(night, version, reviewed_at) or seal
    return seal
