"""Static files with a content digest in their URL (issue Operations, point 1).

Every `url_for("static", filename=...)` gets `?v=<first 12 hex of the file's SHA-256>`, so a
deployment changes the URL of every changed file and a browser (or nginx, which serves
/static/ itself in deploy/nginx-nattpatrull.conf) may cache such a URL for a year. A URL without
the digest, or with an old one, is answered `no-cache` (revalidated): the guard app's ES modules
import each other by plain name, and the service worker's cache (named after the digest of what
it precaches) is what keeps the guard app offline.
"""

from __future__ import annotations

import hashlib
import os

from flask import Flask, request

IMMUTABLE = "public, max-age=31536000, immutable"


def init_app(app: Flask) -> None:
    digests: dict[str, tuple[float, str]] = {}

    def digest(filename: str) -> str | None:
        path = os.path.join(app.static_folder, filename)
        try:
            mtime = os.stat(path).st_mtime
        except OSError:
            return None
        known = digests.get(filename)
        if known is None or known[0] != mtime:
            with open(path, "rb") as handle:
                known = (mtime, hashlib.sha256(handle.read()).hexdigest()[:12])
            digests[filename] = known
        return known[1]

    @app.url_defaults
    def add_digest(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values and "filename" in values:
            version = digest(values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def static_cache(response):
        if request.endpoint == "static" and response.status_code in (200, 304):
            filename = (request.view_args or {}).get("filename", "")
            current = digest(filename)
            fresh = current is not None and request.args.get("v") == current
            response.headers["Cache-Control"] = IMMUTABLE if fresh else "no-cache"
        return response
