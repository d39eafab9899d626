"""Words for codes: categories, levels, methods, flags, statuses (architecture §8), in the user's
language. Flags are explained in a sentence, because a code like `out_of_radius` means nothing
to a supervisor at 06:45."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

CATEGORY_LABELS = {
    "lighting": _l("Broken lighting"),
    "door_lock": _l("Broken door or lock"),
    "window": _l("Broken window"),
    "graffiti": _l("Graffiti"),
    "vandalism": _l("Vandalism"),
    "litter": _l("Litter or bulky waste"),
    "water_leak": _l("Water leak"),
    "elevator": _l("Elevator out of order"),
    "disturbance": _l("Disturbance"),
    "intrusion": _l("Unauthorised persons in the property"),
    "fire_smoke": _l("Fire or smoke"),
    "other": _l("Other"),
    "threat_violence": _l("Threat or violence"),
}

# Who was exposed to an incident, or saw it: roles, never names (patrol.reports.models).
INCIDENT_ROLE_LABELS = {
    "guard": _l("the guard"),
    "resident": _l("resident"),
    "visitor": _l("visitor"),
    "tradesperson": _l("tradesperson"),
    "staff": _l("the property's staff"),
    "other": _l("other"),
}

LEVEL_LABELS = {
    "preventive": _l("Preventive"),
    "disturbance": _l("Ongoing disturbance"),
    "acute": _l("Acute serious event"),
}

METHOD_LABELS = {
    "qr": _l("QR code"),
    "code": _l("Typed code"),
    "nfc": _l("NFC tag"),
    "manual": _l("Chosen from the list"),
}

FLAG_LABELS = {
    "manual": _l("Manual: chosen from the list, not scanned or typed"),
    "out_of_radius": _l("Out of radius: farther from the checkpoint than its radius allows"),
    "no_location": _l("No location: the phone had no position"),
    "clock_skew": _l("Clock skew: the phone's clock differed from the server's by over 5 minutes"),
    "implausible_time": _l(
        "Implausible time: later than the server's clock, or before the shift began"
    ),
    "retired_token": _l(
        "Old QR code: the sticker's code has been replaced; not counted towards a round"
    ),
    "inactive_checkpoint": _l("Inactive checkpoint: deactivated before the check-in arrived"),
    "outside_area": _l(
        "Outside the assigned area: at a property of an area the guard is not assigned to"
    ),
}

FLAG_SHORT = {
    "manual": _l("manual"),
    "out_of_radius": _l("out of radius"),
    "no_location": _l("no location"),
    "clock_skew": _l("clock skew"),
    "implausible_time": _l("implausible time"),
    "retired_token": _l("old QR code"),
    "inactive_checkpoint": _l("inactive checkpoint"),
    "outside_area": _l("outside the assigned area"),
}

STATUS_LABELS = {"new": _l("new"), "reviewed": _l("reviewed")}

PRIORITY_LABELS = {"high": _l("High"), "normal": _l("Normal"), "low": _l("Low")}

WORK_ORDER_STATUS_LABELS = {"open": _l("open"), "done": _l("done")}

ACTION_LABELS = {
    "approved": _l("Approved"),
    "corrected": _l("Corrected"),
    "work_order_created": _l("Work order created"),
    "work_order_done": _l("Work order done"),
}

# Acute first everywhere a night's reports are listed.
LEVEL_ORDER = {"acute": 0, "disturbance": 1, "preventive": 2}


def template_labels() -> dict:
    return {
        "CATEGORY_LABELS": CATEGORY_LABELS,
        "LEVEL_LABELS": LEVEL_LABELS,
        "METHOD_LABELS": METHOD_LABELS,
        "FLAG_LABELS": FLAG_LABELS,
        "FLAG_SHORT": FLAG_SHORT,
        "STATUS_LABELS": STATUS_LABELS,
        "PRIORITY_LABELS": PRIORITY_LABELS,
        "WORK_ORDER_STATUS_LABELS": WORK_ORDER_STATUS_LABELS,
        "ACTION_LABELS": ACTION_LABELS,
    }
