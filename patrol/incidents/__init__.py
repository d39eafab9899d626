"""Threat and violence incidents on the desk (issue 23, point 6): `/review/incidents` lists
the reports of the kind "Hot eller våld" with what the employer must document (patrol.reports
keeps them: IncidentDetails), the supervisor writes the investigation and the measures and
closes the incident (audited), and the list is a CSV too. Supervisors and admins only: an
incident never reaches owners (`Report.is_incident`, patrol/owners/rules.py)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from patrol.incidents import pages

    app.register_blueprint(pages.bp)
