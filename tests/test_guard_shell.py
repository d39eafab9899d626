"""The guard app's server side: one shell for every screen URL, the worker and manifest."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from flask_babel import force_locale

from patrol.guard.pages import APP_DATA_URL, SCREEN_PATHS, SCREENS, build_shell_manifest
from patrol.labels import CATEGORY_LABELS, LEVEL_LABELS


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


def test_worker_version_follows_the_content_of_the_files(app, tmp_path, monkeypatch):
    """A new deployment (any precached file changed) gives new worker bytes, which is what
    makes the phones install the update."""
    static = tmp_path / "static"
    shutil.copytree(app.static_folder, static)
    monkeypatch.setattr(app, "static_folder", str(static))
    deployment = app
    first = build_shell_manifest(deployment)
    assert build_shell_manifest(deployment).version == first.version
    css = static / "css" / "app.css"
    css.write_bytes(css.read_bytes() + b"\n/* a new deployment */\n")
    second = build_shell_manifest(deployment)
    assert second.version != first.version
    assert second.service_worker != first.service_worker


def served_worker(client) -> str:
    return client.get("/service-worker.js").data.decode()


def test_screen_paths_reach_the_worker_from_the_one_server_list(client):
    source = served_worker(client)
    paths = json.loads(re.search(r"const SHELL_PATHS = new Set\((\[.*?\])\);", source).group(1))
    assert paths == list(SCREEN_PATHS)
    app_data = client.get(APP_DATA_URL).data.decode()
    screens = json.loads(re.search(r"export const SCREENS = (\{.*?\});", app_data).group(1))
    assert screens == SCREENS
    # No second copy of the paths in the client's sources.
    app_js = Path(client.application.static_folder, "js", "app.js").read_text(encoding="utf-8")
    assert '"/end-shift"' not in app_js and '"/checkin"' not in app_js


def test_client_labels_are_the_servers_in_both_languages(app, client):
    """Issue 8, defect 4: the guard app's category and level labels are generated from
    patrol/labels.py, so they cannot disagree with the review pages and push messages."""
    response = client.get(APP_DATA_URL)
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    source = response.data.decode()
    served = {
        name: json.loads(re.search(rf"export const {name} = (\{{.*?\}});\n", source).group(1))
        for name in ("CATEGORY_LABELS", "LEVEL_LABELS")
    }
    for name, table in (("CATEGORY_LABELS", CATEGORY_LABELS), ("LEVEL_LABELS", LEVEL_LABELS)):
        assert list(served[name]) == list(table)
        for language in ("sv", "en"):
            with app.test_request_context(), force_locale(language):
                expected = {key: str(text) for key, text in table.items()}
            assert {key: texts[language] for key, texts in served[name].items()} == expected
    assert served["CATEGORY_LABELS"]["intrusion"]["sv"] == "Obehöriga i fastigheten"
    assert served["LEVEL_LABELS"]["acute"]["sv"] == "Akut allvarlig händelse"
    # The client keeps no list of its own.
    i18n = Path(app.static_folder, "js", "i18n.js").read_text(encoding="utf-8")
    assert "Obehöriga" not in i18n and "cat_intrusion:" not in i18n
    assert APP_DATA_URL in json.loads(
        re.search(r"const PRECACHE_URLS = (\[.*?\]);", served_worker(client)).group(1)
    )


def test_supervisor_scripts_are_not_precached_for_the_guard(client):
    source = served_worker(client)
    urls = json.loads(re.search(r"const PRECACHE_URLS = (\[.*?\]);", source).group(1))
    assert not [url for url in urls if "/review" in url or "/js/push/" in url]
    assert client.get("/static/js/review/desk.js").status_code == 200


def test_module_worker_imports_the_sync_engine_and_the_classic_one_does_not(client):
    """Issue 10, point 15: one source, two forms. The module form (Background Sync browsers)
    imports the page's own sync engine; the classic one keeps importScripts and syncs through
    the open page."""
    classic = served_worker(client)
    module = client.get("/service-worker-module.js")
    assert module.status_code == 200 and module.headers["Service-Worker-Allowed"] == "/"
    module_source = module.data.decode()
    assert 'import { replayOutbox } from "/static/js/sw-sync.js";' in module_source
    assert "importScripts(" not in module_source
    assert 'importScripts("/static/js/sw-push.js");' in classic
    assert "const replayOutbox = null;" in classic and "\nimport " not in classic
    # Everything else is the same worker, same version.
    version = re.search(r'const VERSION = "(\w+)";', classic).group(1)
    assert f'const VERSION = "{version}";' in module_source


STATIC_IMPORT = re.compile(
    r'^(?:import\s*|(?:import|export)\b[^;"\']*?\bfrom\s*)["\']([^"\']+)["\']', re.M
)


def static_imports(url: str, client) -> set[str]:
    """The modules `url` imports statically (import ... from, import "x", export ... from), as
    site paths; dynamic import() calls are not followed: they load later."""
    source = client.get(url).data.decode()
    base = url.rsplit("/", 1)[0] + "/"
    found = set()
    for spec in STATIC_IMPORT.findall(source):
        found.add(spec if spec.startswith("/") else base + spec.removeprefix("./"))
    return found


def test_the_shell_preloads_exactly_the_modules_of_the_first_screen(client):
    """Issue 25, point 5: every module app.js needs before its first screen (its static import
    graph) is a modulepreload in the shell, so they are requested together instead of one
    import level after another; and nothing else is (other screens load when opened)."""
    graph: set[str] = set()
    todo = ["/static/js/app.js"]
    while todo:
        url = todo.pop()
        if url in graph:
            continue
        graph.add(url)
        todo.extend(static_imports(url, client))
    shell = client.get("/").data.decode()
    preloads = re.findall(r'<link rel="modulepreload" href="([^"]+)">', shell)
    assert len(preloads) == len(set(preloads))
    assert set(preloads) == graph
    # Found by the parser, not only by the list: a multi-line import, and a deep level.
    assert {"/static/js/db.js", "/static/js/nights.js", "/static/js/geo.js"} <= graph
    assert "/static/js/push.js" not in graph and "/static/js/home-cards.js" not in graph
