"""The admin pages (/admin/...): admins change the set-up, supervisors read it (no forms that
change anything, and every POST answers 403), everyone else gets 403. Server-rendered, usable
without JavaScript; CSRF on every form (checked for all POSTs in patrol.security)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user

from patrol.admin import actions
from patrol.admin.schemas import form_values, load
from patrol.auth.roles import ADMIN_READER_ROLES, ADMIN_ROLES
from patrol.db import db
from patrol.errors import ApiError
from patrol.extensions import login_manager
from patrol.labels import template_labels
from patrol.sites.models import Area, Checkpoint, Organization, Property

# The templates stay in patrol/admin/templates/ (the blueprint's root is this package's folder).
bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="../templates")


@bp.before_request
def admins_change_supervisors_read():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role not in ADMIN_READER_ROLES:
        raise ApiError(403)
    if request.method not in ("GET", "HEAD") and current_user.role not in ADMIN_ROLES:
        raise ApiError(403, gettext("Supervisors can read the set-up; only admins change it."))
    return None


@bp.context_processor
def admin_context():
    # audit.py registers its routes on this module's blueprint: imported here, not at the top.
    from patrol.admin.pages.audit import action_choices as audit_actions
    from patrol.admin.pages.audit import entity_choices as audit_entities

    return template_labels() | {
        "can_edit": current_user.is_authenticated and current_user.role in ADMIN_ROLES,
        "ROLE_LABELS": role_labels(),
        "EMAIL_KIND_LABELS": email_kind_labels(),
        "EMAIL_KIND_DESCRIPTIONS": email_kind_descriptions(),
        "LANGUAGE_LABELS": {"sv": "Svenska", "en": "English"},
        # The audit list's words are the filters' (one list each, in audit.py); an import's
        # row names the area it was for, so its entity reads "area" there.
        "AUDIT_ACTIONS": audit_actions(),
        "AUDIT_ENTITIES": audit_entities() | {"import": gettext("area")},
        "IMPORT_OUTCOMES": {
            "new": gettext("new"),
            "changed": gettext("changed"),
            "unchanged": gettext("unchanged"),
            "error": gettext("error"),
        },
    }


def role_labels() -> dict[str, str]:
    return {
        "guard": gettext("Guard"),
        "supervisor": gettext("Supervisor"),
        "admin": gettext("Admin"),
        "owner": gettext("Owner"),
        "crew": gettext("Day crew"),
    }


def email_kind_labels() -> dict[str, str]:
    return {
        "morning_report": gettext("The night's summary in the morning"),
        "nothing_to_report": gettext('Also on quiet nights ("Inget att rapportera i natt")'),
        "acute_alerts": gettext("Acute events when approved"),
        "work_orders": gettext("New work orders"),
    }


def email_kind_descriptions() -> dict[str, str]:
    """What each email sends, beside its box on the user's page (the owners feature sends
    them; admin cannot import it, so the words are here)."""
    return {
        "morning_report": gettext(
            "Owners: the reports approved on the organization's properties, once a night, when "
            "the night is marked reviewed or at 10:00."
        ),
        "nothing_to_report": gettext(
            "Owners: the morning email also on nights with nothing approved."
        ),
        "acute_alerts": gettext(
            "Owners: one email per acute report on the organization's properties, when a "
            "supervisor approves it (not again when it is approved again)."
        ),
        "work_orders": gettext(
            "Day crew: one email per work order made at a property in the user's areas "
            "(no areas chosen: every area)."
        ),
    }


MAX_ID = 2**31 - 1


def get_or_404(model, object_id: int):
    """The row, or 404 (also for an id no integer column could hold)."""
    obj = db.session.get(model, object_id) if 0 < object_id <= MAX_ID else None
    if obj is None:
        abort(404)
    return obj


def int_arg(name: str) -> int | None:
    value = (request.args.get(name) or "").strip()
    return int(value) if value.isdecimal() and value.isascii() and len(value) < 10 else None


ACTIVATABLE = {
    "organizations": (Organization, "admin.organization", "org_id"),
    "areas": (Area, "admin.area", "area_id"),
    "properties": (Property, "admin.property_page", "property_id"),
    "checkpoints": (Checkpoint, "admin.checkpoint", "checkpoint_id"),
}


@bp.post("/<any(organizations, areas, properties, checkpoints):kind>/<int:object_id>/active")
def set_active(kind: str, object_id: int):
    model, endpoint, arg = ACTIVATABLE[kind]
    obj = get_or_404(model, object_id)
    wanted = request.form.get("active")
    if wanted not in ("0", "1"):
        raise ApiError(400)
    actions.set_active(obj, wanted == "1")
    flash(gettext("Activated.") if wanted == "1" else gettext("Deactivated."), "notice")
    return redirect(url_for(endpoint, **{arg: obj.id}))


def entity_form(schema, names, lists=()):
    return load(schema, form_values(request.form, names, lists))


# Each module registers its routes on `bp` (imported last: they import `bp` from here).
from patrol.admin.pages import (  # noqa: E402, F401
    audit,
    checkpoints,
    importing,
    organizations,
    properties,
    users,
)
