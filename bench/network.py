"""The guard's sync on an emulated mobile link (issue 25, point 2): `bench/client.py --network`.

    python bench/client.py --network 4g   (or 3g; --runs 5)

Two loads (the photo load on 4g, the records on 3g; both with --all-loads), queued through records.js as the report screen queues them: 10 reports with 20
photos (about 2.5 MB) and 30 reports without photos. Each is sent, in alternating runs, by

- the sync engine as it is (records in batches of up to 50, photos three at a time),
- the same engine as it was ("syncTuning" {batchSize: 1, photosInFlight: 1}: one request at a
  time, the loop of before), and
- Workbox's background-sync `Queue` (npm workbox-background-sync, bundled for the bench only
  in bench/workbox/, served by the bench app, never by the app), replaying the same bodies
  under new ids, one after another.

Printed per load: the median time of each, the link's limit (the bodies' bytes / the upload
rate + one round trip) and each one's ratio to it.

How the link is emulated: Chromium's CDP Network.emulateNetworkConditions. A page's CDP
session throttles only that page's requests, not those of its service worker (which may run a
sync pass itself, Background Sync): so a browser-level CDP session (Browser.newBrowserCDPSession)
lists the targets (Target.getTargets), attaches to each service worker target
(Target.attachToTarget, flatten false) and sends it the same Network.enable and
Network.emulateNetworkConditions through Target.sendMessageToTarget. Going offline and online
is the same command with `offline` true or false, so the app's own `online` trigger starts the
timed sync on the throttled link.
"""

from __future__ import annotations

import base64
import json
import statistics
from pathlib import Path

HERE = Path(__file__).resolve().parent

NETWORKS = {
    "4g": {"rtt_ms": 80, "up_mbit": 5.0, "down_mbit": 20.0},
    "3g": {"rtt_ms": 300, "up_mbit": 0.4, "down_mbit": 1.6},
}
# name -> (reports, photos per report, target ratio to the link's limit and its network)
LOADS = {
    "10 reports + 20 photos": (10, 2, (1.25, "4g")),
    "30 reports, no photos": (30, 0, (3.0, "3g")),
}
BATCHED = {"batchSize": 50, "photosInFlight": 3}
ONE_BY_ONE = {"batchSize": 1, "photosInFlight": 1}


class Link:
    """The emulated link for the page and every service worker of the browser."""

    def __init__(self, browser, context, page, network: dict):
        self.page_session = context.new_cdp_session(page)
        self.page_session.send("Network.enable")
        self.browser_session = browser.new_browser_cdp_session()
        self.workers: dict[str, str] = {}  # target id -> session id
        self.network = network
        self.message_id = 0

    def conditions(self, offline: bool) -> dict:
        n = self.network
        return {
            "offline": offline,
            "latency": n["rtt_ms"],
            "downloadThroughput": n["down_mbit"] * 1_000_000 / 8,
            "uploadThroughput": n["up_mbit"] * 1_000_000 / 8,
        }

    def _to_worker(self, session_id: str, method: str, params: dict) -> None:
        self.message_id += 1
        message = {"id": self.message_id, "method": method, "params": params}
        self.browser_session.send(
            "Target.sendMessageToTarget", {"sessionId": session_id, "message": json.dumps(message)}
        )

    def set(self, offline: bool) -> None:
        conditions = self.conditions(offline)
        targets = self.browser_session.send("Target.getTargets")["targetInfos"]
        for target in targets:
            if target["type"] == "service_worker" and target["targetId"] not in self.workers:
                attached = self.browser_session.send(
                    "Target.attachToTarget", {"targetId": target["targetId"], "flatten": False}
                )
                self.workers[target["targetId"]] = attached["sessionId"]
                self._to_worker(attached["sessionId"], "Network.enable", {})
        for session_id in self.workers.values():
            self._to_worker(session_id, "Network.emulateNetworkConditions", conditions)
        self.page_session.send("Network.emulateNetworkConditions", conditions)


