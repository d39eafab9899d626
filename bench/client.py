"""Guard app client benchmark: one run, four figures (issue 3).

    /work/venv/bin/python bench/client.py            (or: python bench/client.py --runs 10)

1. App shell transfer size: every file the service worker precaches except the icons,
   gzip-compressed (level 6, what a typical reverse proxy sends). Target <= 100 KB.
2. Offline cold start: a new tab, offline, navigation -> home screen ready
   (performance mark "nattpatrull-ready"), median of N. Target <= 500 ms.
3. Photo scaling of a 12-megapixel JPEG on the phone (photos.js preparePhoto: decode with
   EXIF orientation, scale to 1600 px, JPEG encode, SHA-256): median time and output size.
4. Sync of 50 queued reports with 100 photos through the outbox, divided by the time the same
   browser needs to PUT the same bytes, one after another, to a raw sink endpoint that only
   reads the body. Target <= 1.5.

The server is this app on SQLite in a temporary folder, served on loopback by a thread (the
same set-up as the browser tests); the browser is Debian's Chromium through Playwright.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import io
import os
import statistics
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "bench-password-123"
REPORTS = 50
PHOTOS_PER_REPORT = 2


def make_app(tmp: Path):
    from flask import request

    from patrol import create_app
    from patrol.migrate import upgrade_database

    url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    upgrade_database(url)
    app = create_app(
        {
            "ENV": "development",
            "SECRET_KEY": "bench",
            "DATABASE_URL": url,
            "PHOTO_DIR": str(tmp / "photos"),
            "PASSWORD_HASH_TIME_COST": 1,
            "PASSWORD_HASH_MEMORY_KIB": 1024,
            "SESSION_COOKIE_SECURE": False,
        },
        instance_path=tmp / "instance",
    )

    # The raw sink: reads the body and answers 204. It passes the same CSRF check as the API.
    def sink(name):
        request.get_data(cache=False)
        return "", 204

    app.add_url_rule("/bench/sink/<path:name>", "bench_sink", sink, methods=["PUT"])

    # Time spent inside the app per PUT, to tell the server's share from the client's.
    import time

    from flask import g

    app.extensions["bench_put_seconds"] = {"api": 0.0, "sink": 0.0}

    @app.before_request
    def start_timer():
        g.bench_t0 = time.perf_counter()

    @app.teardown_request
    def stop_timer(_exc):
        if request.method == "PUT" and "bench_t0" in g:
            key = "sink" if request.path.startswith("/bench/") else "api"
            app.extensions["bench_put_seconds"][key] += time.perf_counter() - g.bench_t0

    with app.app_context():
        import sqlalchemy as sa

        from patrol.auth.models import User
        from patrol.auth.passwords import hash_password
        from patrol.db import db
        from patrol.sites.demo import seed_demo

        seed_demo()
        for user in db.session.scalars(sa.select(User)):
            user.password_hash = hash_password(PASSWORD)
        db.session.commit()
    return app


def serve(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def camera_jpeg(width=4000, height=3000) -> bytes:
    """A 12 MP camera-like JPEG (gradient and shapes, EXIF with GPS and orientation 1)."""
    import random

    from PIL import Image, ImageDraw

    rng = random.Random(7)
    small = Image.new("RGB", (400, 300))
    draw = ImageDraw.Draw(small)
    for y in range(300):
        draw.line([(0, y), (400, y)], fill=(40 + y // 3, 60, 120 - y // 4))
    for _ in range(60):
        x, y = rng.randrange(400), rng.randrange(300)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse([x, y, x + rng.randrange(5, 60), y + rng.randrange(5, 60)], fill=colour)
    image = small.resize((width, height), Image.BICUBIC)
    # Sensor noise, so the file is as large as a phone's (a few MB), not a smooth gradient.
    noise = Image.effect_noise((width, height), 24).convert("RGB")
    image = Image.blend(image, noise, 0.18)
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (55.0, 35.0, 12.0), 3: "E", 4: (13.0, 0.0, 53.0)}
    exif[0x010F] = "BenchCam"
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


# --- 1. shell size -----------------------------------------------------------------------


def shell_size(app) -> tuple[int, int, int]:
    """(raw bytes, gzip bytes, file count) of the precached shell without icons."""
    client = app.test_client()
    raw = packed = count = 0
    for url in app.extensions["patrol_guard_shell"].urls:
        if url.startswith("/static/icons/"):
            continue
        body = client.get(url).data
        raw += len(body)
        packed += len(gzip.compress(body, compresslevel=6))
        count += 1
    worker = client.get("/service-worker.js").data
    raw += len(worker)
    packed += len(gzip.compress(worker, compresslevel=6))
    return raw, packed, count + 1


# --- browser helpers ---------------------------------------------------------------------


def login(page, base):
    page.goto(base + "/")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    page.get_by_label("Användarnamn").fill("guard")
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.get_by_role("heading", name="Nattpass").wait_for()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)


def cold_starts(context, base, runs: int) -> list[float]:
    """New tab, offline, navigate: ms from navigation start to the home screen ready."""
    context.set_offline(True)
    times = []
    for _ in range(runs):
        page = context.new_page()
        page.goto(base + "/")
        page.wait_for_function("() => document.body.dataset.ready === '1'")
        times.append(
            page.evaluate("() => performance.getEntriesByName('nattpatrull-ready')[0].startTime")
        )
        page.close()
    context.set_offline(False)
    return times


def photo_scaling(page, jpeg: bytes, runs: int) -> tuple[list[float], int, tuple[int, int]]:
    data = base64.b64encode(jpeg).decode()
    result = page.evaluate(
        """async ([data, runs]) => {
            const { preparePhoto } = await import("/static/js/photos.js");
            const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
            const file = new File([bytes], "IMG_0001.jpg", { type: "image/jpeg" });
            const times = [];
            let last;
            for (let i = 0; i < runs; i++) {
              const t0 = performance.now();
              last = await preparePhoto(file);
              times.push(performance.now() - t0);
            }
            return { times, size: last.blob.size, width: last.width, height: last.height };
        }""",
        [data, runs],
    )
    return result["times"], result["size"], (result["width"], result["height"])


def queue_reports(page, jpeg: bytes) -> None:
    """Offline: a shift and 50 reports with 2 photos each, queued through records.js (the same
    code the report screen calls). Four distinct scaled photos are reused."""
    data = base64.b64encode(jpeg).decode()
    page.evaluate(
        """async ([data, reports, perReport]) => {
            const records = await import("/static/js/records.js");
            const { preparePhoto } = await import("/static/js/photos.js");
            const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
            const prepared = [];
            for (let i = 0; i < 4; i++) {
              prepared.push(await preparePhoto(new File([bytes], `p${i}.jpg`, { type: "image/jpeg" }), 1600 - i * 8));
            }
            const siteData = await records.sites();
            const property = records.allProperties(siteData)[0];
            const shift = await records.startShift();
            for (let r = 0; r < reports; r++) {
              const photos = [];
              for (let p = 0; p < perReport; p++) {
                photos.push({ id: crypto.randomUUID(), ...prepared[(r * perReport + p) % 4] });
              }
              await records.saveReport(
                shift,
                { propertyId: String(property.id), checkpointId: "", category: "graffiti",
                  level: "preventive", description: `Bänkrapport ${r + 1}` },
                photos,
                { lat: 55.5937, lon: 13.0101, accuracy_m: 10 },
                `Klotter ${r + 1}`
              );
            }
        }""",
        [data, REPORTS, PHOTOS_PER_REPORT],
    )


def snapshot_bodies(page) -> None:
    """Keep a copy of every queued request (URL, headers, body) for the raw baseline."""
    page.evaluate(
        """async () => new Promise((resolve, reject) => {
            const open = indexedDB.open("nattpatrull");
            open.onsuccess = () => {
              const tx = open.result.transaction(["outbox", "bodies"]);
              const all = tx.objectStore("outbox").getAll();
              const blobs = tx.objectStore("bodies").getAll();
              const keys = tx.objectStore("bodies").getAllKeys();
              tx.oncomplete = () => {
                const byId = new Map(keys.result.map((k, i) => [k, blobs.result[i]]));
                window.__benchBodies = all.result.map(e => e.bodyRef ? { ...e, body: byId.get(e.bodyRef) } : e);
                resolve(all.result.length);
              };
              tx.onerror = () => reject(tx.error);
            };
            open.onerror = () => reject(open.error);
          })"""
    )


def timed_sync(context, page) -> float:
    """Go online and time until the outbox is empty (the app's own `online` trigger)."""
    page.evaluate(
        """() => {
            window.__benchDone = new Promise(resolve => {
              window.addEventListener("online", () => {
                const t0 = performance.now();
                const poll = () => {
                  const open = indexedDB.open("nattpatrull");
                  open.onsuccess = () => {
                    const count = open.result.transaction("outbox").objectStore("outbox").count();
                    count.onsuccess = () => {
                      open.result.close();
                      if (count.result === 0) resolve(performance.now() - t0);
                      else setTimeout(poll, 20);
                    };
                  };
                };
                poll();
              }, { once: true });
            });
        }"""
    )
    context.set_offline(False)
    return page.evaluate("() => window.__benchDone", None)


def queue_for_sink(page) -> None:
    """The same entries again, pointed at the sink: the sync engine's own cost, with the
    server's work taken out (new ids, same order, same dependencies, same bodies)."""
    page.evaluate(
        """async () => {
            const { enqueueAll } = await import("/static/js/outbox.js");
            const ids = new Map(window.__benchBodies.map(e => [e.id, crypto.randomUUID()]));
            await enqueueAll(window.__benchBodies.map(e => ({
              id: ids.get(e.id), method: e.method, url: `/bench/sink/${ids.get(e.id)}`,
              headers: e.headers, body: e.body, kind: e.kind, label: e.label,
              createdAt: e.createdAt, dependsOn: e.dependsOn ? ids.get(e.dependsOn) : null,
            })));
        }"""
    )


def timed_raw_puts(page, lanes: int = 1) -> float:
    """The same bodies and headers PUT to the raw sink: one after another (lanes=1, as the
    sync engine sends them), or with `lanes` requests in flight."""
    return page.evaluate(
        """async (lanes) => {
            const me = await (await fetch("/api/v1/me", { cache: "no-store" })).json();
            const queue = [...window.__benchBodies];
            const t0 = performance.now();
            const worker = async () => {
              for (let e; (e = queue.shift()); ) {
                const headers = { ...e.headers, "X-CSRFToken": me.csrf_token, "X-Client-Time": new Date().toISOString() };
                let body = e.body;
                if (!(body instanceof Blob)) { body = JSON.stringify(body); headers["Content-Type"] = "application/json"; }
                const response = await fetch(`/bench/sink/${e.id}`, { method: "PUT", headers, body });
                if (response.status !== 204) throw new Error(`sink answered ${response.status}`);
              }
            };
            await Promise.all(Array.from({ length: lanes }, worker));
            return performance.now() - t0;
        }""",
        lanes,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="cold starts and photo scalings")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="nattpatrull-bench-") as tmp_name:
        tmp = Path(tmp_name)
        app = make_app(tmp)
        server, base = serve(app)
        jpeg = camera_jpeg()
        raw, packed, files = shell_size(app)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            context = browser.new_context(viewport={"width": 390, "height": 844})
            page = context.new_page()
            login(page, base)
            starts = cold_starts(context, base, args.runs)
            scale_times, scaled_size, scaled_dims = photo_scaling(page, jpeg, args.runs)

            page.goto(base + "/")
            page.wait_for_function("() => document.body.dataset.ready === '1'")
            context.set_offline(True)
            queue_reports(page, jpeg)
            snapshot_bodies(page)
            sync_ms = timed_sync(context, page)
            raw_ms = timed_raw_puts(page)
            raw3_ms = timed_raw_puts(page, lanes=3)
            context.set_offline(True)
            queue_for_sink(page)
            engine_ms = timed_sync(context, page)
            browser.close()
        server.shutdown()
        server_seconds = dict(app.extensions["bench_put_seconds"])

        with app.app_context():
            import sqlalchemy as sa

            from patrol.db import db
            from patrol.reports.models import Photo, Report

            arrived = (
                db.session.scalar(sa.select(sa.func.count()).select_from(Report)),
                db.session.scalar(sa.select(sa.func.count()).select_from(Photo)),
            )

    print("Nattpatrull guard app - client benchmark (one run)")
    print(
        f"1. app shell: {files} files, {raw / 1024:.1f} KB raw, "
        f"{packed / 1024:.1f} KB gzip-compressed transfer (target <= 100 KB, icons excluded)"
    )
    print(
        f"2. offline cold start to home ready: median {statistics.median(starts):.0f} ms "
        f"of {len(starts)} (min {min(starts):.0f}, max {max(starts):.0f}; target <= 500 ms)"
    )
    print(
        f"3. photo scaling 4000x3000 JPEG ({len(jpeg) / 1024 / 1024:.1f} MB) -> "
        f"{scaled_dims[0]}x{scaled_dims[1]}: median {statistics.median(scale_times):.0f} ms "
        f"of {len(scale_times)}, output {scaled_size / 1024:.0f} KB"
    )
    print(
        f"4. sync {REPORTS} reports + {REPORTS * PHOTOS_PER_REPORT} photos: {sync_ms:.0f} ms; "
        f"raw PUTs of the same bytes to a sink: {raw_ms:.0f} ms; "
        f"ratio {sync_ms / raw_ms:.2f} (target <= 1.5); arrived: {arrived[0]} reports, "
        f"{arrived[1]} photos"
    )
    print(
        f"   time inside the server for those PUTs (summed over requests): "
        f"API {server_seconds['api'] * 1000:.0f} ms, sink {server_seconds['sink'] * 1000:.0f} ms"
    )
    print(f"   raw PUTs with 3 in flight: {raw3_ms:.0f} ms; sync / that: {sync_ms / raw3_ms:.2f}")
    print(
        f"   the sync engine alone (same entries through the outbox, PUT to the sink): "
        f"{engine_ms:.0f} ms; / raw sequential {engine_ms / raw_ms:.2f}; "
        f"/ raw 3 in flight {engine_ms / raw3_ms:.2f}"
    )


if __name__ == "__main__":
    main()
