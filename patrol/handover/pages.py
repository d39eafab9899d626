"""The desk's hand-overs (/review/handovers): those not read yet by a later shift in their
area, and those read in the last days (who read it, when)."""

from __future__ import annotations

from flask import Blueprint, render_template

from patrol.db import utcnow
from patrol.handover import queries
from patrol.security import reviewer_page_check

bp = Blueprint("handover_pages", __name__, url_prefix="/review", template_folder="templates")


@bp.before_request
def reviewers_only():
    return reviewer_page_check()


@bp.get("/handovers")
def handovers():
    now = utcnow()
    return render_template(
        "handover/handovers.html",
        waiting=queries.waiting(now, None),
        read=queries.recently_read(now),
        days=queries.HANDOVER_DAYS,
    )
