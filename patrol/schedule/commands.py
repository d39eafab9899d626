"""`flask --app app worker`: the one background process an operator runs (on any host, as many
as they like). It runs every drain that a feature registered (`patrol.outbox.register_drain`:
push, mail, thumbnails, ...), each in its own thread, and the scheduled jobs that are due.

The worker knows no drain by name: a feature that sends something adds its drain from its own
`init_app`, and this command runs whatever the app has."""

from __future__ import annotations

import logging
import signal
import threading

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from patrol.db import db
from patrol.outbox import Drain, drain_until_idle, registered_drains, run_drain
from patrol.schedule.rules import beat, run_due_jobs, worker_name

log = logging.getLogger(__name__)


def runnable_drains(app: Flask) -> tuple[list[Drain], list[str]]:
    """The registered drains that can run in this app, and why the others cannot (call inside
    an app context)."""
    ready, notes = [], []
    for drain in registered_drains(app).values():
        reason = drain.missing() if drain.missing is not None else None
        if reason:
            notes.append(f"{drain.name}: {reason}")
        else:
            ready.append(drain)
    return ready, notes


def work_once(app: Flask) -> tuple[int, int]:
    """One pass: every runnable drain until idle, then the due jobs, then the drains again for
    what the jobs queued (the morning's emails go in the same pass, and `--once` sends them
    too). Returns (rows handled, job runs)."""
    with app.app_context():
        beat(worker_name())
        drains, _notes = runnable_drains(app)
        handled = drain_all(drains)
        runs = run_due_jobs(by=worker_name())
        if runs:
            handled += drain_all(drains)
    return handled, len(runs)


def drain_all(drains: list[Drain]) -> int:
    return sum(drain_until_idle(drain) for drain in drains)


@click.command(
    "worker",
    help="Run every registered drain (push, mail, ...) and the scheduled jobs (one or more).",
)
@with_appcontext
@click.option("--once", is_flag=True, help="Do what is due now, then exit.")
@click.option(
    "--poll",
    type=float,
    default=None,
    help="Seconds between passes when idle (WORKER_POLL_S; push keeps PUSH_WORKER_POLL_S).",
)
def worker_command(once: bool, poll: float | None) -> None:
    app = current_app._get_current_object()
    if poll:
        app.config["WORKER_POLL_S"] = poll
    drains, notes = runnable_drains(app)
    for note in notes:
        click.echo(note)
    if once:
        handled, runs = work_once(app)
        click.echo(f"handled {handled} from {len(drains)} drain(s); {runs} job runs")
        return

    stop = threading.Event()
    # SIGTERM (systemd, docker stop) and Ctrl-C let every lane finish what it is sending.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    # One lane per drain: a slow mail server never holds back an SOS's push message.
    lanes = [
        threading.Thread(target=run_drain, args=(app, drain, stop), name=drain.name)
        for drain in drains
    ]
    for lane in lanes:
        lane.start()
    interval = app.config["WORKER_POLL_S"]
    names = ", ".join(drain.name for drain in drains) or "none"
    click.echo(f"worker {worker_name()} running, drains: {names} (Ctrl-C stops)")
    last_beat = None
    while not stop.is_set():
        try:
            last_beat = beat(worker_name(), last_beat)
            runs = run_due_jobs(by=worker_name())
        except Exception:  # e.g. the database restarting: logged, tried again next pass
            log.exception("scheduled jobs: pass failed")
            db.session.rollback()
            runs = []
        if runs:
            click.echo(f"{len(runs)} scheduled job run(s)")
        stop.wait(interval)
    for lane in lanes:
        lane.join(timeout=30)
    click.echo("worker stopped")
