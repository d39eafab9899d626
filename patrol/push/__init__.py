"""Push notifications: acute alerts, extra rounds, and the guard's SOS over Web Push.

Events write `PushMessage` rows in their own transaction (`patrol.push.queue`); the worker's
`push` drain sends them after commit (`patrol.push.worker`, registered below like every drain;
`push-worker` runs it alone). The Natten page can show
open SOS alerts at its top with `{{ push_open_sos() }}` (a template global; see
`templates/push/_open_sos.html`). Configuration defaults are in `patrol.config.Defaults`.
"""

from __future__ import annotations

from flask import Flask, render_template
from markupsafe import Markup


def init_app(app: Flask) -> None:
    from patrol.outbox import durations_from_seconds, register_drain
    from patrol.push import api, pages
    from patrol.push.actions import alarms_probe, open_sos_alerts
    from patrol.push.commands import push_keys_command, push_worker_command
    from patrol.push.keys import check_subject
    from patrol.push.queue import on_report_created
    from patrol.push.worker import DRAIN
    from patrol.signals import report_created
    from patrol.status import register_probe

    durations_from_seconds(app, "PUSH_CLAIM_LEASE", "PUSH_KEEP")
    # Refuse to start with a localhost subject outside development (Apple rejects it). With no
    # subject at all outside development, the app runs and push stays off until one is set.
    if app.config.get("VAPID_SUBJECT"):
        check_subject(app.config["VAPID_SUBJECT"], app.config["ENV"])

    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    # weak=False: the listener is a plain function kept for the app's life.
    report_created.connect(on_report_created, weak=False)

    @app.template_global("push_open_sos")
    def push_open_sos() -> Markup:
        return Markup(render_template("push/_open_sos.html", alerts=open_sos_alerts()))

    register_drain(app, DRAIN)  # `flask --app app worker` sends push messages
    register_probe(app, "alarms", alarms_probe)  # open SOS alerts on /metrics and /readyz
    app.cli.add_command(push_keys_command)
    app.cli.add_command(push_worker_command)
