"""Reports, photos and the photo store."""

from flask import Flask


def init_app(app: Flask) -> None:
    from patrol.reports import storage
    from patrol.reports.api import bp
    from patrol.reports.commands import photos_command

    storage.init_app(app)
    app.register_blueprint(bp)
    app.cli.add_command(photos_command)
