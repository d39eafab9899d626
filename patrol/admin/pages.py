"""The admin pages (/admin/...): admins change the set-up, supervisors read it (no forms that
change anything, and every POST answers 403), everyone else gets 403. Server-rendered, usable
without JavaScript; CSRF on every form (checked for all POSTs in patrol.security)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import RequestEntityTooLarge

from patrol.admin import actions, importer, stickers
from patrol.admin.schemas import (
    EMAIL_KINDS,
    LANGUAGES,
    AreaIn,
    CheckpointIn,
    OrganizationIn,
    PropertyIn,
    UserIn,
    form_values,
    load,
    unstorable,
)
from patrol.audit import AuditEvent
from patrol.auth.models import User
from patrol.auth.roles import ADMIN_READER_ROLES, ADMIN_ROLES, ROLES
from patrol.auth.sessions import count_sessions
from patrol.db import db, utcnow
from patrol.errors import ApiError
from patrol.extensions import login_manager
from patrol.labels import template_labels
from patrol.reports.models import Report
from patrol.shifts.models import CheckIn, Shift
from patrol.sites.models import Area, Checkpoint, Organization, Property

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")

AUDIT_PAGE_SIZE = 100
SEARCH_LIMIT = 200


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
    return template_labels() | {
        "can_edit": current_user.is_authenticated and current_user.role in ADMIN_ROLES,
        "ROLE_LABELS": role_labels(),
        "EMAIL_KIND_LABELS": email_kind_labels(),
        "LANGUAGE_LABELS": {"sv": "Svenska", "en": "English"},
        "AUDIT_ACTIONS": {
            "create": gettext("Created"),
            "update": gettext("Changed"),
            "activate": gettext("Activated"),
            "deactivate": gettext("Deactivated"),
            "rotate_token": gettext("QR code replaced"),
            "reset_password": gettext("Password reset"),
            "logout_everywhere": gettext("Logged out everywhere"),
            "import": gettext("CSV import"),
        },
        "AUDIT_ENTITIES": {
            "organization": gettext("owner"),
            "area": gettext("area"),
            "property": gettext("property"),
            "checkpoint": gettext("checkpoint"),
            "user": gettext("user"),
            "import": gettext("area"),
        },
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
        "acute_alerts": gettext("Acute events at once"),
        "work_orders": gettext("New work orders"),
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


# --- start page: owners and areas -------------------------------------------------------------


@bp.get("/")
def index():
    organizations = db.session.scalars(sa.select(Organization).order_by(Organization.name)).all()
    areas = db.session.scalars(sa.select(Area).order_by(Area.name)).all()
    property_counts = dict(
        db.session.execute(
            sa.select(Property.area_id, sa.func.count()).group_by(Property.area_id)
        ).all()
    )
    owner_counts = dict(
        db.session.execute(
            sa.select(Property.organization_id, sa.func.count()).group_by(Property.organization_id)
        ).all()
    )
    area_ids = [a.id for a in areas]
    return render_template(
        "admin/index.html",
        organizations=organizations,
        areas=areas,
        property_counts=property_counts,
        owner_counts=owner_counts,
        checkins=actions.checkin_counts(Property.area_id, area_ids),
        reports=actions.report_counts(Property.area_id, area_ids),
        owner_checkins=actions.checkin_counts(
            Property.organization_id, [o.id for o in organizations]
        ),
        owner_reports=actions.report_counts(
            Property.organization_id, [o.id for o in organizations]
        ),
    )


def entity_form(schema, names, lists=()):
    return load(schema, form_values(request.form, names, lists))


@bp.route("/organizations/new", methods=["GET", "POST"])
@bp.route("/organizations/<int:org_id>", methods=["GET", "POST"])
def organization(org_id: int | None = None):
    org = get_or_404(Organization, org_id) if org_id else Organization()
    errors = {}
    if request.method == "POST":
        values, errors = entity_form(OrganizationIn(), ("name",))
        errors = errors or actions.save_organization(org, values)
        if not errors:
            flash(gettext("Saved."), "notice")
            return redirect(url_for("admin.organization", org_id=org.id))
        db.session.rollback()
    properties = (
        db.session.scalars(
            sa.select(Property).where(Property.organization_id == org.id).order_by(Property.name)
        ).all()
        if org.id
        else []
    )
    return render_template(
        "admin/organization.html", org=org, errors=errors, properties=properties
    ), (422 if errors else 200)


@bp.route("/areas/new", methods=["GET", "POST"])
@bp.route("/areas/<int:area_id>", methods=["GET", "POST"])
def area(area_id: int | None = None):
    area = get_or_404(Area, area_id) if area_id else Area()
    errors = {}
    if request.method == "POST":
        values, errors = entity_form(AreaIn(), AREA_FORM_FIELDS, lists=("day_crew_emails",))
        errors = errors or actions.save_area(area, values)
        if not errors:
            flash(gettext("Saved."), "notice")
            return redirect(url_for("admin.area", area_id=area.id))
        db.session.rollback()
    properties = area.properties if area.id else []
    ids = [p.id for p in properties]
    return render_template(
        "admin/area.html",
        area=area,
        errors=errors,
        properties=properties,
        checkins=actions.checkin_counts(Property.id, ids),
        reports=actions.report_counts(Property.id, ids),
    ), (422 if errors else 200)


AREA_FORM_FIELDS = ("name", "city", "day_crew_emails", "duty_phone")


# --- properties ------------------------------------------------------------------------------


@bp.get("/properties")
def properties():
    """Search properties and checkpoints by name, address, owner's id, label or short code."""
    # Characters no column can hold could match nothing anyway (and PostgreSQL refuses them).
    q = "".join(c for c in (request.args.get("q") or "") if not unstorable(c)).strip()[:100]
    query = (
        sa.select(Property)
        .options(selectinload(Property.area), selectinload(Property.organization))
        .order_by(Property.name)
        .limit(SEARCH_LIMIT)
    )
    if q:
        like = f"%{q.lower()}%"
        in_checkpoints = sa.select(Checkpoint.property_id).where(
            sa.or_(
                sa.func.lower(Checkpoint.label).like(like),
                sa.func.lower(Checkpoint.short_code).like(like),
            )
        )
        query = query.where(
            sa.or_(
                sa.func.lower(Property.name).like(like),
                sa.func.lower(Property.address).like(like),
                sa.func.lower(sa.func.coalesce(Property.owner_ref, "")).like(like),
                Property.id.in_(in_checkpoints),
            )
        )
    found = db.session.scalars(query).all()
    ids = [p.id for p in found]
    return render_template(
        "admin/properties.html",
        q=q,
        properties=found,
        checkins=actions.checkin_counts(Property.id, ids),
        reports=actions.report_counts(Property.id, ids),
    )


