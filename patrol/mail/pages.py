"""`/review/mail`: the emails that could not be sent, with the reason and "Försök igen"
(supervisors and admins; the desk's status line links here when one failed)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext

from patrol.db import db
from patrol.mail.models import MailMessage
from patrol.mail.rules import failed_messages, retry_message
from patrol.security import reviewer_page

bp = Blueprint("mail_pages", __name__, template_folder="templates")


@bp.get("/review/mail")
@reviewer_page
def failed():
    return render_template("mail/failed.html", messages=failed_messages())


@bp.post("/review/mail/<int:message_id>/retry")
@reviewer_page
def retry(message_id: int):
    message = db.session.get(MailMessage, message_id)
    if message is None:
        abort(404)
    if retry_message(message):
        db.session.commit()
        flash(gettext("The email is queued again and goes with the next pass of the worker."))
    else:
        flash(
            gettext("This email cannot be sent again: correct the address, then send it anew."),
            "error",
        )
    return redirect(url_for("mail_pages.failed"))
