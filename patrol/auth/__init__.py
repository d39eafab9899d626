"""Users, roles, login (page and JSON session API), login limits, and `create-user`."""

from __future__ import annotations

from flask import Flask, redirect, request, url_for

from patrol.errors import ApiError
from patrol.extensions import login_manager


def init_app(app: Flask) -> None:
    from patrol.auth import api, pages, sessions
    from patrol.auth.commands import create_user_command, reset_factors_command

    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    # A cookie counts only while its server-side session row exists (logout means logout).
    login_manager.user_loader(sessions.load_session_user)
    sessions.init_app(app)

    @login_manager.unauthorized_handler
    def unauthorized():
        if request.path.startswith("/api/"):
            raise ApiError(401)
        return redirect(url_for("auth.login_page", next=request.full_path.rstrip("?")))

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.cli.add_command(create_user_command)
    app.cli.add_command(reset_factors_command)