PROPERTY_FORM_FIELDS = (
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


@bp.route("/properties/new", methods=["GET", "POST"])
@bp.route("/properties/<int:property_id>", methods=["GET", "POST"])
def property_page(property_id: int | None = None):
    prop = get_or_404(Property, property_id) if property_id else Property(area_id=int_arg("area"))
    errors = {}
    if request.method == "POST":
        values, errors = entity_form(PropertyIn(), PROPERTY_FORM_FIELDS)
        errors = errors or actions.save_property(prop, values)
        if not errors:
            flash(gettext("Saved."), "notice")
            return redirect(url_for("admin.property_page", property_id=prop.id))
        db.session.rollback()
    checkpoints = prop.checkpoints if prop.id else []
    ids = [c.id for c in checkpoints]
    return render_template(
        "admin/property.html",
        prop=prop,
        errors=errors,
        form=request.form if errors else None,
        areas=db.session.scalars(sa.select(Area).order_by(Area.name)).all(),
        organizations=db.session.scalars(sa.select(Organization).order_by(Organization.name)).all(),
        checkpoints=checkpoints,
        checkins=actions.checkin_counts(Checkpoint.id, ids),
        reports=actions.report_counts(Report.checkpoint_id, ids),
    ), (422 if errors else 200)


# --- checkpoints -----------------------------------------------------------------------------

CHECKPOINT_FORM_FIELDS = (
    "label",
    "short_code",
    "lat",
    "lon",
    "position_accuracy_m",
    "radius_m",
    "instructions",
)


@bp.route("/properties/<int:property_id>/checkpoints/new", methods=["GET", "POST"])
@bp.route("/checkpoints/<int:checkpoint_id>", methods=["GET", "POST"])
def checkpoint(checkpoint_id: int | None = None, property_id: int | None = None):
    if checkpoint_id:
        point = get_or_404(Checkpoint, checkpoint_id)
        prop = point.property
    else:
        prop = get_or_404(Property, property_id)
        point = Checkpoint(property_id=prop.id, radius_m=50.0)
    errors = {}
    if request.method == "POST":
        values, errors = entity_form(CheckpointIn(), CHECKPOINT_FORM_FIELDS)
        errors = errors or actions.save_checkpoint(point, values)
        if not errors:
            flash(gettext("Saved."), "notice")
            return redirect(url_for("admin.checkpoint", checkpoint_id=point.id))
        db.session.rollback()
    return render_template(
        "admin/checkpoint.html",
        point=point,
        prop=prop,
        errors=errors,
        form=request.form if errors else None,
        checkin_url=stickers.checkin_url(point.token) if point.id else None,
        checkins=actions.checkin_counts(Checkpoint.id, [point.id]).get(point.id, 0)
        if point.id
        else 0,
        reports=actions.report_counts(Report.checkpoint_id, [point.id]).get(point.id, 0)
        if point.id
        else 0,
    ), (422 if errors else 200)


@bp.post("/checkpoints/<int:checkpoint_id>/rotate")
def rotate(checkpoint_id: int):
    point = get_or_404(Checkpoint, checkpoint_id)
    actions.rotate_token(point)
    flash(
        gettext("New QR code made. Print the new sticker: the old one no longer counts."),
        "notice",
    )
    return redirect(url_for("admin.checkpoint", checkpoint_id=point.id))


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


# --- stickers --------------------------------------------------------------------------------


@bp.get("/stickers.pdf")
def stickers_pdf():
    """A4 QR stickers for ?area=ID, ?property=ID or ?checkpoint=ID&checkpoint=ID..."""
    points = stickers.chosen_checkpoints(request.args)
    if not points:
        raise ApiError(
            404, gettext("No active checkpoints chosen: give area=, property= or checkpoint=.")
        )
    body = stickers.render_pdf(points)
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": 'inline; filename="nattpatrull-qr.pdf"'},
    )


