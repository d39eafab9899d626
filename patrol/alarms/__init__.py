"""Alone at night (issue 23, points 1-4): the server notices a silent guard, "Jag är OK"
timers and "Utan täckning" windows, and escalates alarms nobody acknowledged: every
supervisor by push and mail, then the alarm receiver by signed webhook.

The alarms are SOS alerts of their kind (patrol.push.models.SosAlert): the desk's alert board,
the shift log, the night's PDF and the SOS CSV show them with the rest of the lifecycle. The
rules run in the worker once a minute as the scheduled job `alarms` (claimed once across
hosts, patrol.schedule).
"""

from flask import Flask


def init_app(app: Flask) -> None:
    import sqlalchemy as sa

    from patrol.alarms import api
    from patrol.alarms.actions import (
        ALARMS_JOB,
        alarm_secret,
        heard_after_request,
        heard_committed,
        heard_in_commit,
    )
    from patrol.schedule.rules import register
    from patrol.webhooks.deliveries import register_target

    app.register_blueprint(api.bp)
    # Any record a guard's phone sends counts as a sign of life (the silence rule).
    # The request's own commit carries the mark; alone only when nothing committed.
    sessions = app.extensions["patrol_db"][1]
    sa.event.listen(sessions, "before_commit", heard_in_commit)
    sa.event.listen(sessions, "after_commit", heard_committed)
    app.after_request(heard_after_request)
    register(ALARMS_JOB)
    # The alarm receiver's deliveries are signed with PATROL_ALARM_WEBHOOK_SECRET.
    register_target("alarm", alarm_secret)
