"""Email (issue 13): an outbox table drained by the worker (`flask --app app worker`) over
SMTP with the standard library, with retries and backoff, so a mail server that is down for an
hour loses nothing. Features queue messages with `patrol.mail.rules.queue_mail` inside their own
transaction."""

from flask import Flask


def init_app(app: Flask) -> None:
    from patrol.mail.rules import drain_outbox
    from patrol.schedule.rules import register_drain

    register_drain("mail", drain_outbox)
