"""Where photo bytes live: `PATROL_PHOTO_STORE=files` (the default, for one host),
`database` (for several app hosts on one PostgreSQL) or `s3` (an S3 object store such as
SeaweedFS, for several hosts and more photos than the database should hold).

Every store answers the same calls (`save`, `read`, `exists`, `delete`, `response`, `keys`),
and keys include the content's hash, so a key is never mistaken for another photo. `save`
takes (key, data) pairs, or (key, data, sha256) where the caller already has the SHA-256 of
exactly these bytes (an upload kept byte for byte, whose digest the route verified): the store
does not hash them again.

- Files under PATROL_PHOTO_DIR (default <instance>/photos). Writes are atomic (temporary file,
  fsync, rename, fsync of the folder) and happen before the database row commits, so a
  committed Photo row always has its file. A file whose row never committed is harmless.
- Database: the bytes and their SHA-256 go into `photo_blobs` in the caller's transaction,
  so a photo and its row commit together or not at all, and every app host sees them.
- S3: one object per key in PATROL_S3_BUCKET at PATROL_S3_ENDPOINT, written (and so, for
  SeaweedFS, replicated) before the database row commits, as with files; the SHA-256 travels
  as the object's `sha256` metadata and as its `x-amz-checksum-sha256`, which the object store
  checks on arrival. Short connect and read timeouts and few attempts: a store that cannot
  write raises PhotoStoreUnavailable, which the upload answers with 503 and Retry-After (the
  phone keeps the photo and sends it again).
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, Response, current_app, send_file
from flask_babel import gettext

from patrol.db import db, utcnow
from patrol.errors import json_error, page_error, wants_json
from patrol.reports.models import PhotoBlob
from patrol.status import Probe, register_probe
from patrol.sync import insert_statement

# Files the file store writes for a moment and never means as photos.
TRANSIENT_PREFIXES = (".upload-", ".readyz-")

STORES = ("files", "database", "s3")
log = logging.getLogger(__name__)

# A (key, data) pair, or (key, data, sha256 hex) when the caller knows the bytes' digest.
Item = tuple[str, bytes] | tuple[str, bytes, str]


class PhotoStoreUnavailable(OSError):
    """The store cannot be reached or cannot write now; trying again later may succeed."""


def item_digest(item: Item) -> str:
    """The item's SHA-256 (hex): the one given with it, else computed."""
    return item[2] if len(item) > 2 else hashlib.sha256(item[1]).hexdigest()


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

    def save(self, *items: Item) -> None:
        """Write (key, data) pairs atomically; the folders are synced once at the end (and
        the folders above a folder made here, so that the new folder's own entry is durable)."""
        folders = set()
        for key, data, *_digest in items:
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

    def keys(self) -> Iterator[str]:
        """Every stored key (not the files written for a moment: uploads, probes)."""
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.startswith(TRANSIENT_PREFIXES):
                yield path.relative_to(self.root).as_posix()


