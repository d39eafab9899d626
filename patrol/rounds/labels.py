"""The words shown for the rounds' codes: skip reasons, checkpoint outcomes and round statuses
(lazy, so each request gets its own language)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

SKIP_REASONS = {
    "locked": _l("Locked door or gate"),
    "cordon": _l("Cordoned off by police or rescue service"),
    "unsafe": _l("Unsafe to go there"),
    "blocked": _l("Blocked access (building work, vehicle)"),
    "other": _l("Other reason"),
}

OUTCOME_LABELS = {
    "on_time": _l("On time"),
    "late": _l("Late"),
    "skipped": _l("Skipped"),
    "missed": _l("Missed"),
    "pending": _l("Not yet due"),
}

ROUND_STATUS_LABELS = {
    "completed": _l("Completed"),
    "incomplete": _l("Incomplete"),
    "missed": _l("Missed"),
    "in_progress": _l("In progress"),
    "pending": _l("Not yet due"),
}
