"""Email (issue 13): an outbox table drained by the worker (`flask --app app worker`) over
SMTP with the standard library, with retries and backoff, so a mail server that is down for an
hour loses nothing. Features queue messages with `patrol.mail.rules.queue_mail` inside their own
transaction."""

from datetime import timedelta

from flask import Flask


def init_app(app: Flask) -> None:
    from patrol.mail.commands import mail_status_command, mail_test_command
    from patrol.mail.rules import drain_outbox
    from patrol.schedule.rules import register_drain

    for name in ("MAIL_GIVE_UP_AFTER", "MAIL_CLAIM_LEASE"):  # seconds from the environment
        if isinstance(app.config[name], int | float | str):
            app.config[name] = timedelta(seconds=float(app.config[name]))
    register_drain("mail", drain_outbox)
    app.cli.add_command(mail_test_command)
    app.cli.add_command(mail_status_command)
