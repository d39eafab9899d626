"""The login and logout pages (server-rendered; the supervisor's way in), and the user's own
account: change the password (forced after an admin's reset) and "Logga ut överallt"."""

from __future__ import annotations

import functools

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user, logout_user

from patrol.auth import passkeys, twofactor
from patrol.auth.actions import after_password, authenticate, home_for, start_session
from patrol.auth.passwords import hash_password, verify_password
from patrol.auth.schemas import MAX_PASSWORD, MAX_USERNAME
from patrol.auth.sessions import SESSION_KEY, end_all_sessions
from patrol.db import db
from patrol.errors import ApiError
from patrol.extensions import login_manager
from patrol.security import local_path, view_takes_bearer
from patrol.sync import json_body

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
                next_path = local_path(request.args.get("next"), home_for(user))
                step = after_password(user, next_path)
                if step == "code":
                    return redirect(url_for("auth.second_step_page"))
                if step == "setup":
                    return redirect(url_for("auth.second_step_setup_page"))
                return redirect(next_path)
    elif current_user.is_authenticated:
        return redirect(home_for(current_user))
    page = render_template("auth/login.html", error=error, username=username)
    return page, status, headers


# --- the second step (patrol/auth/twofactor.py) ------------------------------------------------


def _expired():
    """The half-signed-in state is gone (5 minutes passed, or never began): back to the
    password, saying why."""
    return render_template(
        "auth/login.html", error=twofactor.expired_error().message, username=""
    ), 401


@bp.route("/login/code", methods=["GET", "POST"])
def second_step_page():
    """ "Ange koden från din app": a code from the authenticator app or a recovery code."""
    user = twofactor.half_user()
    if user is None or twofactor.half_login().get("enrol"):
        return _expired()
    error, status, headers = None, 200, {}
    if request.method == "POST":
        try:
            twofactor.check_second_step(user, request.form.get("code") or "")
        except ApiError as failure:
            error, status, headers = failure.message, failure.status, failure.headers
        else:
            state = twofactor.end_half_login() or {}
            start_session(user)
            return redirect(local_path(state.get("next"), home_for(user)))
    page = render_template(
        "auth/second_step.html", error=error, passkey=passkeys.has_passkey(user.id)
    )
    return page, status, headers


@bp.route("/login/setup", methods=["GET", "POST"])
def second_step_setup_page():
    """A user whose role requires a second factor and who has none sets up the app now,
    before any session exists; it cannot be skipped (the only way on is a confirmed code)."""
    user = twofactor.half_user()
    if user is None or not twofactor.half_login().get("enrol"):
        return _expired()
    if twofactor.has_factor(user):
        # Set up meanwhile (another browser): this set-up must not replace it.
        twofactor.end_half_login()
        return _expired()
    error, status, headers = None, 200, {}
    if request.method == "POST":
        try:
            codes = twofactor.confirm_totp(user, request.form.get("code") or "")
        except ApiError as failure:
            error, status, headers = failure.message, failure.status, failure.headers
        else:
            state = twofactor.end_half_login() or {}
            start_session(user)
            # Shown once, in this answer only (never stored readable, never in a flash).
            return render_template(
                "auth/recovery_codes.html",
                codes=codes,
                next_path=local_path(state.get("next"), home_for(user)),
            )
    factor = twofactor.pending_totp(user)
    uri = twofactor.provisioning_uri(user, factor.secret)
    secret = " ".join(factor.secret[i : i + 4] for i in range(0, len(factor.secret), 4))
    page = render_template(
        "auth/second_step_setup.html", qr=twofactor.qr_svg(uri), secret=secret, error=error
    )
    return page, status, headers


# --- passkeys (patrol/auth/passkeys.py) -------------------------------------------------------


def json_page(view):
    """A JSON answer for the desk's passkey script, errors included ({"error", "message"}),
    although the route is not under /api/."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except ApiError as failure:
            body = {"error": failure.code, "message": failure.message or failure.code}
            return jsonify(body), failure.status, failure.headers

    return wrapped


def _credential(data) -> dict:
    credential = data.get("credential") if isinstance(data, dict) else None
    if not isinstance(credential, dict):
        raise ApiError(422, gettext("The key's answer is missing."), code="bad_passkey")
    return credential


@bp.post("/login/passkey/options")
@json_page
def passkey_sign_in_options():
    user = twofactor.half_user()
    if user is None or twofactor.half_login().get("enrol"):
        raise twofactor.expired_error()
    return jsonify(passkeys.sign_in_options(user))


@bp.post("/login/passkey")
@json_page
def passkey_sign_in():
    """ "Bekräfta med din nyckel": the second step with one of the user's own passkeys."""
    data = json_body()
    user = twofactor.half_user()
    if user is None or twofactor.half_login().get("enrol"):
        raise twofactor.expired_error()
    passkeys.check_passkey(user, _credential(data))
    state = twofactor.end_half_login() or {}
    start_session(user)
    return jsonify({"next": local_path(state.get("next"), home_for(user))})