# --- users -----------------------------------------------------------------------------------

ON_SHIFT_WINDOW = timedelta(hours=16)


def last_synced() -> dict[int, object]:
    """When each user's phone last delivered something (shift, check-in or report)."""
    latest: dict[int, object] = {}
    queries = (
        sa.select(Shift.guard_id, sa.func.max(Shift.received_at)).group_by(Shift.guard_id),
        sa.select(Shift.guard_id, sa.func.max(CheckIn.received_at))
        .join(CheckIn.shift)
        .group_by(Shift.guard_id),
        sa.select(Shift.guard_id, sa.func.max(Report.received_at))
        .join(Shift, Report.shift_id == Shift.id)
        .group_by(Shift.guard_id),
    )
    for query in queries:
        for user_id, at in db.session.execute(query):
            if at is not None and (user_id not in latest or at > latest[user_id]):
                latest[user_id] = at
    return latest


def on_shift_now() -> set[int]:
    """Users with a shift started in the last 16 hours and not ended."""
    since = utcnow() - ON_SHIFT_WINDOW
    return set(
        db.session.scalars(
            sa.select(Shift.guard_id).where(Shift.ended_at.is_(None), Shift.started_at >= since)
        )
    )


@bp.get("/users")
def users():
    everyone = db.session.scalars(
        sa.select(User)
        .options(selectinload(User.areas), selectinload(User.organization))
        .order_by(User.active.desc(), User.role, User.username)
    ).all()
    return render_template(
        "admin/users.html", users=everyone, synced=last_synced(), on_shift=on_shift_now()
    )


USER_FORM_FIELDS = (
    "username",
    "display_name",
    "role",
    "email",
    "language",
    "email_prefs",
    "organization_id",
    "area_ids",
)


def user_form_values() -> tuple[dict, dict]:
    values = form_values(request.form, USER_FORM_FIELDS, lists=("email_prefs", "area_ids"))
    values["language"] = values["language"] or "sv"
    return load(UserIn(), values)


def render_user(user: User, errors=None, one_time_password=None, status=200):
    return render_template(
        "admin/user.html",
        user=user,
        errors=errors or {},
        form=request.form if errors else None,
        one_time_password=one_time_password,
        roles=ROLES,
        languages=LANGUAGES,
        email_kinds=EMAIL_KINDS,
        areas=db.session.scalars(sa.select(Area).order_by(Area.name)).all(),
        organizations=db.session.scalars(sa.select(Organization).order_by(Organization.name)).all(),
        sessions=count_sessions(user.id) if user.id else 0,
    ), status


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    if request.method == "POST":
        values, errors = user_form_values()
        if not errors:
            user, password, errors = actions.create_user(values)
            if not errors:
                # Shown once, in this answer only (never in a flash message: the session
                # cookie is signed, not encrypted).
                return render_user(user, one_time_password=password, status=201)
        db.session.rollback()
        return render_user(User(role=request.form.get("role") or "guard"), errors, status=422)
    return render_user(User(role="guard", language="sv"))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int):
    user = get_or_404(User, user_id)
    if request.method == "POST":
        values, errors = user_form_values()
        errors = errors or actions.save_user(user, values)
        if errors:
            db.session.rollback()
            return render_user(user, errors, status=422)
        flash(gettext("Saved."), "notice")
        return redirect(url_for("admin.user", user_id=user.id))
    return render_user(user)


