"""`flask --app app photos ...`: queued thumbnails, and moving photos between the stores."""

from __future__ import annotations

import hashlib

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from patrol.db import db
from patrol.reports.actions import complete_pending_thumbnails
from patrol.reports.models import Photo
from patrol.reports.storage import STORES, make_store

photos_command = AppGroup("photos", help="Photo thumbnails and the photo store.")


@photos_command.command("thumbnails", help="Make every queued thumbnail now.")
def thumbnails_cmd() -> None:
    made = complete_pending_thumbnails()
    click.echo(f"{made} thumbnails made.")


def photo_keys(photo: Photo) -> list[str]:
    keys = [photo.storage_key]
    if photo.thumbnail_key and photo.thumbnail_key != photo.storage_key:
        keys.append(photo.thumbnail_key)
    return keys


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@photos_command.command("move", help="Move every photo to another store, verified.")
@click.option("--to", "target_name", type=click.Choice(STORES), required=True)
@click.option(
    "--from",
    "source_name",
    type=click.Choice(STORES),
    default=None,
    help="The store to move from (default: PATROL_PHOTO_STORE, the one in use; when that is "
    "the target, the other of files and database).",
)
@click.option("--batch", default=100, show_default=True, help="Photos per progress line.")
def move_cmd(target_name: str, source_name: str | None, batch: int) -> None:
    """Copy each photo and thumbnail to the target store, read the copy back and compare its
    SHA-256 with the source's, and only then delete the source. One key at a time, each
    committed: a move killed at any point is finished by running it again. Switch
    PATROL_PHOTO_STORE to the target afterwards (photos not yet moved are read from the
    source until then). Any two of files, database and s3 (s3 needs PATROL_S3_ENDPOINT and
    PATROL_S3_BUCKET whichever side it is on)."""
    if source_name is None:
        # The store in use; when that is already the target (switched before moving), the
        # other of the two stores every host has, as before there were three.
        source_name = current_app.config["PHOTO_STORE"]
        if source_name == target_name:
            source_name = "database" if target_name != "database" else "files"
    if source_name == target_name:
        raise click.UsageError(
            f"--from and --to are both {target_name}: give --from (the store the photos are in)."
        )
    try:
        source = make_store(current_app, source_name)
        target = make_store(current_app, target_name)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from error
    ids = db.session.scalars(sa.select(Photo.id).order_by(Photo.received_at, Photo.id)).all()
    click.echo(f"Moving {len(ids)} photos from {source_name} to {target_name}.")
    counts = {"moved": 0, "already there": 0, "missing": 0}
    for number, photo_id in enumerate(ids, 1):
        photo = db.session.get(Photo, photo_id)
        for key in photo_keys(photo):
            counts[move_one(key, source, target)] += 1
        db.session.expunge(photo)
        if number % batch == 0 or number == len(ids):
            click.echo(
                f"  {number}/{len(ids)} photos; "
                + ", ".join(f"{n} {what}" for what, n in counts.items())
                + " (files and thumbnails)"
            )
    if counts["missing"]:
        raise click.ClickException(
            f"{counts['missing']} files were in neither store (listed above); the rest moved."
        )
    click.echo(f"Done. Set PATROL_PHOTO_STORE={target_name}.")


def move_one(key: str, source, target) -> str:
    """Move one key; returns 'moved', 'already there' or 'missing'."""
    data = source.read(key)
    copy = target.read(key)
    if data is None:
        if copy is None:
            click.echo(f"  missing in both stores: {key}", err=True)
            return "missing"
        return "already there"
    if copy is None:
        target.save((key, data))
        db.session.commit()
        copy = target.read(key)
    if copy is None or digest(copy) != digest(data):
        raise click.ClickException(f"the copy of {key} does not match its source; stopped")
    source.delete(key)
    db.session.commit()
    return "moved"
