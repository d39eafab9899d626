"""Fixtures and helpers shared by the push tests (tests/test_push_*.py, tests/browser/test_push_*.py)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import ec

from patrol.db import db
from patrol.push.keys import b64url, public_key_b64
from patrol.push.models import PushMessage
from patrol.push.worker import PushWorker
from patrol.sites.models import Property
from tests import factories
from tests.factories import new_id  # noqa: F401  (the push tests import it from here)
from tests.support.push_service import LoopbackPushService, Subscriber

VAPID_KEY = ec.generate_private_key(ec.SECP256R1())
VAPID_PRIVATE = b64url(VAPID_KEY.private_numbers().private_value.to_bytes(32, "big"))
VAPID_PUBLIC = public_key_b64(VAPID_KEY)
SUBJECT = "mailto:vakt-central@nattpatrull.example"


def push_config(service: LoopbackPushService, *more: LoopbackPushService) -> dict:
    hosts = ",".join(f"127.0.0.1:{s.port}" for s in (service, *more))
    return {
        "VAPID_PRIVATE_KEY": VAPID_PRIVATE,
        "VAPID_SUBJECT": SUBJECT,
        "PUSH_ALLOWED_HOSTS": hosts,
        "PUSH_RETRY_BASE_S": 0.05,
        "PUSH_RETRY_MAX_S": 0.2,
    }


@pytest.fixture
def push_service():
    service = LoopbackPushService().start()
    yield service
    service.stop()


@pytest.fixture
def push_app(app, push_service):
    """The `app` fixture (every database) with a VAPID key and the loopback push service
    allowed. `seeded` and `api_as` use this same app."""
    app.config.update(push_config(push_service))
    return app


def iso(moment: datetime) -> str:
    return moment.isoformat()


def now() -> datetime:
    return datetime.now(UTC)


def start_shift(api) -> str:
    """A shift started an hour ago (push tests run on the real clock)."""
    return factories.start_shift(api, now() - timedelta(hours=1))


def first_property(app) -> dict:
    with app.app_context():
        prop = db.session.scalar(sa.select(Property).order_by(Property.id))
        return {"id": prop.id, "name": prop.name, "address": prop.address}


def put_report(api, shift_id, prop, level="acute", category="fire_smoke", report_id=None):
    """An acute report a minute ago (an alert is pushed for it)."""
    return factories.put_report(
        api,
        shift_id,
        prop["id"],
        report_id=report_id,
        category=category,
        level=level,
        description="Rök i trapphus B.",
        occurred_at=now() - timedelta(minutes=1),
    )


def subscribe(api, service: LoopbackPushService, name: str | None = None) -> Subscriber:
    subscriber = Subscriber(service, name)
    response = api.post("/api/v1/push/subscriptions", json=subscriber.to_json())
    assert response.status_code == 201, response.json
    return subscriber


def drain(app, timeout: float = 10.0) -> PushWorker:
    """Run a worker until nothing is pending or being sent (retries included)."""
    worker = PushWorker(app, worker_id="test-worker")
    deadline = time.monotonic() + timeout
    with app.app_context():
        while time.monotonic() < deadline:
            worker.run_once()
            left = db.session.scalar(
                sa.select(sa.func.count())
                .select_from(PushMessage)
                .where(PushMessage.status.in_(("pending", "sending")))
            )
            db.session.rollback()
            if not left:
                return worker
            time.sleep(0.02)
    raise AssertionError("push messages still pending after the timeout")


def messages(app, **where) -> list[PushMessage]:
    with app.app_context():
        query = sa.select(PushMessage).order_by(PushMessage.id)
        for name, value in where.items():
            query = query.where(getattr(PushMessage, name) == value)
        return list(db.session.scalars(query))
