"""Areas, properties and checkpoints; the phone's offline copy; the demo data."""

from flask import Flask


def init_app(app: Flask) -> None:
    from patrol.sites.demo import seed_demo_command
    from patrol.sites.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(seed_demo_command)
