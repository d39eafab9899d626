"""Shifts and check-ins: what the guard's phone syncs while on patrol."""

from flask import Flask


def init_app(app: Flask) -> None:
    from patrol.shifts.api import bp

    app.register_blueprint(bp)
