"""Where photo bytes live: files under PATROL_PHOTO_DIR (default <instance>/photos).

Writes are atomic (temporary file, fsync, rename, fsync of the folder) and happen before the
database row commits, so a committed Photo row always has its file. A file whose row never
committed is harmless: keys include the content's hash, so it is never mistaken for another.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from flask import Flask, current_app


class FilePhotoStore:
    def __init__(self, root: Path):
        self.root = root

    def path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"photo key escapes the store: {key!r}")
        return path

    def save(self, *items: tuple[str, bytes]) -> None:
        """Write (key, data) pairs atomically; the folders are synced once at the end."""
        folders = set()
        for key, data in items:
            folders.add(self._write(key, data))
        for folder in folders:
            dir_fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    def _write(self, key: str, data: bytes) -> Path:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
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
        return target.parent

    def exists(self, key: str) -> bool:
        return self.path(key).exists()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


def photo_store() -> FilePhotoStore:
    return current_app.extensions["patrol_photo_store"]


def init_app(app: Flask) -> None:
    root = Path(app.config.get("PHOTO_DIR") or Path(app.instance_path) / "photos")
    root.mkdir(parents=True, exist_ok=True)
    app.extensions["patrol_photo_store"] = FilePhotoStore(root)