def queue_load(page, prepared: list[str], reports: int, per_report: int) -> int:
    """Offline: a shift and `reports` reports with `per_report` photos each, through
    records.js; a copy of every queued request is kept for Workbox. Returns the bodies' bytes."""
    return page.evaluate(
        """async ([prepared, reports, perReport]) => {
            const records = await import("/static/js/records.js");
            const { preparePhoto } = await import("/static/js/photos.js");
            const photos = [];
            for (const [i, data] of prepared.entries()) {
              const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
              photos.push(await preparePhoto(new File([bytes], `p${i}.jpg`, { type: "image/jpeg" })));
            }
            const property = records.allProperties(await records.sites())[0];
            const shift = await records.startShift();
            for (let r = 0; r < reports; r++) {
              const own = [];
              for (let p = 0; p < perReport; p++) own.push({ id: crypto.randomUUID(), ...photos[(r * perReport + p) % photos.length] });
              await records.saveReport(
                shift,
                { propertyId: String(property.id), checkpointId: "", category: "graffiti",
                  level: "preventive", description: `Bänkrapport ${r + 1}: klotter på porten mot gården, cirka en meter brett.` },
                own, null, `Klotter ${r + 1}`);
            }
            const { list, bodyOf } = await import("/static/js/outbox.js");
            const entries = await list();
            window.__benchBodies = await Promise.all(entries.map(async (e) => ({ ...e, body: await bodyOf(e) })));
            return window.__benchBodies.reduce(
              (sum, e) => sum + (e.body instanceof Blob ? e.body.size : new TextEncoder().encode(JSON.stringify(e.body)).length), 0);
        }""",
        [prepared, reports, per_report],
    )


def set_tuning(page, tuning: dict) -> None:
    page.evaluate(
        "async (t) => (await import('/static/js/db.js')).setValue('syncTuning', t)", tuning
    )


def timed_sync(page, link: Link) -> float:
    """Online on the emulated link; ms from the `online` event to an empty outbox."""
    page.evaluate(
        """() => {
            window.__benchDone = new Promise((resolve) => {
              window.addEventListener("online", () => {
                const t0 = performance.now();
                const poll = () => {
                  const open = indexedDB.open("nattpatrull");
                  open.onsuccess = () => {
                    const count = open.result.transaction("outbox").objectStore("outbox").count();
                    count.onsuccess = () => {
                      open.result.close();
                      if (count.result === 0) resolve(performance.now() - t0);
                      else setTimeout(poll, 10);
                    };
                  };
                };
                poll();
              }, { once: true });
            });
        }"""
    )
    link.set(offline=False)
    ms = page.evaluate(
        "() => Promise.race([window.__benchDone, new Promise((r) => setTimeout(() => r(null), 180000))])"
    )
    if ms is None:  # say what is left rather than hang
        left = page.evaluate(
            """async () => (await (await import("/static/js/outbox.js")).list())
                .map((e) => `${e.kind} ${e.state} ${e.lastStatus} ${e.lastMessage}`)"""
        )
        raise RuntimeError(f"the sync did not finish in 180 s; left: {left[:5]} ({len(left)})")
    return ms


def timed_workbox(page, run: int) -> float:
    """The queued bodies under new ids, replayed by Workbox's Queue (one request after
    another, as Workbox does): ms for queue.replayRequests()."""
    return page.evaluate(
        """async (run) => {
            // The Queue expects a service worker's `registration`; in a window it gets none
            // and forceSyncFallback (it replays when told to).
            self.registration = self.registration || {};
            const { Queue } = await import("/bench/workbox/workbox-background-sync.js");
            const me = await (await fetch("/api/v1/me", { cache: "no-store" })).json();
            const ids = new Map();
            const fresh = (text) => text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
              (id) => ids.get(id) || (ids.set(id, crypto.randomUUID()), ids.get(id)));
            const queue = new Queue(`bench-${run}`, { forceSyncFallback: true, maxRetentionTime: 60 });
            for (const e of window.__benchBodies) {
              const headers = { ...e.headers, "X-CSRFToken": me.csrf_token, "X-Client-Time": new Date().toISOString() };
              let body = e.body;
              if (!(body instanceof Blob)) { body = fresh(JSON.stringify(body)); headers["Content-Type"] = "application/json"; }
              await queue.pushRequest({ request: new Request(fresh(e.url), { method: e.method, headers, body }) });
            }
            const t0 = performance.now();
            await queue.replayRequests();
            return performance.now() - t0;
        }""",
        run,
    )


