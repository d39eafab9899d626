"""Privacy (architecture §2.5): retention periods per kind of data with `purge` (also a daily
scheduled job the worker runs), and one person's data as a zip with `export-person` (a
subject access request)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from patrol.privacy.commands import export_person_command, purge_command
    from patrol.privacy.rules import PURGE_JOB
    from patrol.schedule.rules import register

    register(PURGE_JOB)

    app.cli.add_command(purge_command)
    app.cli.add_command(export_person_command)
