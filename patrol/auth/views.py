"""Login: the server-rendered page and the JSON session API."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from patrol.auth import limits
from patrol.auth.models import User
from patrol.auth.passwords import verify_password
from patrol.auth.schemas import LoginSchema, MeSchema
from patrol.db import db
from patrol.errors import ApiError
from patrol.openapi import documented
from patrol.security import local_path, public

bp = Blueprint("auth", __name__, template_folder="templates")


def authenticate(username: str, password: str) -> User:
    """The active user with these credentials, or ApiError 401 / 429."""
    address = request.remote_addr or "unknown"
    limits.check_login_allowed(username, address)
    user = db.session.scalar(
        sa.select(User).where(sa.func.lower(User.username) == username.lower())
    )
    if not verify_password(user.password_hash if user else None, password) or not user.active:
        limits.record_failure(username, address)
        raise ApiError(401, gettext("Wrong username or password."), code="bad_credentials")
    limits.clear_failures(username)
    return user


def start_session(user: User) -> None:
    session.permanent = True  # PERMANENT_SESSION_LIFETIME: a whole shift
    login_user(user)


def home_for(user: User) -> str:
    # Owners and the day crew have their own pages (issue 13); everyone else patrols or reviews.
    homes = {"owner": "/owner/", "crew": "/crew/"}
    return "/review/" if user.is_reviewer else homes.get(user.role, "/")


# --- pages ---------------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login_page():
    error = None
    status = 200
    username = ""
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()
        password = request.form.get("password") or ""
        if not username or not password:
            error, status = gettext("Enter your username and password."), 422
        else:
            try:
                user = authenticate(username, password)
            except ApiError as failure:
                error, status = failure.message, failure.status
            else:
                start_session(user)
                return redirect(local_path(request.args.get("next"), home_for(user)))
    elif current_user.is_authenticated:
        return redirect(home_for(current_user))
    return render_template("auth/login.html", error=error, username=username), status


@bp.post("/logout")
def logout_page():
    logout_user()
    session.clear()
    return redirect(url_for("auth.login_page"))


# --- JSON session API ----------------------------------------------------------------------


def me_payload():
    user = current_user if current_user.is_authenticated else None
    return MeSchema().dump({"user": user, "csrf_token": generate_csrf()})


@bp.get("/api/v1/me")
@public
@documented(responses={200: MeSchema}, summary="The logged-in user (or null) and a CSRF token")
def me():
    return jsonify(me_payload())


@bp.post("/api/v1/session")
@public
@documented(
    request=LoginSchema,
    responses={200: MeSchema},
    summary="Log in (sets the session cookie); needs X-CSRFToken from /api/v1/me",
)
def create_session():
    data = LoginSchema().load(request.get_json(silent=True) or {})
    user = authenticate(data["username"].strip(), data["password"])
    start_session(user)
    return jsonify(me_payload())


@bp.delete("/api/v1/session")
@public
@documented(responses={204: None}, summary="Log out")
def delete_session():
    logout_user()
    session.clear()
    return "", 204
