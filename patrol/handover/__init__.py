"""The shift's hand-over ("Överlämning", issue 23 point 7).

The guard ending a shift writes what the next shift in the same area must know (the
end-of-shift note, `shifts.note`) and may add photos (`PUT /api/v1/shifts/<id>/handover/
photos/<id>`, the report photos' checks and store). The next guard's phone gets it in the
sites document (the `handovers` part, registered here: sites never imports this package),
keeps it offline with its photos, shows it before the first round, and sends "Läst"
(`PUT /api/v1/handover-reads/<id>`). The desk lists the hand-overs not read
(/review/handovers, linked from the desk's menu through the `handover_nav_link` template
global). Owners and the day crew never get one.
"""

from __future__ import annotations

from flask import Flask
from markupsafe import Markup


def init_app(app: Flask) -> None:
    from marshmallow import fields

    from patrol.handover.api import bp as api_bp
    from patrol.handover.pages import bp as pages_bp
    from patrol.handover.queries import for_phone
    from patrol.handover.schemas import HandoverForPhone
    from patrol.sites.document import register_sites_part

    app.register_blueprint(api_bp)
    app.register_blueprint(pages_bp)
    register_sites_part("handovers", fields.List(fields.Nested(HandoverForPhone)), for_phone)

    @app.template_global("handover_nav_link")
    def handover_nav_link() -> Markup:
        from flask import render_template

        from patrol.db import utcnow
        from patrol.handover.queries import count_waiting

        return Markup(render_template("handover/_nav.html", count=count_waiting(utcnow())))
