"""Backup and restore (issue Operations, point 5): `flask --app app backup DIR`,
`backup --verify DIR` and `restore DIR`. See `actions.py` for what a backup holds and why."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from patrol.backup.commands import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
