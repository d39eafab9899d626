"""Admin pages: users (who is on shift, when each last synced), the user form, deactivation,
password reset and logging out everywhere."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import (
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy.orm import selectinload

from patrol.admin import actions
from patrol.admin.pages import bp, get_or_404
from patrol.admin.schemas import (
    EMAIL_KINDS,
    LANGUAGES,
    UserIn,
    form_values,
    load,
)
from patrol.auth import twofactor
from patrol.auth.models import User
from patrol.auth.roles import ADMIN, ROLES
from patrol.auth.sessions import count_sessions
from patrol.db import db, utcnow
from patrol.errors import ApiError
from patrol.reports.models import Report
from patrol.shifts.models import CheckIn, Shift
from patrol.sites.models import Area, Organization

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
        "admin/users.html",
        users=everyone,
        synced=last_synced(),
        on_shift=on_shift_now(),
        required_roles=twofactor.required_roles(),
        optional_roles=[r for r in ROLES if r != ADMIN],
    )


@bp.post("/users/second-factor")
def second_factor_roles():
    """Which roles must set up a second factor at their next sign-in (admins always must)."""
    chosen = set(request.form.getlist("roles"))
    unknown = chosen - set(ROLES)
    if unknown:
        raise ApiError(400, gettext("Unknown role."))
    if actions.set_second_factor_roles(chosen):
        flash(
            gettext("Saved. The chosen roles set up a second step at their next sign-in."), "notice"
        )
    return redirect(url_for("admin.users"))


USER_FORM_FIELDS = (
    "username",
    "display_name",
    "role",
    "email",
    "language",
    "email_prefs",
    "organization_id",
    "area_ids",
    "owner_visible_name",
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
        has_factor=twofactor.has_factor(user) if user.id else False,
        recovery_left=twofactor.recovery_codes_left(user.id) if user.id else 0,
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


@bp.post("/users/<int:user_id>/reset-factors")
def reset_factors(user_id: int):
    """A lost phone: the user's second factors go and every session ends (audited). An admin
    cannot reset their own: a stolen admin session must not be able to remove the admin's
    second step (the CLI can, on the server)."""
    user = get_or_404(User, user_id)
    if user.id == current_user.id:
        return render_user(
            user, {"active": gettext("You cannot reset your own second step here.")}, status=409
        )
    ended = actions.reset_factors(user)
    flash(
        gettext(
            "Second step reset; logged out on %(n)d devices. The next sign-in sets it up anew.",
            n=ended,
        ),
        "notice",
    )
    return redirect(url_for("admin.user", user_id=user.id))


@bp.post("/users/<int:user_id>/logout-everywhere")
def logout_everywhere(user_id: int):
    user = get_or_404(User, user_id)
    ended = actions.logout_everywhere(user)
    flash(gettext("Logged out on %(n)d devices.", n=ended), "notice")
    return redirect(url_for("admin.user", user_id=user.id))