@bp.post("/login/key/options")
@json_page
def passkey_alone_options():
    return jsonify(passkeys.sign_in_alone_options())


@bp.post("/login/key")
@json_page
def passkey_alone():
    """ "Använd en nyckel i stället": a registered passkey that verified its user signs in alone."""
    user = passkeys.check_passkey_alone(_credential(json_body()))
    start_session(user)
    return jsonify({"next": local_path(request.args.get("next"), home_for(user))})


@bp.get("/account/security")
def security_page():
    """The user's own passkeys: add (named), list, remove."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return render_template("auth/security.html", passkeys=passkeys.passkeys_of(current_user.id))


@bp.post("/account/passkeys/options")
@json_page
def passkey_register_options():
    if not current_user.is_authenticated:
        raise ApiError(401)
    return jsonify(passkeys.registration_options(current_user))


@bp.post("/account/passkeys")
@json_page
def passkey_register():
    if not current_user.is_authenticated:
        raise ApiError(401)
    data = json_body()
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name.strip() or len(name) > 80 or "\x00" in name:
        raise ApiError(
            422, gettext("Give the key a name (at most 80 characters)."), code="bad_name"
        )
    passkey = passkeys.register(current_user, _credential(data), name.strip())
    return jsonify({"id": passkey.id, "name": passkey.name}), 201


@bp.post("/account/passkeys/<int:passkey_id>/delete")
def passkey_remove(passkey_id: int):
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if passkeys.remove(current_user, passkey_id):
        flash(gettext("The key is removed."), "notice")
    return redirect(url_for("auth.security_page"))


@bp.post("/logout")
def logout_page():
    logout_user()
    session.clear()
    return redirect(url_for("auth.login_page"))


# --- the user's own account ---------------------------------------------------------------

MIN_PASSWORD_LENGTH = 8
# Pages a user with a one-time password may still open (besides static files and the API).
OPEN_WHILE_PASSWORD_MUST_CHANGE = {
    "auth.password_page",
    "auth.logout_everywhere",
    "auth.logout_page",
    "auth.login_page",
    "static",
}
# The API routes such a user may still call: who am I (with must_change_password), log in
# and log out. Every other API route answers 403 "password_change_required".
OPEN_API_WHILE_PASSWORD_MUST_CHANGE = {
    "auth_api.me",
    "auth_api.create_session",
    "auth_api.delete_session",
}


def new_password_errors(form) -> dict[str, str]:
    errors = {}
    if not verify_password(current_user.password_hash, form.get("current") or ""):
        errors["current"] = gettext("The current password is wrong.")
    new = form.get("new") or ""
    if len(new) < MIN_PASSWORD_LENGTH:
        errors["new"] = gettext("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    elif new != (form.get("repeat") or ""):
        errors["repeat"] = gettext("The two new passwords differ.")
    elif verify_password(current_user.password_hash, new):
        errors["new"] = gettext("Choose a password other than the current one.")
    return errors


@bp.route("/account/password", methods=["GET", "POST"])
def password_page():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    errors: dict[str, str] = {}
    if request.method == "POST":
        errors = new_password_errors(request.form)
        if not errors:
            user = current_user._get_current_object()
            user.password_hash = hash_password(request.form["new"])
            user.must_change_password = False
            # Other devices logged in with the old password are logged out; this one stays.
            end_all_sessions(user.id, keep=session.get(SESSION_KEY))
            db.session.commit()
            flash(gettext("Your password is changed."), "notice")
            return redirect(home_for(user))
    status = 422 if errors else 200
    return render_template(
        "auth/password.html", errors=errors, forced=current_user.must_change_password
    ), status


@bp.post("/account/logout-everywhere")
def logout_everywhere():
    """Log this user out on every device, this one included."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    end_all_sessions(current_user.id)
    db.session.commit()
    logout_user()
    return redirect(url_for("auth.login_page"))


@bp.before_app_request
def password_change_first():
    """After a reset, every page leads to the change-password page until it is done, and
    every API route but who-am-I and the session answers 403 `password_change_required`
    (architecture §5): a one-time password must not keep working for the phone's sync."""
    if (
        request.routing_exception is not None
        or request.endpoint in OPEN_WHILE_PASSWORD_MUST_CHANGE
        or view_takes_bearer(current_app)
        or not current_user.is_authenticated
        or not current_user.must_change_password
    ):
        return None
    if request.path.startswith("/api/"):
        if request.endpoint in OPEN_API_WHILE_PASSWORD_MUST_CHANGE:
            return None
        raise ApiError(403, gettext("Change your password first."), code="password_change_required")
    return redirect(url_for("auth.password_page"))
