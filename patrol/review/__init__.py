"""The supervisor's morning: Natten (the night), shift logs, report review with corrections and
an audit trail, work orders for the day crew, and CSV/PDF exports. Server-rendered pages for
supervisors and admins that work without JavaScript."""

from flask import Flask


def init_app(app: Flask) -> None:
    from patrol.review.pages import bp

    app.register_blueprint(bp)
