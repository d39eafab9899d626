"""What the admin pages do: save, deactivate, rotate a QR token, reset a password, each change
in one transaction with its audit event (who, when, what, before -> after).

Every function takes already-checked values (patrol.admin.schemas) and returns the errors
that need the database to find (a name or short code already used, the last admin), as
{field: message}; on errors nothing is written.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask_babel import gettext

from patrol.audit import created, labelled, plain, write_audit
from patrol.auth import twofactor
from patrol.auth.models import User
from patrol.auth.passwords import hash_password
from patrol.auth.roles import ADMIN
from patrol.auth.sessions import end_all_sessions
from patrol.db import db, utcnow
from patrol.reports.models import Report
from patrol.shifts.models import CheckIn
from patrol.sites.models import (
    Area,
    Checkpoint,
    Organization,
    Property,
    RetiredToken,
    new_checkpoint_token,
)

ORGANIZATION_FIELDS = ("name",)
AREA_FIELDS = (
    "name",
    "city",
    "day_crew_emails",
    "duty_phone",
    "silence_minutes",
    "sos_escalation_minutes",
    "silence_escalation_minutes",
)
PROPERTY_FIELDS = (
    "area_id",
    "organization_id",
    "name",
    "address",
    "owner_ref",
    "lat",
    "lon",
    "position_accuracy_m",
    "instructions",
)
CHECKPOINT_FIELDS = (
    "label",
    "short_code",
    "lat",
    "lon",
    "position_accuracy_m",
    "radius_m",
    "instructions",
)
USER_FIELDS = (
    "username",
    "display_name",
    "owner_visible_name",
    "role",
    "email",
    "language",
    "email_prefs",
)

ENTITY_NAMES = {
    Organization: "organization",
    Area: "area",
    Property: "property",
    Checkpoint: "checkpoint",
    User: "user",
}


# A reference to another row is kept in the audit by its name beside its id ("owner:
# MKB Fastighets AB (#3)"): an id alone means nothing to the reader of the change log.
REFERENCES = {
    "area_id": ("area", Area),
    "organization_id": ("owner", Organization),
    "property_id": ("property", Property),
}


def _plain(value):
    """A value as it goes into the audit event's JSON."""
    return plain(value)


def reference(model, row_id):
    if row_id is None:
        return None
    row = db.session.get(model, row_id)
    return labelled(name_of(row) if row is not None else None, row_id)


def named(changes: dict) -> dict:
    """The changes with every reference to another row written as "name (#id)"."""
    out = {}
    for key, pair in changes.items():
        if key in REFERENCES and isinstance(pair, list | tuple) and len(pair) == 2:
            label, model = REFERENCES[key]
            out[label] = [reference(model, pair[0]), reference(model, pair[1])]
        else:
            out[key] = pair
    return out


def snapshot(obj, names: tuple[str, ...]) -> dict:
    """Every value a new row was stored with (after the flush, so defaults are set too);
    tokens and password hashes are never among the names."""
    values = {name: getattr(obj, name, None) for name in names}
    if isinstance(obj, Checkpoint):
        values = {"property_id": obj.property_id, **values}
    if hasattr(obj, "active"):
        values["active"] = obj.active
    return values


def name_of(obj) -> str:
    if isinstance(obj, Checkpoint):
        return f"{obj.property.name}: {obj.label} ({obj.short_code})"
    if isinstance(obj, User):
        return obj.username
    return obj.name


def audit(action: str, obj, changes: dict | None = None, entity: str | None = None) -> None:
    """Add the audit event to the current transaction (the caller commits both together)."""
    db.session.flush()  # a new row gets its id
    write_audit(
        action,
        entity or ENTITY_NAMES[type(obj)],
        getattr(obj, "id", None),
        name_of(obj) if obj is not None else "",
        named(changes or {}),
    )


def audit_created(obj, names: tuple[str, ...]) -> None:
    """The "create" event of a row just added: all its values, defaults included."""
    db.session.flush()
    audit("create", obj, created(snapshot(obj, names)))


def assign(obj, values: dict, names: tuple[str, ...]) -> dict:
    """Set the named attributes; returns {field: [before, after]} for those that changed."""
    changes = {}
    for name in names:
        if name not in values:
            continue
        before, after = getattr(obj, name, None), values[name]
        if before != after:
            changes[name] = [_plain(before), _plain(after)]
            setattr(obj, name, after)
    return changes


