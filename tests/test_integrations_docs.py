"""docs/integrations.md's Python example, run against the app (issue 26, point 6): its code
block is taken from the document as it is, its client pages through a live server's work orders
with a real token, and its receiver, on a real port, checks the signature of real deliveries
from the worker's drain (and refuses a forged one). If the document and the server drift apart,
this fails."""

from __future__ import annotations

import json
import re
import threading
import urllib.request
from http.server import HTTPServer

import pytest
import sqlalchemy as sa

from patrol.auth.models import User
from patrol.config import ROOT
from patrol.db import db
from patrol.integrations.models import SCOPES, WebhookSubscription
from patrol.outbox import drain_until_idle
from patrol.reports.models import Report
from patrol.review import actions
from patrol.webhooks.deliveries import DRAIN
from tests.support.app import LiveServer
from tests.support.integrations import make_token
from tests.support.owners import build_world

DOC = ROOT / "docs" / "integrations.md"


def example() -> dict:
    """The document's one Python block, executed as a module (not as __main__)."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert len(blocks) == 1, "docs/integrations.md has one complete Python example"
    namespace = {"__name__": "nattpatrull_example"}
    exec(compile(blocks[0], str(DOC), "exec"), namespace)  # noqa: S102
    return namespace


@pytest.mark.browser  # a live server in a thread
def test_the_documented_client_pages_through_the_work_orders(seeded):
    world = build_world(seeded)
    ex = example()
    server = LiveServer(seeded).start()
    try:
        token = make_token(seeded, world["org_a"], ["work-orders:read"])
        orders, cursor = ex["work_orders"](token, base=server.url)
        assert {o["id"] for o in orders} == {world["a_order"], world["a_fixed"]}
        assert cursor
        # Kept for next time: nothing new since.
        again, same = ex["work_orders"](token, base=server.url, cursor=cursor)
        assert again == [] and same == cursor
        # Every item has what the document shows, and nothing more.
        documented = json.loads(
            re.search(
                r"### `GET /api/v1/integrations/work-orders`.*?```json\n(.*?)```",
                DOC.read_text(),
                re.S,
            ).group(1)
        )
        assert set(orders[0]) == set(documented)
    finally:
        server.stop()


def test_the_documented_receiver_verifies_real_deliveries_and_refuses_a_forged_one(seeded, api_as):
    world = build_world(seeded)
    ex = example()
    receiver = ex["Receiver"]
    httpd = HTTPServer(("127.0.0.1", 0), receiver)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_port}/nattpatrull"
        page = api_as("admin").post(
            "/admin/integrations/subscriptions",
            data={
                "name": "Exemplet",
                "url": url,
                "organization_id": str(world["org_a"]),
                "events": ["report.approved", "work_order.created"],
            },
        )
        receiver.secret = re.search(
            r'id="secret-text">([^<]+)<', page.get_data(as_text=True)
        ).group(1)
        with seeded.app_context():
            supervisor = db.session.get(User, world["supervisor"])
            report = db.session.get(Report, world["a_draft"])
            actions.approve(report, supervisor, "", "Dörren var uppbruten.")
            assert drain_until_idle(DRAIN) == 1
            # Sent again (as after a lost answer): the receiver handles it once.
            delivery_id = db.session.execute(sa.text("SELECT id FROM webhook_deliveries")).scalar()
            db.session.execute(
                sa.text("UPDATE webhook_deliveries SET status = 'failed' WHERE id = :i"),
                {"i": delivery_id},
            )
            db.session.commit()
            from patrol.webhooks.deliveries import retry_now

            assert retry_now(delivery_id)
            db.session.commit()
            assert drain_until_idle(DRAIN) == 1
            assert db.session.scalar(sa.select(WebhookSubscription.id)) is not None
        assert [(e, d["id"]) for e, d in receiver.events] == [
            ("report.approved", str(world["a_draft"]))
        ]
        assert receiver.events[0][1]["level"] == "acute"
        # A forged body (the right signature of another body) is refused.
        forged = urllib.request.Request(
            url,
            data=b'{"event":"report.approved","data":{}}',
            headers={"Nattpatrull-Signature": "t=1,v1=00", "Content-Type": "application/json"},
        )
        try:
            urllib.request.urlopen(forged, timeout=10)
            raise AssertionError("a forged delivery was accepted")
        except urllib.error.HTTPError as refused:
            assert refused.code == 401
        assert len(receiver.events) == 1
    finally:
        httpd.shutdown()
        httpd.server_close()
        receiver.events.clear()
        receiver.handled.clear()


def test_the_document_names_every_scope_event_and_route(app):
    text = DOC.read_text()
    from patrol.integrations.models import EVENTS

    for name in (*SCOPES, *EVENTS):
        assert f"`{name}`" in text, name
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/integrations/"):
            documented = re.sub(r"<(?:\w+:)?(\w+)>", "<id>", rule.rule)
            assert documented in text, rule.rule
