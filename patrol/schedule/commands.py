"""`flask --app app worker`: the one background process an operator runs (on any host, as many
as they like). It sends queued push messages (woken at once by PostgreSQL NOTIFY), drains the
other outboxes (mail) and runs the scheduled jobs that are due."""

from __future__ import annotations

import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from patrol.schedule.rules import DRAINS, run_due_jobs, worker_name


def work_once(app) -> tuple[int, int]:
    """One pass: every drain until idle, then the due jobs, then the drains again for what the
    jobs queued (the morning's emails go in the same pass, and `--once` sends them too).
    Returns (messages, job runs)."""
    with app.app_context():
        handled = drain_all()
        runs = run_due_jobs(by=worker_name())
        if runs:
            handled += drain_all()
    return handled, len(runs)


def drain_all() -> int:
    handled = 0
    for drain in DRAINS.values():
        while (count := drain()) > 0:
            handled += count
    return handled


@click.command("worker", help="Send push and mail, run scheduled jobs (run one or more).")
@with_appcontext
@click.option("--once", is_flag=True, help="Do what is due now, then exit.")
@click.option("--poll", type=float, default=None, help="Seconds between passes when idle.")
def worker_command(once: bool, poll: float | None) -> None:
    from patrol.push.keys import signer
    from patrol.push.worker import PushWorker

    app = current_app._get_current_object()
    push = PushWorker(app) if signer() is not None else None
    if push is None:
        click.echo("no VAPID key: push messages wait until `flask --app app push-keys` is run")
    if once:
        if push is not None:
            while push.run_once():
                pass
        handled, runs = work_once(app)
        click.echo(f"sent {push.sent if push else 0} push, {handled} other; {runs} job runs")
        return

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    if push is not None:
        threading.Thread(
            target=push.run,
            kwargs={"poll": app.config["PUSH_WORKER_POLL_S"], "stop": stop},
            name="push",
            daemon=True,
        ).start()
    interval = poll or app.config["WORKER_POLL_S"]
    click.echo(f"worker {worker_name()} running (Ctrl-C stops)")
    while not stop.is_set():
        handled, runs = work_once(app)
        if runs:
            click.echo(f"{runs} scheduled job run(s)")
        if not handled:
            stop.wait(interval)
    click.echo("worker stopped")
