"""`flask --app app mail-test ADDRESS` (check the SMTP settings) and `mail-status` (what the
outbox holds), for the operator setting mail up."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from patrol.db import db
from patrol.mail.models import MailMessage
from patrol.mail.rules import drain_outbox, queue_mail


@click.command("mail-test", help="Send a test email now, through the outbox, and say how it went.")
@click.argument("address")
@with_appcontext
def mail_test_command(address: str) -> None:
    config = current_app.config
    row = queue_mail(
        "test",
        [address],
        "Nattpatrull: testmeddelande",
        "Det här är ett test av e-postinställningarna i Nattpatrull.\n"
        f"Länkar i e-posten går till {config['PUBLIC_URL']}\n",
    )
    db.session.commit()
    drain_outbox()
    db.session.expire_all()
    row = db.session.get(MailMessage, row.id)
    where = f"{config['SMTP_HOST']}:{config['SMTP_PORT']}"
    if row.status == "sent":
        click.echo(f"sent to {address} through {where}")
        return
    raise click.ClickException(
        f"not sent through {where} ({row.status}): {row.last_error}; "
        "the worker retries it with backoff"
    )


@click.command("mail-status", help="Count the outbox's messages by status; show recent errors.")
@with_appcontext
def mail_status_command() -> None:
    counts = db.session.execute(
        sa.select(MailMessage.status, sa.func.count()).group_by(MailMessage.status)
    ).all()
    click.echo(", ".join(f"{status}: {n}" for status, n in sorted(counts)) or "outbox empty")
    failing = db.session.scalars(
        sa.select(MailMessage)
        .where(MailMessage.last_error.is_not(None), MailMessage.status != "sent")
        .order_by(MailMessage.id.desc())
        .limit(5)
    )
    for row in failing:
        click.echo(f"#{row.id} {row.status} after {row.attempts} attempt(s): {row.last_error}")
