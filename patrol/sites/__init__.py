"""Areas, properties and checkpoints; the phone's offline copy; the demo data."""

from flask import Flask


def init_app(app: Flask) -> None:
    from patrol.sites.api import bp
    from patrol.sites.commands import seed_demo_command

    app.register_blueprint(bp)
    app.cli.add_command(seed_demo_command)
