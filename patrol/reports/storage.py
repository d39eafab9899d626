"""Where photo bytes live: `PATROL_PHOTO_STORE=files` (the default, for one host) or
`database` (for several app hosts on one PostgreSQL).

Both stores answer the same five calls (`save`, `read`, `exists`, `delete`, `response`), and
keys include the content's hash, so a key is never mistaken for another photo.

- Files under PATROL_PHOTO_DIR (default <instance>/photos). Writes are atomic (temporary file,
  fsync, rename, fsync of the folder) and happen before the database row commits, so a
  committed Photo row always has its file. A file whose row never committed is harmless.
- Database: the bytes and their SHA-256 go into `photo_blobs` in the caller's transaction,
  so a photo and its row commit together or not at all, and every app host sees them.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, Response, current_app, send_file

from patrol.db import db, utcnow
from patrol.reports.models import PhotoBlob
from patrol.status import Probe, register_probe
from patrol.sync import insert_statement

STORES = ("files", "database")


def serve(data_or_path, *, mimetype: str, etag: str) -> Response:
    """The photo answer both stores give: conditional (ETag, If-None-Match), with ranges, and
    cached privately for a day (the key never changes content)."""
    response = send_file(
        data_or_path, mimetype=mimetype, conditional=True, etag=etag, max_age=86400
    )
    response.headers["Cache-Control"] = "private, max-age=86400, immutable"
    return response


class FilePhotoStore:
    name = "files"

    def __init__(self, root: Path):
        self.root = root
        self._real_root: str | None = None

    def path(self, key: str) -> Path:
        """The file of `key`, which must stay inside the store. Checked on the normalised
        string (no `resolve()`: that stats every folder on the way, on every upload); keys
        are made by the app and never contain links."""
        if self._real_root is None:
            self._real_root = os.path.realpath(self.root)
        path = os.path.normpath(os.path.join(self._real_root, key))
        if not path.startswith(self._real_root + os.sep):
            raise ValueError(f"photo key escapes the store: {key!r}")
        return Path(path)

    def save(self, *items: tuple[str, bytes]) -> None:
        """Write (key, data) pairs atomically; the folders are synced once at the end (and
        the folders above a folder made here, so that the new folder's own entry is durable)."""
        folders = set()
        for key, data in items:
            folders.update(self._write(key, data))
        for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
            dir_fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    def _write(self, key: str, data: bytes) -> list[Path]:
        """Write one file; returns the folders whose entries changed."""
        target = self.path(key)
        changed = [target.parent]
        if not target.parent.is_dir():  # a report's first photo makes its folder
            missing = [p for p in target.parent.parents if not p.exists()]
            target.parent.mkdir(parents=True, exist_ok=True)
            changed += [p.parent for p in [target.parent, *missing]]
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return changed

    def read(self, key: str) -> bytes | None:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            return None

    def exists(self, key: str) -> bool:
        return self.path(key).exists()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def response(self, key: str, *, mimetype: str, etag: str) -> Response:
        return serve(self.path(key), mimetype=mimetype, etag=etag)


class DatabasePhotoStore:
    """Bytes in `photo_blobs`. `save` and `delete` join the caller's transaction (db.session):
    the caller's commit makes the photo and its row durable together."""

    name = "database"

    def save(self, *items: tuple[str, bytes]) -> None:
        connection = db.session.connection()
        connection.execute(
            insert_statement(PhotoBlob),
            [
                {"key": key, "sha256": hashlib.sha256(data).hexdigest(), "data": data}
                | {"stored_at": utcnow()}
                for key, data in items
            ],
        )

    def read(self, key: str) -> bytes | None:
        return db.session.scalar(sa.select(PhotoBlob.data).where(PhotoBlob.key == key))

    def exists(self, key: str) -> bool:
        found = db.session.scalar(sa.select(PhotoBlob.key).where(PhotoBlob.key == key))
        return found is not None

    def delete(self, key: str) -> None:
        db.session.execute(sa.delete(PhotoBlob).where(PhotoBlob.key == key))

    def response(self, key: str, *, mimetype: str, etag: str) -> Response:
        data = self.read(key)
        if data is None:
            raise FileNotFoundError(key)
        return serve(io.BytesIO(data), mimetype=mimetype, etag=etag)


PhotoStore = FilePhotoStore | DatabasePhotoStore


def photo_store() -> PhotoStore:
    return current_app.extensions["patrol_photo_store"]


def other_store() -> PhotoStore:
    """The store not configured: during `photos move` a photo may still be there."""
    return current_app.extensions["patrol_photo_store_other"]


def read_photo(key: str) -> bytes | None:
    data = photo_store().read(key)
    return data if data is not None else other_store().read(key)


def photo_response(key: str, *, mimetype: str, etag: str) -> Response:
    """Serve a key from the configured store, or from the other while a move is under way."""
    store = photo_store()
    if not store.exists(key) and other_store().exists(key):
        store = other_store()
    return store.response(key, mimetype=mimetype, etag=etag)


def make_store(app: Flask, name: str) -> PhotoStore:
    if name == "database":
        return DatabasePhotoStore()
    root = Path(app.config.get("PHOTO_DIR") or Path(app.instance_path) / "photos")
    root.mkdir(parents=True, exist_ok=True)
    return FilePhotoStore(root)


def init_app(app: Flask) -> None:
    name = app.config.get("PHOTO_STORE") or "files"
    if name not in STORES:
        raise RuntimeError(f"PATROL_PHOTO_STORE must be one of {', '.join(STORES)}, not {name!r}")
    app.config["PHOTO_STORE"] = name
    app.extensions["patrol_photo_store"] = make_store(app, name)
    other = next(store for store in STORES if store != name)
    app.extensions["patrol_photo_store_other"] = make_store(app, other)
    register_probe(app, "photo_store", store_probe)


def store_probe() -> Probe:
    """Whether a photo could be stored now: the file store writes, fsyncs and deletes a probe
    file (a full disk or a read-only mount shows here before a guard's upload fails); the
    database store is as writable as the database, which has its own probe."""
    store = photo_store()
    details = {"store": store.name}
    if isinstance(store, FilePhotoStore):
        try:
            fd, probe_path = tempfile.mkstemp(dir=store.root, prefix=".readyz-")
            try:
                os.write(fd, b"ok")
                os.fsync(fd)
            finally:
                os.close(fd)
                os.unlink(probe_path)
        except OSError as error:
            return Probe(
                ok=False,
                details=details,
                problem=f"The photo store {store.root} cannot be written: {error.strerror}.",
            )
        usage = shutil.disk_usage(store.root)
        details["free_bytes"] = usage.free
    return Probe(ok=True, details=details)
