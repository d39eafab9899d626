"""The JSON session API: who is logged in (with a CSRF token), log in, log out."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, session
from flask_babel import gettext
from flask_login import current_user, logout_user
from flask_wtf.csrf import generate_csrf

from patrol.auth import twofactor
from patrol.auth.actions import after_password, authenticate, start_session
from patrol.auth.schemas import LoginSchema, MeSchema, SecondStepSchema
from patrol.errors import ApiError
from patrol.openapi import documented
from patrol.security import public
from patrol.sync import json_body

bp = Blueprint("auth_api", __name__)


def me_payload():
    user = current_user if current_user.is_authenticated else None
    duty_phone = (current_app.config["DUTY_PHONE"] or None) if user else None
    return MeSchema().dump({"user": user, "csrf_token": generate_csrf(), "duty_phone": duty_phone})


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
    """A right password logs in, or (the user has a second factor, or must set one up) answers
    401 `second_factor_required` / `second_factor_setup_required` with no session made: the
    phone then asks for the code (POST /api/v1/session/second-step) or opens /login/setup."""
    data = LoginSchema().load(json_body())
    user = authenticate(data["username"].strip(), data["password"])
    step = after_password(user, "/app/")
    if step == "code":
        raise ApiError(401, gettext("Enter the code from your app."), code="second_factor_required")
    if step == "setup":
        raise ApiError(
            401,
            gettext("Your account needs a second step: set it up on the next page."),
            code="second_factor_setup_required",
        )
    return jsonify(me_payload())


@bp.post("/api/v1/session/second-step")
@public
@documented(
    request=SecondStepSchema,
    responses={200: MeSchema},
    summary="The second step of logging in: a code from the authenticator app or a recovery "
    "code, within 5 minutes of the password (needs X-CSRFToken)",
)
def second_step():
    data = SecondStepSchema().load(json_body())
    user = twofactor.half_user()
    if user is None or twofactor.half_login().get("enrol"):
        raise twofactor.expired_error()
    twofactor.check_second_step(user, data["code"])
    twofactor.end_half_login()
    start_session(user)
    return jsonify(me_payload())


@bp.delete("/api/v1/session")
@public
@documented(responses={204: None}, summary="Log out")
def delete_session():
    logout_user()
    session.clear()
    return "", 204
