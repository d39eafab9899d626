"""Signed webhooks: the one way the server POSTs events to other systems (an alarm centre's
receiver, an owner's work-order system). Features queue deliveries with
`patrol.webhooks.deliveries.enqueue` in their own transaction and register where the worker
finds each target's secret; the worker's `webhooks` drain signs and sends them through the
server's one outbox (`patrol.outbox`). The signature scheme is `patrol.webhooks.signature`."""

from flask import Flask


def init_app(app: Flask) -> None:
    from patrol.outbox import durations_from_seconds, register_drain
    from patrol.webhooks.deliveries import DRAIN

    durations_from_seconds(app, "WEBHOOK_GIVE_UP_AFTER", "WEBHOOK_CLAIM_LEASE", "WEBHOOK_KEEP")
    register_drain(app, DRAIN)
