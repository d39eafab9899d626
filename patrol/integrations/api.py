"""The integration API under /api/v1/integrations/ (issue 26, point 4): Bearer tokens only.

Every route takes its token through `bearer(scope)` and reads only what the token's owner may
see (patrol.integrations.feeds); an id of another owner's row is a 404, as in the portal.
"""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from patrol.db import db
from patrol.errors import ApiError
from patrol.integrations import feeds
from patrol.integrations.schemas import (
    FeedArgs,
    IntegrationAlarmPage,
    IntegrationReportPage,
    IntegrationWorkOrderOut,
    IntegrationWorkOrderPage,
    IntegrationWorkOrderStatusIn,
)
from patrol.integrations.tokens import bearer
from patrol.openapi import documented
from patrol.review import actions as review_actions
from patrol.sync import json_body

bp = Blueprint("integrations_api", __name__, url_prefix="/api/v1/integrations")


def feed_args() -> dict:
    return FeedArgs().load(request.args.to_dict())


def page_json(page: feeds.Page, schema) -> dict:
    return schema().dump(
        {"items": page.items, "next_cursor": page.next_cursor, "has_more": page.has_more}
    )


@bp.get("/work-orders")
@bearer("work-orders:read")
@documented(
    summary="Work orders of the token's owner, oldest change first",
    responses={200: IntegrationWorkOrderPage},
)
def list_work_orders():
    args = feed_args()
    page = feeds.work_orders(
        g.integration_token.organization_id, args["since"], args["cursor"], args["limit"]
    )
    return jsonify(page_json(page, IntegrationWorkOrderPage))


@bp.get("/work-orders/<int:order_id>")
@bearer("work-orders:read")
@documented(summary="One work order", responses={200: IntegrationWorkOrderOut})
def get_work_order(order_id: int):
    order = feeds.own_work_order(g.integration_token.organization_id, order_id)
    if order is None:
        raise ApiError(404)
    return jsonify(IntegrationWorkOrderOut().dump(feeds.work_order_view(order)))


@bp.put("/work-orders/<int:order_id>/status")
@bearer("work-orders:write")
@documented(
    summary="Mark a work order done (again: 200, unchanged)",
    request=IntegrationWorkOrderStatusIn,
    responses={200: IntegrationWorkOrderOut},
)
def put_work_order_status(order_id: int):
    data = IntegrationWorkOrderStatusIn().load(json_body())
    token = g.integration_token
    order = feeds.own_work_order(token.organization_id, order_id)
    if order is None:
        raise ApiError(404)
    if order.status == "open":
        try:
            # Recorded as done by the admin who made the token; the audit names the token.
            review_actions.complete_work_order(order, token.created_by, data["note"])
        except review_actions.AlreadyDone:
            order = feeds.own_work_order(token.organization_id, order_id)
    db.session.refresh(order)
    return jsonify(IntegrationWorkOrderOut().dump(feeds.work_order_view(order)))


@bp.get("/reports")
@bearer("reports:read")
@documented(
    summary="Approved reports of the token's owner, in the order they were approved",
    responses={200: IntegrationReportPage},
)
def list_reports():
    args = feed_args()
    page = feeds.reports(
        g.integration_token.organization_id, args["since"], args["cursor"], args["limit"]
    )
    return jsonify(page_json(page, IntegrationReportPage))


@bp.get("/alarms")
@bearer("alarms:read")
@documented(
    summary="Alarms (SOS) at the token's owner's properties, oldest change first",
    responses={200: IntegrationAlarmPage},
)
def list_alarms():
    args = feed_args()
    page = feeds.alarms(
        g.integration_token.organization_id, args["since"], args["cursor"], args["limit"]
    )
    return jsonify(page_json(page, IntegrationAlarmPage))
