"""`flask --app app push-keys` and `flask --app app push-worker`."""

from __future__ import annotations

import dataclasses
import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from patrol.outbox import drain_until_idle, lane_name, run_drain
from patrol.push.keys import generate_key_file, key_path, public_key_b64, signer
from patrol.push.worker import DRAIN, NO_KEY


@click.command("push-keys", help="Create the VAPID key pair in the instance folder.")
@with_appcontext
@click.option("--force", is_flag=True, help="Replace an existing key (phones must resubscribe).")
def push_keys_command(force: bool) -> None:
    path = key_path(current_app)
    if current_app.config.get("VAPID_PRIVATE_KEY"):
        raise click.ClickException("PATROL_VAPID_PRIVATE_KEY is set: that key is used, not a file")
    if path.exists():
        if not force:
            raise click.ClickException(
                f"{path} exists; --force replaces it (every device must subscribe again)"
            )
        path.unlink()
    key = generate_key_file(path)
    click.echo(f"Wrote {path}")
    click.echo(f"Public key (applicationServerKey): {public_key_b64(key)}")


@click.command("push-worker", help="Send queued push messages only (run one or more).")
@with_appcontext
@click.option("--once", is_flag=True, help="Send what is due now, then exit.")
@click.option("--batch", default=20, show_default=True, help="Messages claimed at a time.")
@click.option("--poll", type=float, default=None, help="Seconds between polls when idle.")
def push_worker_command(once: bool, batch: int, poll: float | None) -> None:
    """The worker's `push` drain alone, in the same loop `flask --app app worker` runs it in:
    for a host that should do nothing but push."""
    if signer() is None:
        raise click.ClickException(NO_KEY)
    app = current_app._get_current_object()
    drain = dataclasses.replace(DRAIN, batch=batch)
    by = lane_name(drain)
    if once:
        click.echo(f"handled {drain_until_idle(drain, by)}")
        return
    stop = threading.Event()
    # SIGTERM (systemd, docker stop) and Ctrl-C finish the message being sent, then exit.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"push worker {by} running (Ctrl-C stops)")
    handled = run_drain(app, drain, stop, poll=poll, by=by)
    click.echo(f"push worker stopped after handling {handled} message(s)")
