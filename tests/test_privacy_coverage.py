"""The retention rules cover every photo and every position the project stores (issue 22,
point 7). The tables are listed from the models' metadata, so a new table with a position or
photo data that the purge does not reach fails here; and the day crew's completion photos of
work orders (never purged before) go with their files once their period has passed."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

import patrol.models  # noqa: F401  (every feature's tables in the metadata)
from patrol.db import Base, db, set_clock, utcnow
from patrol.owners.models import WorkOrderPhoto
from patrol.privacy.rules import PHOTO_MODELS, POSITION_MODELS, purge
from patrol.reports.storage import photo_store
from patrol.review.models import WorkOrder
from tests.support.owners import build_world, login_page

POSITION = {"lat", "lon", "accuracy_m"}
STORAGE_KEYS = {"storage_key", "thumbnail_key"}
# Where a building or a sticker is: set by an admin, about a place, never about a person.
PLACES = {"properties", "checkpoints"}
# Bytes that are not photos the purge must reach, each for its own reason.
OTHER_BYTES = {
    # The database photo store itself: a row per storage key, deleted with the photo's key
    # (photo_store().delete) when the row holding the key is purged.
    "photo_blobs",
    # The whole emails as queued (text, and the day crew's printable list, which has no
    # photos); the mail outbox keeps them for delivery.
    "mail_messages",
    # The night's signed PDF kept by "Natten granskad" (evidence; it embeds report photos'
    # thumbnails: see the report to the lead, its retention is the evidence work's decision).
    "night_reviews",
    # A user's passkeys: the credential id and public key the browser made (no photo, no
    # position); removed with the key, by a factor reset, or with the account.
    "passkeys",
    # The exact JSON bodies of signed webhooks (an alarm's holds the guard's last position):
    # the webhook outbox deletes delivered and failed rows after WEBHOOK_KEEP (its drain's
    # tidy), and a body that must not be kept that long is the sending feature's to leave out.
    "webhook_deliveries",
}


def tables_with(predicate) -> set[str]:
    return {table.name for table in Base.metadata.sorted_tables if predicate(table)}


def test_every_table_with_a_position_or_photo_data_is_purged():
    positions = tables_with(lambda t: {"lat", "lon"} <= set(t.columns.keys())) - PLACES
    purged_positions = {model.__table__.name for model in POSITION_MODELS}
    assert positions <= purged_positions, f"positions never purged: {positions - purged_positions}"
    for model in POSITION_MODELS:
        assert set(model.__table__.columns.keys()) >= POSITION, model

    keys = tables_with(lambda t: bool(STORAGE_KEYS & set(t.columns.keys())))
    purged_photos = {model.__table__.name for model in PHOTO_MODELS}
    assert keys <= purged_photos, f"photos never purged: {keys - purged_photos}"
    assert "work_order_photos" in purged_photos

    raw = tables_with(lambda t: any(isinstance(c.type, sa.LargeBinary) for c in t.columns))
    assert raw - OTHER_BYTES - purged_photos == set(), raw - OTHER_BYTES


def test_work_order_photos_go_with_their_files_after_the_photo_period(seeded):
    world = build_world(seeded)
    with seeded.app_context():
        photos = list(db.session.scalars(sa.select(WorkOrderPhoto)))
        assert len(photos) == 2  # build_world's crew completed two orders with a photo
        keys = [key for p in photos for key in (p.storage_key, p.thumbnail_key)]
        assert all(photo_store().read(key) for key in keys)
        days = seeded.config["RETENTION_PHOTOS_DAYS"]
        moment = utcnow()
    # A day before the period ends nothing goes.
    set_clock(seeded, moment + timedelta(days=days - 1))
    with seeded.app_context():
        outcome = {o.kind: o.count for o in purge(dry_run=True)}
        assert outcome["photos"] == 0
    set_clock(seeded, moment + timedelta(days=days, hours=1))
    with seeded.app_context():
        assert {o.kind: o.count for o in purge(dry_run=True)}["photos"] >= 2
        purge()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WorkOrderPhoto)) == 0
        assert all(photo_store().read(key) is None for key in keys)
        # The orders stay done, with their notes.
        fixed = db.session.get(WorkOrder, world["a_fixed"])
        assert fixed.status == "done" and fixed.done_note == "Klottret sanerat"
    owner = seeded.test_client()
    login_page(owner, "owner")
    assert owner.get(f"/owner/work-orders/{world['a_fixed']}/photo").status_code == 404
