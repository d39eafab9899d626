"""The day crew's work list and "done" (with a note and a photo), scoped to the crew user's
areas (a crew user with no areas sees every area, like a guard)."""

from __future__ import annotations

import hashlib
import uuid

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext
from sqlalchemy.orm import joinedload

from patrol.auth.models import User
from patrol.db import db, utcnow
from patrol.errors import ApiError
from patrol.owners.models import WorkOrderPhoto
from patrol.reports.images import EXTENSIONS, clean_photo, thumbnail_of
from patrol.reports.models import Photo, Report
from patrol.reports.storage import photo_store
from patrol.review import actions as review_actions
from patrol.review.models import WorkOrder
from patrol.review.queries import load_report_rows
from patrol.sites.models import Area, Property

MAX_NOTE = 2000
AlreadyDone = review_actions.AlreadyDone


def area_condition(user: User):
    """SQL condition on Property: in one of the user's areas (all areas when none are set)."""
    area_ids = [area.id for area in user.areas]
    return Property.area_id.in_(area_ids) if area_ids else sa.true()


def open_orders_for(user: User) -> tuple[dict, dict]:
    """Open work orders of the user's areas grouped {area: {property: [orders]}}, most urgent
    first in each property, and the photos of their reports."""
    priority_rank = sa.case({"high": 0, "normal": 1, "low": 2}, value=WorkOrder.priority)
    orders = db.session.scalars(
        sa.select(WorkOrder)
        .options(
            joinedload(WorkOrder.property).joinedload(Property.area),
            joinedload(WorkOrder.checkpoint),
            joinedload(WorkOrder.report).joinedload(Report.shift),
        )
        .join(Property, Property.id == WorkOrder.property_id)
        .join(Area, Area.id == Property.area_id)
        .where(WorkOrder.status == "open", area_condition(user))
        .order_by(Area.name, Property.name, priority_rank, WorkOrder.created_at)
    ).all()
    rows = load_report_rows([o.report for o in orders])
    photos = {r.report.id: r.report.photos for r in rows}
    groups: dict = {}
    for order in orders:
        groups.setdefault(order.property.area, {}).setdefault(order.property, []).append(order)
    return groups, photos


def order_for(user: User, order_id: int) -> WorkOrder | None:
    return db.session.scalar(
        sa.select(WorkOrder)
        .join(Property, Property.id == WorkOrder.property_id)
        .where(WorkOrder.id == order_id, area_condition(user))
    )


def photo_for(user: User, photo_id: uuid.UUID) -> Photo | None:
    """A photo of a report that has an open work order in the user's areas."""
    return db.session.scalar(
        sa.select(Photo)
        .join(WorkOrder, WorkOrder.report_id == Photo.report_id)
        .join(Property, Property.id == WorkOrder.property_id)
        .where(Photo.id == photo_id, WorkOrder.status == "open", area_condition(user))
    )


def complete(order: WorkOrder, user: User, note: str, photo: bytes = b"") -> WorkOrder:
    """Mark the order done (review's conditional update: two phones at once make one
    completion) and keep the photo of the repair, if one was taken.

    The photo is checked (ApiError 413/415/422 for what is not an image we accept) and written
    to the store before the order changes, so a bad photo changes nothing."""
    stored = None
    if photo:
        config = current_app.config
        if len(photo) > config["MAX_PHOTO_BYTES"]:
            raise ApiError(
                413,
                gettext(
                    "The photo is too large (at most %(mb)s MB).",
                    mb=config["MAX_PHOTO_BYTES"] // (1024 * 1024),
                ),
            )
        clean = clean_photo(
            photo, max_pixels=config["MAX_PHOTO_PIXELS"], thumbnail_edge=config["THUMBNAIL_EDGE"]
        )
        sha256 = hashlib.sha256(clean.data).hexdigest()
        stem = f"work-orders/{order.id}-{sha256[:16]}"
        stored = WorkOrderPhoto(
            work_order_id=order.id,
            id=uuid.uuid4(),
            sha256=sha256,
            content_type=clean.content_type,
            storage_key=f"{stem}.{EXTENSIONS[clean.content_type]}",
            thumbnail_key=f"{stem}.thumb.jpg",
            uploaded_by_id=user.id,
            uploaded_at=utcnow(),
        )
        # A JPEG kept byte for byte comes without a thumbnail (the sync path makes it later);
        # a crew photo is rare, so its thumbnail is made here, at once.
        thumbnail = clean.thumbnail or thumbnail_of(clean.data, config["THUMBNAIL_EDGE"])
        photo_store().save((stored.storage_key, clean.data), (stored.thumbnail_key, thumbnail))
    try:
        review_actions.complete_work_order(order, user, note)
    except AlreadyDone:
        if stored is not None:
            photo_store().delete(stored.storage_key)
            photo_store().delete(stored.thumbnail_key)
        raise
    if stored is not None:
        db.session.add(stored)
        db.session.commit()
    return order
