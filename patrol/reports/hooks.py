"""Questions the report routes ask of features in layers above reports, answered by
registration (so reports never imports them; docs/architecture.md §9).

A report is made on a shift or, with no shift, as a finding of a safety walk (issue 14). Safety
sits above reports, so `PUT /api/v1/reports` asks `walk_night` and safety answers it: its
`init_app` registers the function that checks the walk, its checklist item and the property,
and gives the walk's date, which is the report's night.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask_babel import gettext

from patrol.errors import field_error

# (walk_id, walk_item or None, the report's Property) -> the night the finding belongs to;
# raises an ApiError (422) for a walk, item or property that does not fit.
WalkNight = Callable[[int, int | None, object], date]

_walk_night: WalkNight | None = None


def answer_walk_night(answer: WalkNight) -> None:
    """Register the answer (patrol/safety/__init__.py); a later app registers the same."""
    global _walk_night
    _walk_night = answer


def walk_night(walk_id: int, item: int | None, prop) -> date:
    """The night of a walk's finding; 422 when no installed feature knows safety walks."""
    if _walk_night is None:
        raise field_error("walk_id", gettext("Unknown safety walk."))
    return _walk_night(walk_id, item, prop)
