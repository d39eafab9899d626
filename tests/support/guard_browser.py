"""Helpers for browser tests of the guard app (reusable by other features' tests).

Everything waits on conditions (Playwright's expect / wait_for_function, and poll() for
asynchronous checks such as IndexedDB), never on fixed sleeps: CI runs on a small, busy machine.

Typical use:

    context = guard_context(browser)
    page = context.new_page()
    login(page, live_server.url)
    go_offline(context, page)
    start_shift(page)
    check_in_with_code(page, "S101")
    ...
    go_online(context)
    wait_until_all_sent(page)
"""

from __future__ import annotations

# Note: wait_for_function gets arrow functions, never bare expressions: Playwright evaluates
# an expression with eval(), which the app's Content-Security-Policy (rightly) forbids.
import io
import random
import time

import sqlalchemy as sa
from PIL import Image, ImageDraw
from playwright.sync_api import BrowserContext, Page, expect
from playwright.sync_api import Error as PlaywrightError

from tests.support.app import TEST_PASSWORD

PHONE = {"width": 390, "height": 844}
# Södra Sofielund, Malmö: near the demo properties.
MALMO = {"latitude": 55.5937, "longitude": 13.0101, "accuracy": 12}
SYNC_TIMEOUT_MS = 90_000


def poll(page: Page, script: str, arg=None, timeout: int = 30_000, what: str = "condition"):
    """Evaluate `script` (an async JS function) until it returns something truthy.

    page.wait_for_function does not await a returned Promise (a Promise is truthy), and
    IndexedDB is only reachable asynchronously, so waits on IndexedDB poll here instead:
    a wait on a condition, re-checked every 100 ms, never a fixed sleep."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        try:
            value = page.evaluate(script, arg)
        except PlaywrightError as error:
            # The page navigated (an update reloads it): check again in the new document.
            if "context was destroyed" not in str(error) and "navigat" not in str(error):
                raise
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} ms waiting for {what}")
        page.wait_for_timeout(100)


def guard_context(browser, **options) -> BrowserContext:
    """A phone-sized context with location allowed (a fixed position in Malmö)."""
    settings = {
        "viewport": PHONE,
        "device_scale_factor": 1,
        "is_mobile": True,
        "has_touch": True,
        "locale": "sv-SE",
        "timezone_id": "Europe/Stockholm",
        "geolocation": MALMO,
        "permissions": ["geolocation"],
        "color_scheme": "dark",
    }
    settings.update(options)
    return browser.new_context(**settings)


def wait_ready(page: Page) -> None:
    """The app has drawn a screen."""
    page.wait_for_function("() => document.body && document.body.dataset.ready === '1'")


def wait_for_service_worker(page: Page) -> None:
    """The worker controls the page: the shell and its files are precached.

    Chromium can activate the worker and run clients.claim() while this document is still
    settling, leaving it uncontrolled although the worker is active (a real phone is still
    fine: its next navigation goes through the worker). So once the worker is ready, a page
    that is still uncontrolled is reloaded, which puts it under the active worker."""
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("() => navigator.serviceWorker.controller !== null"):
        page.reload()
        wait_ready(page)
    try:
        page.wait_for_function(
            "() => navigator.serviceWorker && navigator.serviceWorker.controller !== null",
            timeout=30_000,
        )
    except Exception:
        # Say why in the CI log: installing, waiting, redundant (a precache fetch failed)...
        state = page.evaluate(
            """() => navigator.serviceWorker.getRegistration().then(r => r ? {
                installing: r.installing && r.installing.state,
                waiting: r.waiting && r.waiting.state,
                active: r.active && r.active.state} : null)"""
        )
        raise AssertionError(f"service worker not controlling the page: {state}") from None


def idb_value(page: Page, key: str):
    """A value from the app's IndexedDB key/value store."""
    return page.evaluate(
        """key => new Promise((resolve, reject) => {
            const open = indexedDB.open("nattpatrull");
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
              const tx = open.result.transaction("kv", "readonly");
              const get = tx.objectStore("kv").get(key);
              get.onsuccess = () => { resolve(get.result === undefined ? null : get.result); open.result.close(); };
              get.onerror = () => reject(get.error);
            };
          })""",
        key,
    )


# The outbox as plain data (see outbox_entries), for page.evaluate or, wrapped,
# WebDriver's execute_async_script.
OUTBOX_ENTRIES = """() => new Promise((resolve, reject) => {
            const open = indexedDB.open("nattpatrull");
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
              const tx = open.result.transaction(["outbox", "bodies"], "readonly");
              const all = tx.objectStore("outbox").getAll();
              const blobs = tx.objectStore("bodies").getAll();
              const keys = tx.objectStore("bodies").getAllKeys();
              tx.oncomplete = async () => {
                open.result.close();
                const byId = new Map(keys.result.map((k, i) => [k, blobs.result[i]]));
                const out = [];
                for (const e of all.result) {
                  const item = {id: e.id, url: e.url, method: e.method, kind: e.kind,
                    attempts: e.attempts, state: e.state, lastStatus: e.lastStatus,
                    lastMessage: e.lastMessage, dependsOn: e.dependsOn, headers: e.headers,
                    meta: e.meta, body: e.body};
                  const stored = e.bodyRef ? byId.get(e.bodyRef) : null;
                  if (stored) {
                    // A Blob, or its bytes where IndexedDB refuses Blobs (db.js storableBlob).
                    const isBlob = stored instanceof Blob;
                    const bytes = isBlob ? await stored.arrayBuffer() : stored.storedBlob;
                    const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
                    item.bodySha256 = Array.from(hash, b => b.toString(16).padStart(2, "0")).join("");
                    item.bodySize = bytes.byteLength;
                    item.bodyType = stored.type;
                    item.bodyKeptAs = isBlob ? "blob" : "bytes";
                  }
                  out.push(item);
                }
                resolve(out);
              };
              tx.onerror = () => reject(tx.error);
            };
          })"""


def outbox_entries(page: Page) -> list[dict]:
    """The outbox as plain data: id, url, kind, state, attempts, lastStatus, lastMessage,
    dependsOn, headers, meta, the JSON body, and for photo bodies (kept in the "bodies" store)
    their size, type and SHA-256 computed here from the stored bytes, and how they are kept
    (bodyKeptAs "blob", or "bytes" where IndexedDB refuses Blobs)."""
    return page.evaluate(OUTBOX_ENTRIES)


def wait_for_outbox(
    page: Page, count: int, state: str | None = None, min_attempts: int = 0, timeout=SYNC_TIMEOUT_MS
) -> None:
    """Wait until the outbox holds `count` entries, all in `state` (if given) and each tried
    at least `min_attempts` times."""
    poll(
        page,
        """([count, state, minAttempts]) => new Promise(resolve => {
            const open = indexedDB.open("nattpatrull");
            open.onupgradeneeded = () => open.transaction.abort();  // the app creates it
            open.onerror = () => resolve(false);
            open.onsuccess = () => {
              const all = open.result.transaction("outbox").objectStore("outbox").getAll();
              all.onsuccess = () => {
                open.result.close();
                const es = all.result;
                resolve(es.length === count && es.every(e =>
                  (!state || e.state === state) && (e.attempts || 0) >= minAttempts));
              };
              all.onerror = () => resolve(false);
            };
          })""",
        [count, state, min_attempts],
        timeout=timeout,
        what=f"{count} outbox entries in state {state} tried {min_attempts}+ times",
    )


def wait_for_sites(page: Page) -> None:
    """The sites cache (properties, checkpoints, token hashes) is in IndexedDB."""
    poll(
        page,
        """() => new Promise(resolve => {
            const open = indexedDB.open("nattpatrull");
            open.onupgradeneeded = () => open.transaction.abort();  // the app creates it
            open.onerror = () => resolve(false);
            open.onsuccess = () => {
              const database = open.result;
              try {
                const get = database.transaction("kv").objectStore("kv").get("sites");
                get.onsuccess = () => { database.close(); resolve(Boolean(get.result && get.result.areas && get.result.areas.length)); };
                get.onerror = () => { database.close(); resolve(false); };
              } catch (e) { database.close(); resolve(false); }
            };
          })""",
        what="the sites cache",
    )


def wait_for_unsent(page: Page, count: int, timeout: int = SYNC_TIMEOUT_MS) -> None:
    page.wait_for_function(
        "n => document.querySelector('#unsent')?.dataset.count === String(n)",
        arg=count,
        timeout=timeout,
    )


def wait_until_all_sent(page: Page, timeout: int = SYNC_TIMEOUT_MS) -> None:
    """The outbox in IndexedDB is empty, and the screen says so. The counter alone is not
    enough: right after a record is saved it can still read 0 until the next redraw."""
    wait_for_outbox(page, 0, timeout=timeout)
    wait_for_unsent(page, 0, timeout)


def home(page: Page) -> None:
    """Back to the home screen through the brand link."""
    page.locator("a.brand").click()
    expect(page.get_by_role("heading", name="Nattpass")).to_be_visible()


def login(page: Page, base_url: str, username: str = "guard", password: str = TEST_PASSWORD):
    """Open the app online, log in, and wait until it can work offline."""
    page.goto(base_url + "/")
    wait_ready(page)
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Nattpass")).to_be_visible()
    wait_for_service_worker(page)
    wait_for_sites(page)


def go_offline(context: BrowserContext, page: Page | None = None) -> None:
    context.set_offline(True)
    if page is not None:
        page.wait_for_function("() => !navigator.onLine")


def go_online(context: BrowserContext, page: Page | None = None) -> None:
    context.set_offline(False)
    if page is not None:
        page.wait_for_function("() => navigator.onLine")


def reload(page: Page) -> None:
    page.reload()
    wait_ready(page)


def start_shift(page: Page) -> None:
    page.get_by_role("button", name="Starta pass").click()
    expect(page.locator(".shift-line.running")).to_be_visible()


def _open_checkin(page: Page) -> None:
    page.get_by_role("link", name="Checka in").click()
    expect(page.get_by_role("heading", name="Checka in", exact=True)).to_be_visible()


def check_in_with_code(page: Page, code: str) -> None:
    _open_checkin(page)
    page.get_by_label("Kod").fill(code)
    page.locator("#code-form").get_by_role("button", name="Checka in").click()
    expect(page.get_by_role("heading", name="Nattpass")).to_be_visible()


def check_in_from_list(page: Page, property_name: str, checkpoint_label: str) -> None:
    _open_checkin(page)
    page.get_by_label("Fastighet").select_option(label=property_name)
    page.get_by_label("Kontrollpunkt").select_option(label=checkpoint_label)
    page.locator("#list-form").get_by_role("button", name="Checka in").click()
    expect(page.get_by_role("heading", name="Nattpass")).to_be_visible()


def check_in_with_qr_link(page: Page, base_url: str, token: str) -> None:
    """What a scan with the phone's own camera does: open /c/<token> (offline too)."""
    page.goto(f"{base_url}/c/{token}")
    wait_ready(page)
    page.get_by_role("button", name="Checka in").click()
    expect(page.get_by_role("heading", name="Nattpass")).to_be_visible()


def open_report(page: Page) -> None:
    page.get_by_role("link", name="Rapportera").click()
    expect(page.get_by_role("heading", name="Rapportera")).to_be_visible()


def add_photo(page: Page, photo: dict) -> None:
    """photo = {"name", "mimeType", "buffer"} (see camera_photo)."""
    before = page.locator(".thumbs .thumb").count()
    page.locator("#report-photo-input").set_input_files(photo)
    expect(page.locator(".thumbs .thumb")).to_have_count(before + 1, timeout=30_000)


def fill_report(
    page: Page,
    *,
    category: str = "Klotter",
    level: str = "Förebyggande",
    description: str = "",
    property_name: str | None = None,
    photos: tuple = (),
) -> None:
    if property_name:
        page.get_by_label("Fastighet").select_option(label=property_name)
    page.get_by_label("Kategori").select_option(label=category)
    page.get_by_label(level, exact=True).check()
    if description:
        page.get_by_label("Beskrivning").fill(description)
    for photo in photos:
        add_photo(page, photo)


def save_report(page: Page) -> None:
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("heading", name="Nattpass")).to_be_visible()


def write_report(page: Page, **fields) -> None:
    open_report(page)
    fill_report(page, **fields)
    save_report(page)


def end_shift(page: Page) -> None:
    page.get_by_role("link", name="Avsluta pass").click()
    expect(page.get_by_role("heading", name="Avsluta pass")).to_be_visible()
    page.locator("#end-shift-form").get_by_role("button", name="Avsluta pass").click()
    expect(page.get_by_role("heading", name="Nattpass")).to_be_visible()


def camera_photo(
    seed: int, width: int = 4000, height: int = 3000, orientation: int | None = None
) -> dict:
    """A phone-camera-like JPEG: 12 MP with a real picture (gradients and shapes, so it
    compresses like a photo, not like a flat colour), EXIF GPS in Malmö and a camera model."""
    rng = random.Random(seed)
    small = Image.new("RGB", (400, 300))
    draw = ImageDraw.Draw(small)
    base = (rng.randrange(40, 200), rng.randrange(40, 200), rng.randrange(40, 200))
    for y in range(300):
        shade = tuple(max(0, min(255, c + (y - 150) // 3)) for c in base)
        draw.line([(0, y), (400, y)], fill=shade)
    for _ in range(40):
        x, y = rng.randrange(400), rng.randrange(300)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.rectangle([x, y, x + rng.randrange(10, 80), y + rng.randrange(10, 60)], fill=colour)
    image = small.resize((width, height), Image.BICUBIC)
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (55.0, 35.0, 12.0), 3: "E", 4: (13.0, 0.0, 53.0)}
    exif[0x010F] = "TestCam"
    exif[0x0110] = "Nattkamera 1"
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88, exif=exif.tobytes())
    return {"name": f"IMG_{seed:04d}.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def entry_paths(request) -> list[str]:
    """The record paths a sync request carries (architecture §5, "Batches"): a PUT's own, or
    every entry's of a POST /api/v1/batch; none for other requests."""
    from urllib.parse import urlsplit

    path = urlsplit(request.url).path
    if request.method == "PUT":
        return [path]
    if request.method == "POST" and path == "/api/v1/batch":
        return [entry["url"] for entry in request.post_data_json["entries"]]
    return []


def record_offline_shift(page: Page, context: BrowserContext, base_url: str, token: str) -> None:
    """Log in online, go offline, and record a small shift through the UI: start, a typed
    code, a list choice, a QR link, one report with one photo, end. Leaves the phone offline
    with everything in the outbox."""
    login(page, base_url)
    go_offline(context, page)
    reload(page)
    start_shift(page)
    check_in_with_code(page, "S101")
    check_in_from_list(page, "Jespersgatan 6", "Trapphus B")
    check_in_with_qr_link(page, base_url, token)
    write_report(page, description="Trasig lampa i entrén.", photos=(camera_photo(1, 1600, 1200),))
    end_shift(page)


# --- what the server holds -----------------------------------------------------------------


def checkpoint_token(app, short_code: str) -> str:
    from patrol.db import db
    from patrol.sites.models import Checkpoint

    with app.app_context():
        return db.session.scalar(
            sa.select(Checkpoint.token).where(Checkpoint.short_code == short_code)
        )


# Outbox entries of the small shift the sync-failure tests record: shift, check-ins, reports.
ENTRIES_OF_SMALL_SHIFT = 7


def stored_photo_digests(app) -> dict[str, tuple[str, str]]:
    """Each photo the server holds, a report's or a hand-over's: id -> (its sha256 column, the
    SHA-256 of its stored bytes)."""
    import hashlib

    from patrol.db import db
    from patrol.handover.models import HandoverPhoto
    from patrol.reports.models import Photo
    from patrol.reports.storage import photo_store

    with app.app_context():
        return {
            str(photo.id): (
                photo.sha256,
                hashlib.sha256(photo_store().read(photo.storage_key) or b"").hexdigest(),
            )
            for model in (Photo, HandoverPhoto)
            for photo in db.session.scalars(sa.select(model))
        }


def counts(app) -> dict:
    from patrol.db import db
    from patrol.reports.models import Photo, Report
    from patrol.shifts.models import CheckIn, Shift

    with app.app_context():
        return {
            model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Shift, CheckIn, Report, Photo)
        }
