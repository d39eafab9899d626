"""Guard app routes: the shell at `/`, `/c/<token>` and the other screen URLs, and
`/service-worker.js` and `/manifest.json` from the site root (scope `/`)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, request

from patrol.config import ROOT

bp = Blueprint("guard", __name__)

SHELL_FILE = Path(__file__).resolve().parent / "shell.html"
SERVICE_WORKER_FILE = ROOT / "service-worker.js"
MANIFEST_FILE = ROOT / "manifest.json"

# The guard screens. Every one answers with the same shell; the JS router draws the screen.
SCREEN_PATHS = ("/", "/checkin", "/report", "/log", "/end-shift", "/resident-info", "/walk")

# What the service worker precaches besides the shell (relative to static/). Top-level JS
# modules only: other features' scripts in sub-folders are not part of the guard app.
PRECACHE_GLOBS = (
    "css/theme.css",
    "css/app.css",
    "css/push.css",
    "js/*.js",
    "icons/*.png",
    "vendor/**/*.js",
)


@dataclass(frozen=True)
class ShellManifest:
    """The precache list and the version derived from the content of every listed file."""

    urls: tuple[str, ...]
    version: str
    service_worker: bytes


def build_shell_manifest(app: Flask) -> ShellManifest:
    """Hash the shell, the service worker source, the manifest and every precached static file.

    Computed once at app start: a deployment changes the files, which changes the version, which
    changes the service worker's bytes, which makes the phones install the new worker.
    """
    static = Path(app.static_folder)
    files: list[tuple[str, Path]] = []
    for pattern in PRECACHE_GLOBS:
        for path in sorted(static.glob(pattern)):
            if path.is_file():
                files.append((f"/static/{path.relative_to(static).as_posix()}", path))
    digest = hashlib.sha256()
    for name, path in [("/", SHELL_FILE), ("/manifest.json", MANIFEST_FILE)] + files:
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    sw_source = SERVICE_WORKER_FILE.read_text(encoding="utf-8")
    digest.update(sw_source.encode())
    version = digest.hexdigest()[:16]
    urls = ("/", "/manifest.json", *(name for name, _ in files))
    worker = sw_source.replace('"__VERSION__"', json.dumps(version)).replace(
        "__PRECACHE_URLS__", json.dumps(list(urls))
    )
    return ShellManifest(urls=urls, version=version, service_worker=worker.encode())


def shell_manifest() -> ShellManifest:
    return current_app.extensions["patrol_guard_shell"]


def _no_cache(response: Response) -> Response:
    # The service worker decides what is served from its cache; the HTTP cache must not keep
    # an old shell or worker around behind its back.
    response.headers["Cache-Control"] = "no-cache"
    return response


def shell_response() -> Response:
    response = Response(SHELL_FILE.read_bytes(), mimetype="text/html")
    response.set_etag(shell_manifest().version)
    return _no_cache(response.make_conditional(request))


def _register_screens() -> None:
    for path in SCREEN_PATHS:
        endpoint = "screen_" + (path.strip("/").replace("-", "_") or "home")
        bp.add_url_rule(path, endpoint, shell_response)


_register_screens()


@bp.get("/c/<token>")
def checkpoint_link(token: str):
    """A checkpoint's QR code: the shell reads the token from the URL (offline too)."""
    return shell_response()


@bp.get("/service-worker.js")
def service_worker():
    response = Response(shell_manifest().service_worker, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    return _no_cache(response)


@bp.get("/manifest.json")
def manifest():
    response = Response(MANIFEST_FILE.read_bytes(), mimetype="application/manifest+json")
    return _no_cache(response)
