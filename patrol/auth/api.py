"""The JSON session API: who is logged in (with a CSRF token), log in, log out."""

from __future__ import annotations

from flask import Blueprint, jsonify, request, session
from flask_login import current_user, logout_user
from flask_wtf.csrf import generate_csrf

from patrol.auth.actions import authenticate, start_session
from patrol.auth.schemas import LoginSchema, MeSchema
from patrol.openapi import documented
from patrol.security import public

bp = Blueprint("auth_api", __name__)


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