def prepared_photos(jpeg_of) -> list[str]:
    """Four distinct camera photos, about 125 KB each once the phone has scaled them."""
    return [base64.b64encode(jpeg_of(seed)).decode() for seed in range(4)]


def run(args, make_app, serve, login, chromium, chromium_args, camera_jpeg) -> None:
    import tempfile

    from playwright.sync_api import sync_playwright

    network = NETWORKS[args.network]
    # Each load on the link the issue measured it on (the photo load on 3G alone would take
    # a minute a run); --all-loads runs both.
    loads = {
        name: load for name, load in LOADS.items() if args.all_loads or load[2][1] == args.network
    }
    results: dict[str, dict[str, list[float]]] = {}
    sizes: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="nattpatrull-bench-net-") as tmp_name:
        app = make_app(Path(tmp_name))
        from flask import send_from_directory

        app.add_url_rule(
            "/bench/workbox/<path:name>",
            "bench_workbox",
            lambda name: send_from_directory(HERE / "workbox", name, mimetype="text/javascript"),
        )
        server, base = serve(app)
        prepared = prepared_photos(lambda seed: camera_jpeg(1000, 750, seed))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium, args=chromium_args, headless=True
            )
            context = browser.new_context(viewport={"width": 390, "height": 844})
            page = context.new_page()
            login(page, base)
            link = Link(browser, context, page, network)
            for name, (reports, per_report, _target) in loads.items():
                times = results.setdefault(name, {"batched": [], "one by one": [], "Workbox": []})
                for number in range(args.runs):
                    # Alternating: as it is, as it was, Workbox, in every run.
                    for mode, tuning in (("batched", BATCHED), ("one by one", ONE_BY_ONE)):
                        set_tuning(page, tuning)
                        link.set(offline=True)
                        page.wait_for_function("() => !navigator.onLine")
                        sizes[name] = queue_load(page, prepared, reports, per_report)
                        times[mode].append(timed_sync(page, link))
                    times["Workbox"].append(timed_workbox(page, number))
                    print(
                        f"  run {number + 1}, {name}: "
                        + ", ".join(f"{mode} {t[-1] / 1000:.2f} s" for mode, t in times.items()),
                        flush=True,
                    )
            set_tuning(page, BATCHED)
            browser.close()
        server.shutdown()

    print(
        f"Nattpatrull guard sync on an emulated {args.network} link ({network['rtt_ms']} ms round "
        f"trip, {network['up_mbit']} Mbit/s up, {network['down_mbit']} down; Chromium CDP, page "
        f"and service worker); medians of {args.runs} alternating runs"
    )
    for name, (_reports, _per, (target, target_network)) in loads.items():
        limit = sizes[name] * 8 / (network["up_mbit"] * 1_000_000) * 1000 + network["rtt_ms"]
        line = [f"{name} ({sizes[name] / 1024:.0f} KB): link's limit {limit / 1000:.2f} s"]
        for mode, times in results[name].items():
            median = statistics.median(times)
            line.append(f"{mode} {median / 1000:.2f} s ({median / limit:.2f}x)")
        if target_network == args.network:
            line.append(f"target <= {target:.2f}x and ahead of Workbox")
        print("  " + "; ".join(line))
