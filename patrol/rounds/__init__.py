"""Planned rounds (issue 12): routes and their plan versions, what each night expects, the
guard's skips, compliance on the review pages and exports, and the "ej rapporterad" alert."""

from flask import Flask


def init_app(app: Flask) -> None:
    pass
