"""The floor's parts, shared by bench/floor_app.py (served by gunicorn beside the app) and
bench/client.py (a floor endpoint inside the app the browser syncs to): its tables, and a
file written the way the app's file store writes a photo."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

metadata = sa.MetaData()
floor_sessions = sa.Table(
    "floor_sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, nullable=False),
)
floor_records = sa.Table(
    "floor_records",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("body", sa.JSON, nullable=False),
)
floor_photos = sa.Table(
    "floor_photos",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
)


def write_durably(final: Path, data: bytes) -> None:
    """`data` at `final`, on disk before this returns: written beside it, fsynced, renamed
    into place, and the folder fsynced so that the new name survives a power cut too."""
    partial = final.with_suffix(".part")
    with open(partial, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, final)
    folder = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
