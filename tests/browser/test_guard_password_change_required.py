"""The phone and a one-time password (issue 22, point 4): a guard whose session has a password
the admin reset gets 403 `password_change_required` from the sync routes. The phone handles it
like a 401: every entry stays queued (never "behöver åtgärd"), the pass stops, and the password
page opens ("Byt lösenord först"); once a new password is chosen, everything goes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.support.guard_browser import (
    ENTRIES_OF_SMALL_SHIFT,
    checkpoint_token,
    counts,
    go_online,
    guard_context,
    outbox_entries,
    record_offline_shift,
    wait_for_unsent,
    wait_until_all_sent,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

NEW_PASSWORD = "ett-eget-losenord-1"


def reset_password(app, username: str) -> str:
    from patrol.admin.actions import reset_password as reset
    from patrol.auth.models import User
    from patrol.db import db

    # A request context: the audit trail asks who is acting (nobody logged in here).
    with app.test_request_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        return reset(user)


def test_password_change_required_keeps_the_outbox_and_opens_the_password_page(
    live_server, live_app, browser, output_dir
):
    context = guard_context(browser, color_scheme="dark")
    page = context.new_page()
    token = checkpoint_token(live_app, "S110")
    record_offline_shift(page, context, live_server.url, token)
    wait_for_unsent(page, ENTRIES_OF_SMALL_SHIFT)
    # While the phone is offline the admin resets the password and the guard logs in with
    # the one-time password (on this phone's cookie jar): the session now needs a new password.
    one_time = reset_password(live_app, "guard")
    me = context.request.get(live_server.url + "/api/v1/me").json()
    answer = context.request.post(
        live_server.url + "/api/v1/session",
        data={"username": "guard", "password": one_time},
        headers={"X-CSRFToken": me["csrf_token"]},
    )
    assert answer.ok and answer.json()["user"]["must_change_password"] is True
    refused = []
    page.on(
        "response",
        lambda r: refused.append(r.url) if r.status == 403 and "/api/v1/" in r.url else None,
    )
    try:
        go_online(context, page)
        page.wait_for_url("**/account/password")
        expect(page.get_by_role("heading", name="Byt lösenord först")).to_be_visible()
        page.screenshot(path=str(output_dir / "password-change-required-390x844-dark.png"))
        assert refused, "the sync pass met no 403"
        assert counts(live_app)["shifts"] == 0
        # Every entry is still queued, none marked "behöver åtgärd".
        entries = outbox_entries(page)
        assert len(entries) == ENTRIES_OF_SMALL_SHIFT
        assert {e["state"] for e in entries} == {"waiting"}, entries
        assert any(e.get("lastStatus") == 403 for e in entries)
        page.get_by_label("Nuvarande lösenord").fill(one_time)
        page.get_by_label("Nytt lösenord", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("Nytt lösenord igen").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Spara").click()
        page.wait_for_url(live_server.url + "/")  # the guard app
        wait_until_all_sent(page)
    finally:
        context.close()
    assert counts(live_app) == {"shifts": 1, "checkins": 3, "reports": 1, "photos": 1}
