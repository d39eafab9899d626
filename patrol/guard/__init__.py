"""The guard app: the offline-first PWA shell, its service worker and manifest.

The server's part is small on purpose: it serves one static HTML shell (the same bytes for
every user, so the service worker can precache it) under every guard screen URL, and the
service worker with the precache list and a cache name derived from the content of the
precached files, so that a new deployment reaches the phones.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from patrol.guard.pages import bp, build_shell_manifest

    app.extensions["patrol_guard_shell"] = build_shell_manifest(app)
    app.register_blueprint(bp)
