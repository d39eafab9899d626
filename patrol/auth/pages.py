"""The login and logout pages (server-rendered; the supervisor's way in)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, logout_user

from patrol.auth.actions import authenticate, home_for, start_session
from patrol.errors import ApiError
from patrol.security import local_path

bp = Blueprint("auth", __name__, template_folder="templates")


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
