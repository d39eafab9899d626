"""Property owners (issue 13): the owners' portal at /owner/ (approved reports of the owner's
own properties, the month at a glance, PDF and CSV), the morning emails to owners and to the
day crew (jobs of the worker), and the day crew's phone page /crew/."""

from flask import Flask


def init_app(app: Flask) -> None:
    from patrol.owners import morning, notices
    from patrol.owners.pages import bp, crew_bp

    morning.init_app()  # the owners' morning email and the day crew's list: jobs and a signal
    notices.init_app()  # acute events when approved, new work orders: one email each (signals)
    app.register_blueprint(bp)
    app.register_blueprint(crew_bp)
