"""`flask --app app push-keys` and `flask --app app push-worker`."""

from __future__ import annotations

import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from patrol.push.keys import generate_key_file, key_path, public_key_b64, signer
from patrol.push.worker import PushWorker


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


@click.command("push-worker", help="Send queued push messages (run one or more).")
@with_appcontext
@click.option("--once", is_flag=True, help="Send what is due now, then exit.")
@click.option("--batch", default=20, show_default=True, help="Messages claimed at a time.")
@click.option("--poll", type=float, default=None, help="Seconds between polls when idle.")
def push_worker_command(once: bool, batch: int, poll: float | None) -> None:
    if signer() is None:
        raise click.ClickException("no VAPID key: run `flask --app app push-keys` first")
    app = current_app._get_current_object()
    worker = PushWorker(app, batch=batch)
    if once:
        while worker.run_once():
            pass
        click.echo(f"sent {worker.sent}")
        return
    stop = threading.Event()
    # SIGTERM (systemd, docker stop) and Ctrl-C finish the message being sent, then exit.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"push worker {worker.worker_id} running (Ctrl-C stops)")
    worker.run(poll=poll or app.config["PUSH_WORKER_POLL_S"], stop=stop)
    click.echo(f"push worker stopped after sending {worker.sent}")
