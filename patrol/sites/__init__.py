"""Areas, properties and checkpoints; the phone's offline copy; the demo data."""

from flask import Flask


def init_app(app: Flask) -> None:
    from patrol.auth.commands import register_organization_lookup
    from patrol.sites.api import bp
    from patrol.sites.commands import organization_id_by_name, seed_demo_command

    app.register_blueprint(bp)
    app.cli.add_command(seed_demo_command)
    # `create-user --role owner --organization NAME` finds the organization here.
    register_organization_lookup(organization_id_by_name)
