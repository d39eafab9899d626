"""The guard app's server side: one shell for every screen URL, the worker and manifest."""

from __future__ import annotations

import json
import re
import shutil
from types import SimpleNamespace

from patrol.guard.pages import SCREEN_PATHS, build_shell_manifest


def test_every_screen_url_serves_the_same_shell_bytes(client):
    bodies = {client.get(path).data for path in (*SCREEN_PATHS, "/c/some-token")}
    assert len(bodies) == 1
    shell = bodies.pop().decode()
    assert '<script type="module" src="/static/js/app.js">' in shell
    # CSP forbids inline script and style: the shell has neither.
    assert not re.search(r"<script(?![^>]*\bsrc=)", shell)
    assert "<style" not in shell and "style=" not in shell
    assert re.search(r"\son[a-z]+=", shell) is None


def test_shell_is_public_and_secured(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-cache"
    assert client.get("/", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_service_worker_and_manifest_from_the_site_root(app, client):
    worker = client.get("/service-worker.js")
    assert worker.status_code == 200
    assert worker.mimetype == "text/javascript"
    assert worker.headers["Service-Worker-Allowed"] == "/"
    source = worker.data.decode()
    version = app.extensions["patrol_guard_shell"].version
    assert f'const VERSION = "{version}";' in source
    urls = json.loads(re.search(r"const PRECACHE_URLS = (\[.*?\]);", source).group(1))
    assert {"/", "/manifest.json", "/static/js/app.js", "/static/js/i18n.js"} <= set(urls)
    assert "/static/css/app.css" in urls and "/static/icons/icon-192.png" in urls
    for url in urls:
        assert client.get(url).status_code == 200, url

    manifest = client.get("/manifest.json")
    assert manifest.mimetype == "application/manifest+json"
    assert manifest.json["lang"] == "sv" and manifest.json["start_url"] == "/"


def test_worker_version_follows_the_content_of_the_files(app, tmp_path):
    """A new deployment (any precached file changed) gives new worker bytes, which is what
    makes the phones install the update."""
    static = tmp_path / "static"
    shutil.copytree(app.static_folder, static)
    deployment = SimpleNamespace(static_folder=str(static))
    first = build_shell_manifest(deployment)
    assert build_shell_manifest(deployment).version == first.version
    css = static / "css" / "app.css"
    css.write_bytes(css.read_bytes() + b"\n/* a new deployment */\n")
    second = build_shell_manifest(deployment)
    assert second.version != first.version
    assert second.service_worker != first.service_worker
