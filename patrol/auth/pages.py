"""The login and logout pages (server-rendered; the supervisor's way in)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, logout_user

from patrol.auth.actions import authenticate, home_for, start_session
from patrol.auth.schemas import MAX_PASSWORD, MAX_USERNAME
from patrol.errors import ApiError
from patrol.security import local_path

bp = Blueprint("auth", __name__, template_folder="templates")


@bp.route("/login", methods=["GET", "POST"])
def login_page():
    error = None
    status = 200
    headers = {}
    username = ""
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()
        password = request.form.get("password") or ""
        if not username or not password:
            error, status = gettext("Enter your username and password."), 422
        elif len(username) > MAX_USERNAME or len(password) > MAX_PASSWORD:
            # No account has such a name or password (the API's schema says the same).
            error, status = gettext("Wrong username or password."), 401
            username = username[:MAX_USERNAME]
        else:
            try:
                user = authenticate(username, password)
            except ApiError as failure:
                # 429 keeps its Retry-After, as the API's does.
                error, status, headers = failure.message, failure.status, failure.headers
            else:
                start_session(user)
                return redirect(local_path(request.args.get("next"), home_for(user)))
    elif current_user.is_authenticated:
        return redirect(home_for(current_user))
    page = render_template("auth/login.html", error=error, username=username)
    return page, status, headers


@bp.post("/logout")
def logout_page():
    logout_user()
    session.clear()
    return redirect(url_for("auth.login_page"))
