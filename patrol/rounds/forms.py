"""Reading the route editor's form post (/admin/routes) into checked values.

The editor works without JavaScript: the chosen checkpoints travel in the form as an ordered
list (`stop`, with `instructions` beside each), and the buttons "Upp", "Ner", "Ta bort" and
"Lägg till" post the form back with an `op` that changes the list before it is shown again.
So reordering works the same with a keyboard, a mouse and a finger, and nothing is saved
until "Spara".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from flask_babel import gettext

from patrol.params import iso_date, row_id

WEEKDAYS = range(7)
MAX_STOPS = 80


@dataclass
class PlanForm:
    name: str = ""
    expected_minutes: str = "30"
    active: bool = True
    weekdays: list[int] = field(default_factory=lambda: list(WEEKDAYS))
    window_start: str = "19:30"
    window_end: str = "04:00"
    mode: str = "rounds"  # "rounds" (per night) or "interval"
    rounds_per_night: str = "2"
    interval_minutes: str = "90"
    tolerance_minutes: str = "15"
    valid_from: str = ""
    stops: list[int] = field(default_factory=list)
    instructions: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def form_from_schedule(route, schedule, valid_from: date) -> PlanForm:
    return PlanForm(
        name=route.name,
        expected_minutes=str(route.expected_minutes),
        active=schedule.active,
        weekdays=sorted(schedule.weekdays),
        window_start=schedule.window_start.strftime("%H:%M"),
        window_end=schedule.window_end.strftime("%H:%M"),
        mode="rounds" if schedule.rounds_per_night else "interval",
        rounds_per_night=str(schedule.rounds_per_night or 2),
        interval_minutes=str(schedule.interval_minutes or 90),
        tolerance_minutes=str(schedule.tolerance_minutes),
        valid_from=valid_from.isoformat(),
        stops=[rc.checkpoint_id for rc in schedule.checkpoints],
        instructions=[rc.instructions or "" for rc in schedule.checkpoints],
    )


def read_form(data) -> PlanForm:
    """The posted fields as typed (nothing checked yet, so the page can show them again)."""
    stops, instructions = [], []
    for raw, text in zip(data.getlist("stop"), data.getlist("instructions"), strict=False):
        stop = row_id(raw)
        if stop is not None:
            stops.append(stop)
            instructions.append(text.strip()[:300])
    weekdays = []
    for raw in data.getlist("weekday"):
        if raw.isascii() and raw.isdigit() and int(raw) in WEEKDAYS:
            weekdays.append(int(raw))
    return PlanForm(
        name=data.get("name", "").strip(),
        expected_minutes=data.get("expected_minutes", "").strip(),
        active=data.get("active") == "1",
        weekdays=sorted(set(weekdays)),
        window_start=data.get("window_start", "").strip(),
        window_end=data.get("window_end", "").strip(),
        mode=data.get("mode", "rounds"),
        rounds_per_night=data.get("rounds_per_night", "").strip(),
        interval_minutes=data.get("interval_minutes", "").strip(),
        tolerance_minutes=data.get("tolerance_minutes", "").strip(),
        valid_from=data.get("valid_from", "").strip(),
        stops=stops,
        instructions=instructions,
    )


def apply_op(form: PlanForm, op: str, add_id: str | None) -> None:
    """Move, remove or add a stop (the editor's buttons)."""
    kind, _, raw = op.partition(":")
    if kind == "add":
        if row_id(add_id) is not None:
            if row_id(add_id) in form.stops:
                form.errors["add"] = gettext("That checkpoint is already on the route.")
            else:
                form.stops.append(row_id(add_id))
                form.instructions.append("")
        else:
            form.errors["add"] = gettext("Choose a checkpoint to add.")
        return
    if not (raw.isascii() and raw.isdigit()) or int(raw) >= len(form.stops):
        return
    i = int(raw)
    if kind == "remove":
        del form.stops[i]
        del form.instructions[i]
        return
    j = i - 1 if kind == "up" else i + 1 if kind == "down" else None
    if j is None or not 0 <= j < len(form.stops):
        return
    form.stops[i], form.stops[j] = form.stops[j], form.stops[i]
    form.instructions[i], form.instructions[j] = form.instructions[j], form.instructions[i]


def _int(form: PlanForm, name: str, low: int, high: int, message: str) -> int | None:
    raw = getattr(form, name)
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        form.errors[name] = message
        return None
    return int(raw)


def _time(form: PlanForm, name: str) -> time | None:
    try:
        return time.fromisoformat(getattr(form, name))
    except ValueError:
        form.errors[name] = gettext("Give the time as HH:MM.")
        return None


def check_form(form: PlanForm, allowed_checkpoints: set[int], earliest: date) -> dict | None:
    """The values to save, or None with `form.errors` filled in (messages for each field)."""
    errors = form.errors
    if not form.name or len(form.name) > 120:
        errors["name"] = gettext("Give the route a name (at most 120 characters).")
    values = {
        "expected_minutes": _int(
            form, "expected_minutes", 1, 600, gettext("Minutes per round: a number 1–600.")
        ),
        "tolerance_minutes": _int(
            form, "tolerance_minutes", 0, 240, gettext("Tolerance: a number of minutes 0–240.")
        ),
        "window_start": _time(form, "window_start"),
        "window_end": _time(form, "window_end"),
        "rounds_per_night": None,
        "interval_minutes": None,
    }
    if not form.weekdays:
        errors["weekdays"] = gettext("Choose at least one night of the week.")
    if values["window_start"] and values["window_start"] == values["window_end"]:
        errors["window_end"] = gettext("The window must end at another time than it starts.")
    if form.mode == "interval":
        values["interval_minutes"] = _int(
            form, "interval_minutes", 10, 720, gettext("Interval: a number of minutes 10–720.")
        )
    else:
        values["rounds_per_night"] = _int(
            form, "rounds_per_night", 1, 24, gettext("Rounds per night: a number 1–24.")
        )
    if not form.stops:
        errors["stops"] = gettext("Add at least one checkpoint.")
    elif len(form.stops) > MAX_STOPS or len(set(form.stops)) != len(form.stops):
        errors["stops"] = gettext("Each checkpoint at most once, at most 80.")
    elif not set(form.stops) <= allowed_checkpoints:
        errors["stops"] = gettext("Only checkpoints of the route's area can be on it.")
    try:
        valid_from = iso_date(form.valid_from)
        if valid_from is None:
            raise ValueError(form.valid_from)
        if valid_from < earliest:
            errors["valid_from"] = gettext(
                "A change applies from a night that has not begun: %(date)s at the earliest.",
                date=earliest.isoformat(),
            )
    except ValueError:
        errors["valid_from"] = gettext("Give the date as YYYY-MM-DD.")
        valid_from = None
    if errors:
        return None
    return values | {
        "name": form.name,
        "active": form.active,
        "weekdays": form.weekdays,
        "valid_from": valid_from,
        "stops": list(zip(form.stops, form.instructions, strict=True)),
    }
