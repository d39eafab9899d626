"""Health (issue Operations): `/healthz` (the process serves), `/readyz` (the parts it needs
work), and `flask --app app version`. The checks themselves are probes the features register in
`patrol.status`; this package adds the database and migration probes, which belong to no feature.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from patrol.health.api import bp
    from patrol.health.commands import version_command
    from patrol.health.desk import bp as desk_bp
    from patrol.health.desk import machinery_problems
    from patrol.health.probes import register_core_probes
    from patrol.version import app_version

    app.register_blueprint(bp)
    app.register_blueprint(desk_bp)  # /review/status
    app.add_template_global(machinery_problems)  # the status line of templates/desk.html
    app.add_template_global(app_version)  # the desk's footer
    app.cli.add_command(version_command)
    register_core_probes(app)
