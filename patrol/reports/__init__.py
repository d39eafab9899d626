"""Reports, photos and the photo store."""

from flask import Flask


def init_app(app: Flask) -> None:
    from patrol.outbox import Drain, register_drain
    from patrol.reports import storage
    from patrol.reports.actions import complete_pending_thumbnails
    from patrol.reports.api import bp
    from patrol.reports.commands import photos_command

    storage.init_app(app)
    app.register_error_handler(storage.PhotoStoreUnavailable, storage.store_unavailable)
    app.register_blueprint(bp)
    app.cli.add_command(photos_command)
    # `flask worker` makes queued thumbnails (the next read makes one if no worker runs).
    register_drain(
        app, Drain("thumbnails", run=lambda _by, batch: complete_pending_thumbnails(limit=batch))
    )
