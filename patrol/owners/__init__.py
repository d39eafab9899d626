"""Property owners (issue 13): the owners' portal at /owner/ (approved reports of the owner's
own properties, the month at a glance, PDF and CSV), the morning emails to owners and to the
day crew (jobs of the worker), and the day crew's phone page /crew/."""

from flask import Flask


def init_app(app: Flask) -> None:
    pass
