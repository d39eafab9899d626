"""Planned rounds (issue 12): routes and their plan versions, what each night expects, the
guard's skips, compliance on the review pages and exports, and the "ej rapporterad" alert.

Hooks other packages use (all optional, marked where they are called):
- `{{ rounds_night_compliance(night) }}`: a template global, Natten's compliance section;
- `patrol.rounds.queries.night_compliance(night)` / `compliance_rows(night)`: the figures and the
  one-row-per-expected-visit table for the night's PDF and CSV;
- `{{ rounds_shift_anomalies(shift) }}`: the shift log's anomalies in words.

Hooks it answers: the `routes` part of the phone's sites document (patrol.sites.document).
"""

from flask import Flask
from markupsafe import Markup
from marshmallow import fields


def init_app(app: Flask) -> None:
    from patrol.rounds.actions import UNREPORTED_JOB
    from patrol.rounds.api import bp as api_bp
    from patrol.rounds.api import routes_for_phone
    from patrol.rounds.pages import bp as pages_bp
    from patrol.rounds.pages import template_helpers
    from patrol.rounds.schemas import RouteForPhoneOut
    from patrol.schedule.rules import register
    from patrol.sites.document import register_sites_part

    app.register_blueprint(api_bp)
    app.register_blueprint(pages_bp)
    register(UNREPORTED_JOB)
    # Planned rounds travel with the sites, so that the round screen works offline.
    register_sites_part("routes", fields.List(fields.Nested(RouteForPhoneOut)), routes_for_phone)

    @app.template_global("rounds_night_compliance")
    def rounds_night_compliance(night) -> Markup:
        from flask import render_template

        from patrol.rounds.queries import night_compliance

        return Markup(
            render_template(
                "rounds/_night_compliance.html",
                compliance=night_compliance(night),
                **template_helpers(),
            )
        )

    @app.template_global("rounds_shift_anomalies")
    def rounds_shift_anomalies(shift) -> Markup:
        from flask import render_template

        from patrol.rounds.queries import shift_anomalies

        return Markup(
            render_template(
                "rounds/_shift_anomalies.html",
                anomalies=shift_anomalies(shift),
                **template_helpers(),
            )
        )
