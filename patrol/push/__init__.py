"""Push notifications (issue 5): acute alerts, extra rounds, and the guard's SOS over Web Push.

Events write `PushMessage` rows in their own transaction (`patrol.push.queue`); the
`push-worker` command sends them after commit (`patrol.push.worker`). The Natten page can show
open SOS alerts at its top with `{{ push_open_sos() }}` (a template global; see
`templates/push/_open_sos.html`).
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from markupsafe import Markup

log = logging.getLogger(__name__)

DEFAULTS = {
    # PEM text or the raw 32-byte P-256 key in base64url; else <instance>/vapid_private.pem.
    "VAPID_PRIVATE_KEY": None,
    "PUSH_REQUEST_TIMEOUT_S": 10.0,
    "PUSH_MAX_ATTEMPTS": 10,
    "PUSH_RETRY_BASE_S": 2.0,
    "PUSH_RETRY_MAX_S": 300.0,
    # A push service's Retry-After longer than this is cut short (the TTL ends it anyway).
    "PUSH_RETRY_AFTER_MAX_S": 3600.0,
    # How long a worker's claim on a batch lasts; longer than a batch can take to send.
    "PUSH_CLAIM_LEASE": timedelta(minutes=5),
    "PUSH_WORKER_POLL_S": 1.0,
    # Sent, gone and failed messages are deleted after this (an SOS payload holds a position).
    "PUSH_KEEP": timedelta(days=7),
}


def init_app(app: Flask) -> None:
    from patrol.push.keys import check_subject
    from patrol.push.queue import on_report_created
    from patrol.push.views import bp, open_sos_alerts
    from patrol.signals import report_created

    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    for name in ("PUSH_CLAIM_LEASE", "PUSH_KEEP"):  # seconds from the environment
        if isinstance(app.config[name], int | float | str):
            app.config[name] = timedelta(seconds=float(app.config[name]))
    # Refuse to start with a localhost subject outside development (Apple rejects it). With no
    # subject at all outside development, the app runs and push stays off until one is set.
    if app.config.get("VAPID_SUBJECT"):
        check_subject(app.config["VAPID_SUBJECT"], app.config["ENV"])

    app.register_blueprint(bp)
    # weak=False: the listener is a plain function kept for the app's life.
    report_created.connect(on_report_created, weak=False)

    @app.template_global("push_open_sos")
    def push_open_sos() -> Markup:
        from flask import render_template

        return Markup(render_template("push/_open_sos.html", alerts=open_sos_alerts()))

    app.cli.add_command(push_keys_command)
    app.cli.add_command(push_worker_command)


@click.command("push-keys", help="Create the VAPID key pair in the instance folder.")
@with_appcontext
@click.option("--force", is_flag=True, help="Replace an existing key (phones must resubscribe).")
def push_keys_command(force: bool) -> None:
    from patrol.push.keys import generate_key_file, key_path, public_key_b64

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
    from patrol.push.keys import signer
    from patrol.push.worker import PushWorker

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