class DatabasePhotoStore:
    """Bytes in `photo_blobs`. `save` and `delete` join the caller's transaction (db.session):
    the caller's commit makes the photo and its row durable together."""

    name = "database"

    def save(self, *items: Item) -> None:
        connection = db.session.connection()
        connection.execute(
            insert_statement(PhotoBlob),
            [
                {"key": item[0], "sha256": item_digest(item), "data": item[1]}
                | {"stored_at": utcnow()}
                for item in items
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

    def keys(self) -> Iterator[str]:
        yield from db.session.scalars(sa.select(PhotoBlob.key).order_by(PhotoBlob.key))


class S3PhotoStore:
    """Objects in one bucket of an S3 object store (boto3). The client is made on first use
    and shared by the process's threads (boto3 clients are thread-safe)."""

    name = "s3"

    def __init__(self, endpoint: str, bucket: str, *, connect_timeout: float,
                 read_timeout: float, attempts: int):  # fmt: skip
        self.endpoint = endpoint
        self.bucket = bucket
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.attempts = attempts
        self._client = None

    @property
    def client(self):
        if self._client is None:
            import boto3
            from botocore.config import Config

            self._client = boto3.session.Session().client(
                "s3",
                endpoint_url=self.endpoint,
                region_name=os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
                config=Config(
                    connect_timeout=self.connect_timeout,
                    read_timeout=self.read_timeout,
                    retries={"max_attempts": self.attempts, "mode": "standard"},
                    # The SHA-256 is sent as the checksum below; nothing else is computed.
                    request_checksum_calculation="when_required",
                    response_checksum_validation="when_required",
                    s3={"addressing_style": "path"},
                    max_pool_connections=20,
                ),
            )
        return self._client

    def _call(self, operation: str, **params):
        """One S3 call; a missing object raises KeyError, an unreachable or failing store
        PhotoStoreUnavailable."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, operation)(Bucket=self.bucket, **params)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in ("NoSuchKey", "404", "NotFound") or status == 404:
                raise KeyError(params.get("Key")) from error
            raise PhotoStoreUnavailable(f"S3 {operation} failed: {error}") from error
        except BotoCoreError as error:
            raise PhotoStoreUnavailable(f"S3 {operation} failed: {error}") from error

    def save(self, *items: Item) -> None:
        for item in items:
            key, data = item[0], item[1]
            digest = item_digest(item)
            self._call(
                "put_object",
                Key=key,
                Body=data,
                Metadata={"sha256": digest},
                ChecksumSHA256=base64.b64encode(bytes.fromhex(digest)).decode(),
            )

    def read(self, key: str) -> bytes | None:
        try:
            answer = self._call("get_object", Key=key)
        except KeyError:
            return None
        return answer["Body"].read()

    def exists(self, key: str) -> bool:
        try:
            self._call("head_object", Key=key)
        except KeyError:
            return False
        return True

    def digest(self, key: str) -> str | None:
        """The SHA-256 the object was stored with (its metadata), without reading it."""
        try:
            answer = self._call("head_object", Key=key)
        except KeyError:
            return None
        return answer.get("Metadata", {}).get("sha256")

    def delete(self, key: str) -> None:
        self._call("delete_object", Key=key)

    def response(self, key: str, *, mimetype: str, etag: str) -> Response:
        data = self.read(key)
        if data is None:
            raise FileNotFoundError(key)
        return serve(io.BytesIO(data), mimetype=mimetype, etag=etag)

    def keys(self) -> Iterator[str]:
        token = None
        while True:
            params = {"ContinuationToken": token} if token else {}
            page = self._call("list_objects_v2", MaxKeys=1000, **params)
            for entry in page.get("Contents", []):
                yield entry["Key"]
            if not page.get("IsTruncated"):
                return
            token = page["NextContinuationToken"]


PhotoStore = FilePhotoStore | DatabasePhotoStore | S3PhotoStore


def photo_store() -> PhotoStore:
    return current_app.extensions["patrol_photo_store"]


def other_stores() -> list[PhotoStore]:
    """The stores not configured (those this host can reach): during `photos move` a photo
    may still be in one of them."""
    return current_app.extensions["patrol_photo_store_others"]


def read_photo(key: str) -> bytes | None:
    data = photo_store().read(key)
    for other in other_stores():
        if data is not None:
            break
        data = other.read(key)
    return data


def photo_response(key: str, *, mimetype: str, etag: str) -> Response:
    """Serve a key from the configured store, or from another while a move is under way."""
    stores = [photo_store(), *other_stores()]
    for store in stores[:-1]:
        try:
            return store.response(key, mimetype=mimetype, etag=etag)
        except FileNotFoundError:
            continue
    return stores[-1].response(key, mimetype=mimetype, etag=etag)


def s3_configured(config) -> bool:
    return bool(config.get("S3_ENDPOINT") and config.get("S3_BUCKET"))


def make_store(app: Flask, name: str) -> PhotoStore:
    if name == "database":
        return DatabasePhotoStore()
    if name == "s3":
        config = app.config
        if not s3_configured(config):
            raise RuntimeError(
                "PATROL_PHOTO_STORE=s3 needs PATROL_S3_ENDPOINT and PATROL_S3_BUCKET"
            )
        return S3PhotoStore(
            str(config["S3_ENDPOINT"]),
            str(config["S3_BUCKET"]),
            connect_timeout=float(config["S3_CONNECT_TIMEOUT_S"]),
            read_timeout=float(config["S3_READ_TIMEOUT_S"]),
            attempts=int(config["S3_MAX_ATTEMPTS"]),
        )
    root = Path(app.config.get("PHOTO_DIR") or Path(app.instance_path) / "photos")
    root.mkdir(parents=True, exist_ok=True)
    return FilePhotoStore(root)


def init_app(app: Flask) -> None:
    name = app.config.get("PHOTO_STORE") or "files"
    unusable = name not in STORES or (name == "s3" and not s3_configured(app.config))
    if unusable and app.config.get("CONFIG_PROBLEMS"):
        name = "files"  # only to list the problems (check-config): nothing is stored
    if name not in STORES:
        raise RuntimeError(f"PATROL_PHOTO_STORE must be one of {', '.join(STORES)}, not {name!r}")
    app.config["PHOTO_STORE"] = name
    app.extensions["patrol_photo_store"] = make_store(app, name)
    # The others, in the order a photo not yet moved is looked for (s3 only where configured).
    others = [other for other in STORES if other != name]
    app.extensions["patrol_photo_store_others"] = [
        make_store(app, other) for other in others if other != "s3" or s3_configured(app.config)
    ]
    register_probe(app, "photo_store", store_probe)


# A photo store that cannot write or read now (S3 unreachable): 503, and the phone keeps the
# photo and sends it again after this many seconds.
STORE_RETRY_AFTER_S = 30


def store_unavailable(error: PhotoStoreUnavailable):
    """Any request the photo store failed (an upload, a photo or PDF that needs one): 503 with
    Retry-After, never a 500, so the phone keeps what it sent and tries again."""
    log.warning("the photo store is unavailable: %s", error)
    message = gettext("The photo store is not reachable right now. The photo stays queued.")
    headers = {"Retry-After": str(STORE_RETRY_AFTER_S)}
    if wants_json():
        return json_error(503, "store_unavailable", message, headers=headers)
    body, status = page_error(503, message)
    return body, status, headers


def store_probe() -> Probe:
    """Whether a photo could be stored now: the file store writes, fsyncs and deletes a probe
    file (a full disk or a read-only mount shows here before a guard's upload fails); the
    database store is as writable as the database, which has its own probe."""
    store = photo_store()
    details = {"store": store.name}
    if isinstance(store, S3PhotoStore):
        try:
            store._call("head_bucket")
        except (PhotoStoreUnavailable, KeyError) as error:
            return Probe(
                ok=False,
                details=details,
                problem=f"The photo store's bucket {store.bucket} cannot be reached: {error}",
            )
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