@bp.post("/users/<int:user_id>/active")
def user_active(user_id: int):
    user = get_or_404(User, user_id)
    if request.form.get("active") == "1":
        actions.activate_user(user)
        flash(gettext("Activated."), "notice")
    else:
        error = actions.deactivate_user(user)
        if error:
            return render_user(user, {"active": error}, status=409)
        flash(gettext("Deactivated. Every session of the user has ended."), "notice")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.post("/users/<int:user_id>/reset-password")
def reset_password(user_id: int):
    user = get_or_404(User, user_id)
    password = actions.reset_password(user)
    return render_user(user, one_time_password=password)


@bp.post("/users/<int:user_id>/logout-everywhere")
def logout_everywhere(user_id: int):
    user = get_or_404(User, user_id)
    ended = actions.logout_everywhere(user)
    flash(gettext("Logged out on %(n)d devices.", n=ended), "notice")
    return redirect(url_for("admin.user", user_id=user.id))


# --- audit -----------------------------------------------------------------------------------


@bp.get("/audit")
def audit():
    page = int_arg("page") or 1
    events = db.session.scalars(
        sa.select(AuditEvent)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .offset((page - 1) * AUDIT_PAGE_SIZE)
        .limit(AUDIT_PAGE_SIZE + 1)
    ).all()
    return render_template(
        "admin/audit.html",
        events=events[:AUDIT_PAGE_SIZE],
        page=page,
        more=len(events) > AUDIT_PAGE_SIZE,
    )


# --- import ----------------------------------------------------------------------------------


def render_import(preview=None, error=None, text=None, status=200):
    return render_template(
        "admin/import.html",
        preview=preview,
        error=error,
        text=text,
        area_id=int_arg_form("area"),
        areas=db.session.scalars(
            sa.select(Area).where(Area.active.is_(True)).order_by(Area.name)
        ).all(),
        max_mb=importer.MAX_UPLOAD_BYTES // (1024 * 1024),
    ), status


def int_arg_form(name: str) -> int | None:
    value = (request.values.get(name) or "").strip()
    return int(value) if value.isdecimal() and value.isascii() and len(value) < 10 else None


@bp.get("/import")
def import_page():
    return render_import()


@bp.get("/import/template.csv")
def import_template():
    return Response(
        importer.template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="nattpatrull-import.csv"'},
    )


@bp.post("/import")
def import_preview():
    """Step 1: every row's outcome, nothing stored yet."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_import(error=gettext("Choose a CSV file."), status=422)
    text, error = importer.decode_upload(upload.read(importer.MAX_UPLOAD_BYTES + 1))
    if error:
        return render_import(error=error, status=422)
    preview = importer.preview(text, int_arg_form("area"))
    if preview.error:
        return render_import(error=preview.error, status=422)
    return render_import(preview=preview, text=text)


@bp.post("/import/apply")
def import_apply():
    """Step 2, "Importera": the rows without errors, in one transaction."""
    result = importer.apply(request.form.get("text") or "", int_arg_form("area"))
    if result.error:
        return render_import(error=result.error, status=422)
    flash(
        gettext(
            "Imported: %(new)d new, %(changed)d changed, %(unchanged)d unchanged, "
            "%(error)d rows with errors left out.",
            **result.counts,
        ),
        "notice",
    )
    return redirect(url_for("admin.import_page"))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error):
    """An upload over the limit: a clear message on the import page, nothing stored."""
    message = gettext(
        "The file is too large (at most %(mb)d MB). Import the properties in several files.",
        mb=importer.MAX_UPLOAD_BYTES // (1024 * 1024),
    )
    return render_template(
        "admin/import.html",
        preview=None,
        error=message,
        text=None,
        area_id=None,
        areas=[],
        max_mb=importer.MAX_UPLOAD_BYTES // (1024 * 1024),
    ), 413
