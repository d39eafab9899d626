"""The machinery's state on the desk (issue Operations, point 3): one line at the top of every
supervisor and admin page when something behind the requests is broken, and the status page it
links to. The same probes as /readyz (patrol.status); the thresholds here are a person's: the
worker unheard for 5 minutes, an outbox's oldest entry waiting more than 15."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, current_app, render_template
from flask_babel import gettext, lazy_gettext, ngettext
from flask_login import current_user

from patrol.auth.roles import REVIEWER_ROLES
from patrol.i18n import local_time
from patrol.security import reviewer_page
from patrol.status import Probe, collect

bp = Blueprint("health_pages", __name__, template_folder="templates")

WORKER_LATE = timedelta(minutes=5)
STATUS = "health_pages.status_page"
OUTBOX_NAMES = {
    "mail": lazy_gettext("Mail"),
    "push": lazy_gettext("Notifications"),
    "thumbnails": lazy_gettext("Thumbnails"),
}


def outbox_label(probe_name: str) -> str:
    name = probe_name.removeprefix("outbox_")
    return str(OUTBOX_NAMES.get(name, name))


def problem_lines(results: dict[str, Probe]) -> list[tuple[str, str]]:
    """What a supervisor should know: (one sentence in the user's language, the endpoint of the
    page to act on)."""
    lines = []
    worker = results.get("worker")
    if worker is not None:
        age = worker.details.get("last_seen_age_s")
        if worker.details.get("workers_alive", 0) == 0 and age is None:
            text = gettext("Background jobs have never run – alarms and mail are not going out.")
            lines.append((text, STATUS))
        elif age is not None and age >= WORKER_LATE.total_seconds():
            since = local_time(datetime.fromisoformat(worker.details["last_seen_at"]))
            lines.append(
                (
                    gettext(
                        "Background jobs have not run since %(time)s – alarms and mail are not going out.",
                        time=since,
                    ),
                    STATUS,
                )
            )
    for name, result in results.items():
        failed = result.details.get("failed_last_day", 0)
        if name.startswith("outbox_") and result.details.get("failures_page") and failed:
            text = ngettext(
                "%(num)d %(what)s could not be sent in the last day.",
                "%(num)d %(what)s could not be sent in the last day.",
                failed,
                what=outbox_label(name).lower(),
            )
            lines.append((text, result.details["failures_page"]))
        if name.startswith("outbox_") and not result.ok:
            text = gettext(
                "%(what)s: %(count)d waiting, the oldest for %(minutes)d min.",
                what=outbox_label(name),
                count=result.details.get("waiting", 0),
                minutes=result.details.get("oldest_waiting_s", 0) // 60,
            )
            lines.append((text, STATUS))
    for name, result in results.items():
        if result.blocking and not result.ok:
            lines.append((f"{name}: {result.problem}", STATUS))
    return lines


def machinery_problems() -> list[str]:
    """For templates/desk.html: the problem lines, for supervisors and admins only."""
    if not current_user.is_authenticated or current_user.role not in REVIEWER_ROLES:
        return []
    # In an app context of its own, so with a database session of its own: the probes end
    # their transactions, and a rollback in the page's session would expire every row the page
    # already loaded (one reload per row: 114 statements instead of 30 on a 2,000-report Natten).
    # Only what the line can say (the worker, the outboxes: one statement each); a failing
    # blocking part (the database) would not have let the page render at all.
    with current_app.app_context():
        results = collect(only=lambda name: name == "worker" or name.startswith("outbox_"))
    return problem_lines(results)


@bp.get("/review/status")
@reviewer_page
def status_page():
    results = collect()
    return render_template(
        "health/status.html",
        results=results,
        problems=problem_lines(results),
        outbox_label=outbox_label,
    )