def _save(obj, values: dict, names: tuple[str, ...]) -> dict:
    """Apply and audit a create (obj is new) or an update; commits."""
    new = obj.id is None
    changes = assign(obj, values, names)
    if new:
        db.session.add(obj)
        audit_created(obj, names)
    elif changes:
        audit("update", obj, changes)
    db.session.commit()
    return changes


def _taken(model, column, value, obj, *scope) -> bool:
    query = sa.select(model.id).where(column == value, *scope)
    if obj.id is not None:
        query = query.where(model.id != obj.id)
    return db.session.scalar(query.limit(1)) is not None


# --- owners, areas, properties, checkpoints ---------------------------------------------------


def save_organization(org: Organization, values: dict) -> dict[str, str]:
    if _taken(Organization, Organization.name, values["name"], org):
        return {"name": gettext("An owner with this name exists already.")}
    _save(org, values, ORGANIZATION_FIELDS)
    return {}


def save_area(area: Area, values: dict) -> dict[str, str]:
    if _taken(Area, Area.name, values["name"], area):
        return {"name": gettext("An area with this name exists already.")}
    _save(area, values, AREA_FIELDS)
    return {}


def property_errors(prop: Property, values: dict) -> dict[str, str]:
    errors = {}
    if db.session.get(Area, values["area_id"]) is None:
        errors["area_id"] = gettext("Choose from the list.")
    if db.session.get(Organization, values["organization_id"]) is None:
        errors["organization_id"] = gettext("Choose from the list.")
    if not errors and _taken(
        Property, Property.name, values["name"], prop, Property.area_id == values["area_id"]
    ):
        errors["name"] = gettext("This area has a property with this name already.")
    if values.get("owner_ref") and _taken(
        Property,
        Property.owner_ref,
        values["owner_ref"],
        prop,
        Property.organization_id == values["organization_id"],
    ):
        errors["owner_ref"] = gettext("This owner has another property with this id.")
    return errors


def stamp_instructions(obj, values: dict) -> dict:
    """Blank instructions are stored as ""; a change stamps the time the phone compares with
    when the guard last saw them ("Ny")."""
    values = dict(values, instructions=values.get("instructions") or "")
    if (obj.instructions or "") != values["instructions"]:
        values["instructions_changed_at"] = utcnow()
    return values


def save_property(prop: Property, values: dict) -> dict[str, str]:
    errors = property_errors(prop, values)
    if errors:
        return errors
    values = stamp_instructions(prop, values)
    if "instructions_changed_at" in values:
        prop.instructions_changed_at = values["instructions_changed_at"]
    _save(prop, values, PROPERTY_FIELDS)
    return {}


def short_code_taken(code: str, checkpoint: Checkpoint) -> bool:
    """Short codes are unique across the whole server: a typed code names one checkpoint."""
    return _taken(Checkpoint, Checkpoint.short_code, code, checkpoint)


def save_checkpoint(checkpoint: Checkpoint, values: dict) -> dict[str, str]:
    if short_code_taken(values["short_code"], checkpoint):
        return {"short_code": gettext("This code is used by another checkpoint already.")}
    values = stamp_instructions(checkpoint, values)
    if "instructions_changed_at" in values:
        checkpoint.instructions_changed_at = values["instructions_changed_at"]
    _save(checkpoint, values, CHECKPOINT_FIELDS)
    return {}


def set_active(obj, active: bool) -> None:
    """Deactivate (or reactivate) instead of deleting: check-ins, reports and users keep
    pointing at the row; it only leaves the phones' sites data and the lists of choices."""
    if obj.active == active:
        return
    obj.active = active
    audit("activate" if active else "deactivate", obj, {"active": [not active, active]})
    db.session.commit()


def rotate_token(checkpoint: Checkpoint) -> None:
    """ "Byt QR-kod": a new token at once; the old one is kept so that an offline guard's scan
    of the old sticker is still accepted (flagged `retired_token`)."""
    db.session.add(RetiredToken(token=checkpoint.token, checkpoint_id=checkpoint.id))
    checkpoint.token = new_checkpoint_token()
    # The tokens themselves are secrets of the sticker: the audit says only that it changed.
    audit("rotate_token", checkpoint)
    db.session.commit()


# --- counts ----------------------------------------------------------------------------------


def checkin_counts(column, ids) -> dict[int, int]:
    """Check-ins per checkpoint, property or area (column: the grouping column)."""
    if not ids:
        return {}
    query = (
        sa.select(column, sa.func.count(CheckIn.id))
        .select_from(CheckIn)
        .join(Checkpoint, CheckIn.checkpoint_id == Checkpoint.id)
        .join(Property, Checkpoint.property_id == Property.id)
        .where(column.in_(list(ids)))
        .group_by(column)
    )
    return dict(db.session.execute(query).all())


