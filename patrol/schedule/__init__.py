"""Scheduled work (architecture §9): jobs that run at a time of the night, once across every host.

A feature registers a job (`patrol.schedule.rules.register`): a name, when it is due for a given
night, and what it does. The worker process (`flask --app app worker`) asks every few seconds
which jobs are due and claims each (job, night, key) by inserting a unique row: whichever host
inserts first runs it, every other host skips it, and a worker that was down catches up on the
nights it missed when it starts (within each job's look-back).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from patrol.schedule.commands import worker_command
    from patrol.schedule.rules import worker_probe
    from patrol.status import register_probe

    app.cli.add_command(worker_command)
    register_probe(app, "worker", worker_probe)  # /readyz and the desk: is a worker alive?
