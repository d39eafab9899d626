"""Webhook subscriptions (issue 26, point 5): the shared signals become signed deliveries
through the webhook core (patrol.webhooks), one per active subscription that asked for the
event and may see the record (the same owner's view as the API: patrol.integrations.feeds).

Each delivery's `data` is the record as the API's list gives it (the same schema), so a
receiver can treat a webhook as "this item changed" and the API as the way to catch up. Each
is queued in the event's own transaction: an event that rolls back sends nothing.
"""

from __future__ import annotations

import sqlalchemy as sa

from patrol.db import db
from patrol.integrations import feeds
from patrol.integrations.models import WebhookSubscription
from patrol.integrations.schemas import (
    IntegrationAlarmOut,
    IntegrationReportOut,
    IntegrationWorkOrderOut,
)
from patrol.reports.models import Report
from patrol.review.models import ReportReview, WorkOrder
from patrol.webhooks.deliveries import enqueue
from patrol.webhooks.models import WebhookDelivery

TARGET = "subscription"


def target_of(subscription: WebhookSubscription) -> str:
    return f"{TARGET}:{subscription.id}"


def secret_for(delivery: WebhookDelivery) -> str | None:
    """The subscription's secret at send time; none (so not sent) once it is stopped."""
    subscription = (
        db.session.get(WebhookSubscription, delivery.subscription_id)
        if delivery.subscription_id is not None
        else None
    )
    if subscription is None or subscription.revoked_at is not None:
        return None
    return subscription.secret


def subscribers(event: str) -> list[WebhookSubscription]:
    rows = db.session.scalars(
        sa.select(WebhookSubscription)
        .where(WebhookSubscription.revoked_at.is_(None))
        .order_by(WebhookSubscription.id)
    )
    return [s for s in rows if event in s.events]


def publish(event: str, view_for) -> int:
    """Queue `event` to every subscriber whose owner may see it: `view_for(organization_id)`
    gives the payload, or None when that owner may not see the record."""
    queued = 0
    for subscription in subscribers(event):
        payload = view_for(subscription.organization_id)
        if payload is not None:
            enqueue(target_of(subscription), subscription.url, event, payload)
            queued += 1
    return queued


# --- the signals ---------------------------------------------------------------------------------


def work_order_payload(order_id: int):
    def view_for(organization_id):
        order = feeds.own_work_order(organization_id, order_id)
        return IntegrationWorkOrderOut().dump(feeds.work_order_view(order)) if order else None

    return view_for


def on_work_order_created(order: WorkOrder, **_):
    publish("work_order.created", work_order_payload(order.id))


def on_work_order_completed(order: WorkOrder, **_):
    publish("work_order.completed", work_order_payload(order.id))


def on_report_approved(report: Report, review: ReportReview, **_):
    def view_for(organization_id):
        visible = db.session.scalar(
            sa.select(Report.id).where(
                Report.id == report.id, feeds.visible_reports(organization_id)
            )
        )
        if visible is None:
            return None
        order_id = db.session.scalar(
            sa.select(WorkOrder.id).where(WorkOrder.report_id == report.id)
        )
        return IntegrationReportOut().dump(feeds.report_view(report, review, order_id))

    publish("report.approved", view_for)


def on_night_reviewed(_app, night, version: int = 1, seal=None, **_):
    def view_for(organization_id):
        approved = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Report)
            .where(Report.night == night, feeds.visible_reports(organization_id))
        )
        return {
            "night": night.isoformat(),
            "version": version,
            "approved_reports": approved,
            "root": getattr(seal, "root", None),
            "key_id": getattr(seal, "key_id", None),
        }

    publish("night.reviewed", view_for)


def alarm_payload(alert):
    def view_for(organization_id):
        view = feeds.alarm_for(organization_id, alert)
        return IntegrationAlarmOut().dump(view) if view else None

    return view_for


def on_sos_received(alert, **_):
    publish("alarm.raised", alarm_payload(alert))


def on_sos_acknowledged(alert, **_):
    publish("alarm.acknowledged", alarm_payload(alert))


def connect() -> None:
    from patrol import signals
    from patrol.webhooks.deliveries import register_target

    register_target(TARGET, secret_for)
    signals.work_order_created.connect(on_work_order_created)
    signals.work_order_completed.connect(on_work_order_completed)
    signals.report_approved.connect(on_report_approved)
    signals.night_reviewed.connect(on_night_reviewed)
    signals.sos_received.connect(on_sos_received)
    signals.sos_acknowledged.connect(on_sos_acknowledged)


def deliveries_of(subscription: WebhookSubscription, limit: int = 100) -> list[WebhookDelivery]:
    return list(
        db.session.scalars(
            sa.select(WebhookDelivery)
            .where(WebhookDelivery.target == target_of(subscription))
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )
