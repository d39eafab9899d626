"""The sites document at an operator's full size (issue 9): 300 properties, 3,000 checkpoints.

    .venv/bin/python bench/sites.py            (or: --runs 10)

Measured side by side in one run, against today's demo area (9 properties, 29 checkpoints):
1. Size of GET /api/v1/sites, raw and gzip-compressed (level 6, what a reverse proxy sends).
2. Time to build it on the server (median of N requests through the app, SQLite).
3. The guard app's offline cold start (new tab, offline, navigation -> home screen ready,
   performance mark "nattpatrull-ready") with the large document cached vs the demo's, medians
   of N alternating runs, and their ratio. Two guards: one assigned to the demo area, one to the
   large area, each with its own browser context.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.client import CHROMIUM, CHROMIUM_ARGS, PASSWORD, make_app, serve  # noqa: E402
from tests.support.app import Api  # noqa: E402
from tests.support.guard_browser import wait_for_sites  # noqa: E402

PROPERTIES = 300
CHECKPOINTS_PER_PROPERTY = 10
LABELS = (
    "Entré",
    "Trapphus A",
    "Trapphus B",
    "Tvättstuga",
    "Cykelrum",
    "Källare",
    "Garage",
    "Soprum",
    "Gård",
    "Vind",
)


def add_large_area() -> None:
    """A second area with 300 properties x 10 checkpoints, a third of them with instructions,
    and the guards: `guard` keeps the demo area, `bigguard` gets the large one."""
    from patrol.auth.actions import create_user
    from patrol.auth.models import User
    from patrol.db import db, utcnow
    from patrol.sites.models import Area, Checkpoint, Organization, Property

    area = Area(name="Storstaden", city="Malmö", duty_phone="040-123 45 67")
    owner = Organization(name="Stora Bostadsbolaget AB")
    db.session.add_all([area, owner])
    for number in range(PROPERTIES):
        lat, lon = 55.55 + (number % 30) * 0.002, 12.95 + (number // 30) * 0.003
        prop = Property(
            area=area,
            organization=owner,
            name=f"Storgatan {number + 1}",
            address=f"Storgatan {number + 1}, 211 {number % 100:02d} Malmö",
            lat=lat,
            lon=lon,
            instructions="Larmet i källaren går till Securitas." if number % 3 == 0 else "",
            instructions_changed_at=utcnow() if number % 3 == 0 else None,
        )
        db.session.add(prop)
        for index, label in enumerate(LABELS[:CHECKPOINTS_PER_PROPERTY]):
            db.session.add(
                Checkpoint(
                    property=prop,
                    label=label,
                    short_code=f"B{number:03d}{index}",
                    lat=lat + index * 0.00003,
                    lon=lon + index * 0.00003,
                    radius_m=40.0,
                    instructions="Polisen först vid akut händelse." if index == 0 else "",
                )
            )
    db.session.commit()
    demo = db.session.scalar(sa.select(Area).where(Area.name != "Storstaden"))
    guard = db.session.scalar(sa.select(User).where(User.username == "guard"))
    guard.areas = [demo]
    create_user("bigguard", PASSWORD, "guard", "Väktare Stor").areas = [area]
    db.session.commit()


def document_figures(app, username: str, runs: int) -> tuple[int, int, float, int]:
    """(raw bytes, gzip bytes, median build ms, checkpoints) of this guard's sites document."""
    api = Api(app)
    assert api.login(username, PASSWORD).status_code == 200
    times = []
    body = b""
    for _ in range(runs):
        start = time.perf_counter()
        answer = api.get("/api/v1/sites")
        times.append((time.perf_counter() - start) * 1000)
        body = answer.data
    document = answer.json
    checkpoints = sum(len(p["checkpoints"]) for a in document["areas"] for p in a["properties"])
    return (
        len(body),
        len(gzip.compress(body, compresslevel=6)),
        statistics.median(times),
        checkpoints,
    )


def guard_page(browser, base: str, username: str):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(base + "/")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.get_by_role("heading", name="Nattpass").wait_for()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
    wait_for_sites(page)  # the sites document is cached in IndexedDB
    return context, page


def cold_start(context, base: str) -> float:
    page = context.new_page()
    page.goto(base + "/")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    ms = page.evaluate("() => performance.getEntriesByName('nattpatrull-ready')[0].startTime")
    page.close()
    return ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="nattpatrull-bench-") as tmp_name:
        app = make_app(Path(tmp_name))
        with app.app_context():
            add_large_area()
        small = document_figures(app, "guard", args.runs)
        large = document_figures(app, "bigguard", args.runs)
        server, base = serve(app)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            contexts = {name: guard_page(browser, base, name)[0] for name in ("guard", "bigguard")}
            starts: dict[str, list[float]] = {"guard": [], "bigguard": []}
            for context in contexts.values():
                context.set_offline(True)
            for _ in range(args.runs):  # alternating, so load on the machine hits both alike
                for name, context in contexts.items():
                    starts[name].append(cold_start(context, base))
            browser.close()
        server.shutdown()

    small_start, large_start = (statistics.median(starts[n]) for n in ("guard", "bigguard"))
    print(
        f"sites document, demo area: {small[3]} checkpoints, {small[0] / 1024:.1f} KB raw, "
        f"{small[1] / 1024:.1f} KB gzip, built in {small[2]:.1f} ms (median of {args.runs})"
    )
    print(
        f"sites document, {PROPERTIES} properties: {large[3]} checkpoints, "
        f"{large[0] / 1024:.1f} KB raw, {large[1] / 1024:.1f} KB gzip, "
        f"built in {large[2]:.1f} ms (median of {args.runs}); "
        f"build time ratio {large[2] / small[2]:.1f}x"
    )
    print(
        f"offline cold start to home ready: demo {small_start:.0f} ms, large {large_start:.0f} ms, "
        f"ratio {large_start / small_start:.2f} (medians of {args.runs}, alternating)"
    )


if __name__ == "__main__":
    main()