def report_counts(column, ids) -> dict[int, int]:
    """Reports per checkpoint (Report.checkpoint_id), property or area."""
    if not ids:
        return {}
    query = sa.select(column, sa.func.count(Report.id)).select_from(Report)
    if column is not Report.checkpoint_id:
        query = query.join(Property, Report.property_id == Property.id)
    query = query.where(column.in_(list(ids))).group_by(column)
    return dict(db.session.execute(query).all())


# --- users -----------------------------------------------------------------------------------


def other_active_admins(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(User)
        .where(User.role == ADMIN, User.active.is_(True), User.id != user.id)
    )


def save_user(user: User, values: dict) -> dict[str, str]:
    errors = {}
    if _taken(User, sa.func.lower(User.username), values["username"].lower(), user):
        errors["username"] = gettext("This username is taken.")
    if user.role == ADMIN and values["role"] != ADMIN and not other_active_admins(user):
        errors["role"] = gettext("The last active admin must stay an admin.")
    organization_id = values.get("organization_id") if values["role"] == "owner" else None
    if organization_id and db.session.get(Organization, organization_id) is None:
        errors["organization_id"] = gettext("Choose from the list.")
    areas = list(db.session.scalars(sa.select(Area).where(Area.id.in_(values["area_ids"]))))
    if len(areas) != len(set(values["area_ids"])):
        errors["area_ids"] = gettext("Choose from the list.")
    if errors:
        return errors
    values = dict(values, organization_id=organization_id)
    before_areas = sorted(labelled(a.name, a.id) for a in user.areas)
    changes = assign(user, values, (*USER_FIELDS, "organization_id"))
    after_areas = sorted(labelled(a.name, a.id) for a in areas)
    if before_areas != after_areas:
        changes["areas"] = [before_areas, after_areas]
        user.areas = areas
    if user.id is None:
        db.session.add(user)
        db.session.flush()
        values = snapshot(user, (*USER_FIELDS, "organization_id", "must_change_password"))
        audit("create", user, created(values | {"areas": after_areas}))
    elif changes:
        audit("update", user, changes)
    db.session.commit()
    return {}


def new_one_time_password() -> str:
    """Easy to read out and type: four groups of four letters and digits, no look-alikes."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def create_user(values: dict) -> tuple[User | None, str | None, dict[str, str]]:
    """A new user with a one-time password (shown once to the admin, changed at first login)."""
    password = new_one_time_password()
    user = User(password_hash=hash_password(password), must_change_password=True, active=True)
    errors = save_user(user, values)
    if errors:
        return None, None, errors
    return user, password, {}


def deactivate_user(user: User) -> str | None:
    """Deactivate and end every session of the user at once; the error, if refused."""
    if user.role == ADMIN and user.active and not other_active_admins(user):
        return gettext("The last active admin cannot be deactivated.")
    if user.active:
        user.active = False
        end_all_sessions(user.id)
        audit("deactivate", user, {"active": [True, False]})
        db.session.commit()
    return None


def activate_user(user: User) -> None:
    if not user.active:
        user.active = True
        audit("activate", user, {"active": [False, True]})
        db.session.commit()


def reset_password(user: User) -> str:
    """A one-time password (returned, to be shown once); every session of the user ends."""
    password = new_one_time_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    ended = end_all_sessions(user.id)
    audit("reset_password", user, {"sessions_ended": [None, ended]})
    db.session.commit()
    return password


def logout_everywhere(user: User) -> int:
    ended = end_all_sessions(user.id)
    audit("logout_everywhere", user, {"sessions_ended": [None, ended]})
    db.session.commit()
    return ended


def reset_factors(user: User) -> int:
    """A lost phone (issue 27): the user's second factors and recovery codes go, every session
    ends, and the next sign-in sets a new factor up. Returns the sessions ended."""
    ended = twofactor.reset_factors(user)
    audit("reset_factors", user, {"sessions_ended": [None, ended]})
    db.session.commit()
    return ended


def set_second_factor_roles(roles: set[str]) -> bool:
    """Which roles (besides admin, always) must set up a second factor at the next sign-in;
    audited as one event. Returns whether anything changed."""
    before, after = twofactor.set_required_roles(roles)
    if before == after:
        db.session.rollback()
        return False
    write_audit("update", "second_factor_roles", None, "", {"roles": [before, after]})
    db.session.commit()
    return True
