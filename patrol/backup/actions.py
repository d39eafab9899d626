"""One self-describing backup folder, and its restore into an empty database and photo store.

A backup folder holds:

- `manifest.json`: the format, the app's version, the database's migration heads, when it was
  made, the database dialect and the photo store, and every file of the backup with its
  SHA-256 and size (`backup --verify` checks them all, and that nothing is missing or added);
- `database.pgdump` (PostgreSQL: `pg_dump` custom format) or `database.sqlite3` (SQLite's online
  backup API: a consistent copy while the app writes). The kept night PDFs and, with the
  database photo store, the photos are rows in it;
- `photos/<key>`: the file store's photos, or the S3 store's objects, byte for byte (each
  object checked against the SHA-256 it was stored with as it is copied);
- `secrets/` only with `--include-secrets`: the instance folder's secret key and VAPID key. Keep
  a backup with secrets apart from the others (README, Drift / Operations): whoever holds them
  can sign sessions and push messages as the server.

Order matters for consistency without stopping the app: the database first, then the photos.
A photo's file is written before its row commits, so every photo row in the dump has its file
by the time the files are copied (files are only deleted by the purge; a file without a row is
harmless, as in the live store).

Restore refuses a database or photo store that is not empty, restores the database, upgrades it
to this code's migration head (a backup from an older version), then copies the photos into the
configured store (files, database or s3) and checks each against its digest.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from patrol.db import db, utcnow
from patrol.migrate import upgrade_database
from patrol.reports.storage import FilePhotoStore, S3PhotoStore, photo_store

FORMAT = "nattpatrull-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SECRET_FILES = ("secret_key", "vapid_private.pem")

Progress = Callable[[str], None]


class BackupError(Exception):
    """A refusal or a failed check, with a message for the operator."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def libpq_url(url: sa.URL) -> tuple[str, dict[str, str]]:
    """A SQLAlchemy URL as pg_dump reads it, with the password in the environment (never on
    a command line that `ps` shows)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _dialect_and_url() -> tuple[str, sa.URL]:
    url = sa.engine.make_url(current_app.config["DATABASE_URL"])
    return url.get_backend_name(), url


def _record(folder: Path, relative: str) -> dict:
    path = folder / relative
    return {"path": relative, "sha256": sha256_of(path), "bytes": path.stat().st_size}


def make_backup(target: Path, *, include_secrets: bool = False, progress: Progress = print) -> dict:
    """Write a backup into `target` (a new or empty folder) and return its manifest."""
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: give a new folder for each backup.")
    target.mkdir(parents=True, exist_ok=True)
    dialect, url = _dialect_and_url()
    heads = sorted(db.session.scalars(sa.text("SELECT version_num FROM alembic_version")))
    db.session.rollback()  # no transaction held open while pg_dump runs
    files: list[dict] = []

    progress("database …")
    if dialect == "postgresql":
        conninfo, env = libpq_url(url)
        database_file = "database.pgdump"
        result = subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
             f"--file={target / database_file}", f"--dbname={conninfo}"],
            env=env, capture_output=True, text=True,
        )  # fmt: skip
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    elif dialect == "sqlite":
        database_file = "database.sqlite3"
        source = sqlite3.connect(url.database)
        try:
            destination = sqlite3.connect(target / database_file)
            with destination:
                source.backup(destination)
            destination.close()
        finally:
            source.close()
    else:
        raise BackupError(f"no backup for the database dialect {dialect!r}")
    files.append(_record(target, database_file))
    progress(f"database: {files[0]['bytes']:,} bytes")

    store = photo_store()
    if isinstance(store, FilePhotoStore):
        keys = list(store.keys())
        for done, key in enumerate(keys, 1):
            destination = target / "photos" / key
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(store.path(key), destination)
            files.append(_record(target, f"photos/{key}"))
            if done % 500 == 0 or done == len(keys):
                progress(f"photos: {done} of {len(keys)}")
    elif isinstance(store, S3PhotoStore):
        files.extend(_copy_objects(store, target, progress))
    if include_secrets:
        instance = Path(current_app.instance_path)
        for name in SECRET_FILES:
            if (instance / name).exists():
                (target / "secrets").mkdir(mode=0o700, exist_ok=True)
                shutil.copyfile(instance / name, target / "secrets" / name)
                (target / "secrets" / name).chmod(0o600)
                files.append(_record(target, f"secrets/{name}"))

    from patrol.version import app_version

    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app_version": app_version(),
        "migration_heads": heads,
        "created_at": utcnow().astimezone(UTC).isoformat(),
        "database": {"dialect": dialect, "file": database_file},
        "photo_store": store.name,
        "secrets": include_secrets,
        "files": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return manifest


def _copy_objects(store: S3PhotoStore, target: Path, progress: Progress) -> list[dict]:
    """Every object of the S3 store into photos/<key>, each checked against the SHA-256 it
    was stored with (its metadata) before it is listed: a backup never keeps a damaged copy
    unnoticed. An object listed but deleted since (the purge) is left out, as a file is."""
    keys = sorted(store.keys())
    records = []
    for done, key in enumerate(keys, 1):
        stored_digest = store.digest(key)
        data = store.read(key)
        if data is None:
            continue
        digest = hashlib.sha256(data).hexdigest()
        if stored_digest is not None and digest != stored_digest:
            raise BackupError(
                f"the object {key} does not match the SHA-256 it was stored with; stopped"
            )
        destination = target / "photos" / key
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(data)
        records.append({"path": f"photos/{key}", "sha256": digest, "bytes": len(data)})
        if done % 500 == 0 or done == len(keys):
            progress(f"photos: {done} of {len(keys)} objects")
    return records


def read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError as error:
        raise BackupError(f"{folder} has no {MANIFEST}: not a Nattpatrull backup.") from error
    except json.JSONDecodeError as error:
        raise BackupError(f"{folder / MANIFEST} is not valid JSON: {error}") from error
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"{folder} is not a Nattpatrull backup of format {FORMAT_VERSION}.")
    return manifest


def verify_backup(folder: Path, progress: Progress = print) -> list[str]:
    """Every problem found (a missing, changed or unlisted file); empty when the backup is whole."""
    manifest = read_manifest(folder)
    problems = []
    listed = set()
    for done, entry in enumerate(manifest["files"], 1):
        listed.add(entry["path"])
        path = folder / entry["path"]
        if not path.is_file():
            problems.append(f"missing: {entry['path']}")
        elif sha256_of(path) != entry["sha256"]:
            problems.append(f"changed (SHA-256 differs): {entry['path']}")
        if done % 500 == 0:
            progress(f"checked {done} of {len(manifest['files'])}")
    for path in folder.rglob("*"):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and relative != MANIFEST and relative not in listed:
            problems.append(f"not in the manifest: {relative}")
    return problems


def _database_is_empty(dialect: str, url: sa.URL) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if dialect == "postgresql":
                count = conn.scalar(sa.text(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
                ))  # fmt: skip
            else:
                count = conn.scalar(
                    sa.text("SELECT count(*) FROM sqlite_master WHERE type = 'table'")
                )
    finally:
        engine.dispose()
    return count == 0


def restore_backup(folder: Path, progress: Progress = print) -> dict:
    """Restore `folder` into this app's (empty) database and photo store; returns the manifest."""
    manifest = read_manifest(folder)
    problems = verify_backup(folder, progress)
    if problems:
        raise BackupError(
            "the backup does not verify, nothing restored:\n  " + "\n  ".join(problems)
        )
    dialect, url = _dialect_and_url()
    if manifest["database"]["dialect"] != dialect:
        raise BackupError(
            f"the backup is of a {manifest['database']['dialect']} database and "
            f"PATROL_DATABASE_URL is {dialect}: restore into the same kind."
        )
    db.session.close()
    db.engine.dispose()  # no pooled connection holds the old (empty) database open
    if not _database_is_empty(dialect, url):
        raise BackupError("the database is not empty: restore only into a new, empty database.")
    store = photo_store()
    if isinstance(store, FilePhotoStore | S3PhotoStore) and next(store.keys(), None):
        where = store.root if isinstance(store, FilePhotoStore) else f"bucket {store.bucket}"
        raise BackupError(f"the photo store {where} is not empty: restore into an empty one.")

    progress("database …")
    source = folder / manifest["database"]["file"]
    if dialect == "postgresql":
        conninfo, env = libpq_url(url)
        result = subprocess.run(
            ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
             "--single-transaction", f"--dbname={conninfo}", str(source)],
            env=env, capture_output=True, text=True,
        )  # fmt: skip
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    else:
        with tempfile.TemporaryDirectory() as scratch:
            # Through SQLite's backup API, so the target file is written whole and consistent.
            copy = Path(scratch) / "restore.sqlite3"
            shutil.copyfile(source, copy)
            reader = sqlite3.connect(copy)
            writer = sqlite3.connect(url.database)
            try:
                with writer:
                    reader.backup(writer)
            finally:
                reader.close()
                writer.close()
    db.engine.dispose()
    progress("database restored; migrating to this version's head …")
    upgrade_database(current_app.config["DATABASE_URL"])

    photos = [e for e in manifest["files"] if e["path"].startswith("photos/")]
    for done, entry in enumerate(photos, 1):
        key = entry["path"].removeprefix("photos/")
        store.save((key, (folder / entry["path"]).read_bytes()))
        if done % 500 == 0 or done == len(photos):
            db.session.commit()  # the database store writes in the session
            progress(f"photos: {done} of {len(photos)}")
    db.session.commit()
    for entry in photos:
        data = store.read(entry["path"].removeprefix("photos/"))
        if data is None or hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise BackupError(f"photo {entry['path']} did not restore byte for byte")

    instance = Path(current_app.instance_path)
    for entry in manifest["files"]:
        if entry["path"].startswith("secrets/"):
            name = entry["path"].removeprefix("secrets/")
            if not (instance / name).exists():
                shutil.copyfile(folder / entry["path"], instance / name)
                (instance / name).chmod(0o600)
    return manifest


def stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
