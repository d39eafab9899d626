"""The operator's set-up (issue 9): owners, areas, properties, checkpoints, users, QR stickers,
CSV import and the audit trail, as pages under /admin/ for admins (supervisors read them)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from patrol.admin.pages import bp

    app.register_blueprint(bp)
