"""Email (issue 13): an outbox table drained by the worker (`flask --app app worker`) over
SMTP with the standard library, with retries and backoff, so a mail server that is down for an
hour loses nothing. Features queue messages with `patrol.mail.rules.queue_mail` inside their own
transaction. Claiming, the lease, backoff and giving up are the server's one outbox
(`patrol.outbox`); this package registers its `mail` drain there, as every sender does."""

from flask import Flask


def init_app(app: Flask) -> None:
    from patrol.mail.commands import mail_status_command, mail_test_command
    from patrol.mail.pages import bp
    from patrol.mail.rules import DRAIN
    from patrol.outbox import durations_from_seconds, register_drain

    durations_from_seconds(app, "MAIL_GIVE_UP_AFTER", "MAIL_CLAIM_LEASE")
    register_drain(app, DRAIN)
    app.register_blueprint(bp)  # /review/mail: the emails not sent, "Försök igen"
    app.cli.add_command(mail_test_command)
    app.cli.add_command(mail_status_command)
