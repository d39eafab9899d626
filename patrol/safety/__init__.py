"""The safety work around the patrol (issue 14): repeated disturbances linked into cases
(/review/cases), resident information after a serious event (/review/resident-info, the
guard app's "Boendeinformation"), and safety walks (/review/walks, /admin/checklists, the
guard app's "Trygghetsvandring").

Review pages show this package's part with two template globals, so the review package needs
no import from here: `{{ safety_report_panel(report) }}` on a report's page and
`{{ safety_night_panel(night) }}` on Natten. Reports ask this package the night of a walk's
finding through `patrol.reports.hooks` (reports sit below safety and never import it).
"""

from __future__ import annotations

from flask import Flask
from markupsafe import Markup

DEFAULTS = {
    # "3:e störningen på ..., senaste 30 nätterna": the window the history line counts.
    "SAFETY_CASE_WINDOW_NIGHTS": 30,
    # The guard app keeps resident information plans made within this many days.
    "SAFETY_RESIDENT_INFO_DAYS": 14,
}


def init_app(app: Flask) -> None:
    from patrol.reports.hooks import answer_walk_night
    from patrol.safety.api import bp as api_bp
    from patrol.safety.cases import on_report_created
    from patrol.safety.pages import admin_bp
    from patrol.safety.pages import bp as pages_bp
    from patrol.safety.walks import walk_for_report
    from patrol.signals import report_created

    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    app.register_blueprint(pages_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(admin_bp)
    # weak=False: the listener is a plain function kept for the app's life.
    report_created.connect(on_report_created, weak=False)
    # PUT /api/v1/reports with a walk_id: the walk, item and property are checked here.
    answer_walk_night(lambda walk_id, item, prop: walk_for_report(walk_id, item, prop).walk_date)

    @app.template_global("safety_report_panel")
    def safety_report_panel(report) -> Markup:
        from flask import render_template

        from patrol.safety import cases, resident_info, rules

        return Markup(
            render_template(
                "safety/_report_panel.html",
                report=report,
                history=cases.case_history(report.id),
                holds_personnummer=rules.looks_like_personnummer(report.description),
                plans=resident_info.plans_for_report(report.id),
                can_plan=resident_info.is_acute(report),
                CASE_STATUS_LABELS=cases.CASE_STATUS_LABELS,
                done_count=resident_info.done_count,
                plan_title=resident_info.plan_title,
            )
        )

    @app.template_global("safety_night_panel")
    def safety_night_panel(night) -> Markup:
        from flask import render_template

        from patrol.safety import resident_info, walks

        return Markup(
            render_template(
                "safety/_night_panel.html",
                plans=resident_info.plans_of_night(night),
                walks=walks.walks_of_night(night),
                done_count=resident_info.done_count,
                plan_title=resident_info.plan_title,
            )
        )

    @app.template_global("safety_nav_links")
    def safety_nav_links() -> Markup:
        from flask import render_template

        return Markup(render_template("safety/_nav.html"))

    @app.template_global("safety_dispatch_link")
    def safety_dispatch_link(dispatch_id) -> Markup:
        """On the alerts page, beside an extra round: plan the resident information."""
        from flask import render_template

        return Markup(render_template("safety/_dispatch_link.html", dispatch_id=dispatch_id))
