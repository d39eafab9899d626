"""Privacy (architecture §2.5): retention periods per kind of data with `purge`, and one
person's data as a zip with `export-person` (a subject access request)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from patrol.privacy.commands import export_person_command, purge_command

    app.cli.add_command(purge_command)
    app.cli.add_command(export_person_command)
