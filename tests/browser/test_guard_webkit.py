"""The offline night in WebKit, the iPhone's engine family (issue 10, point 16).

Debian's WebKitWebDriver (package webkit2gtk-driver) drives WebKitGTK's MiniBrowser through
Selenium, on a virtual X display (Xvfb). Like Safari on an iPhone it has no BarcodeDetector and
no Background Sync, and it has service workers and IndexedDB. The guard logs in, starts a
shift, the server goes away (the phone loses it: connections are refused), a check-in and a
report are recorded, the server comes back on the same address, and everything arrives once.
WebDriver has no offline switch, so "losing the server" is done by stopping it.

WebDriver's MiniBrowser runs with an ephemeral website data manager (it must run with
--automation, and has no option for a data directory), whose IndexedDB refuses Blobs as
Safari's private windows do: the photos here take the app's bytes-instead path (db.js
storableBlob)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import time
import uuid

import pytest
import sqlalchemy as sa

from patrol.db import db
from patrol.nights import ZONE
from patrol.reports.models import Report
from patrol.shifts.models import CheckIn, Shift
from tests.support.app import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

WEBKIT_DRIVER = shutil.which("WebKitWebDriver") or "/usr/bin/WebKitWebDriver"
MINIBROWSERS = sorted(glob.glob("/usr/lib/*/webkit2gtk-4.*/MiniBrowser"))


class SameAddressServer:
    """The live app on a fixed port that can be stopped and started again (same origin)."""

    def __init__(self, app):
        from werkzeug.serving import make_server

        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = None

    def start(self):
        import threading

        from werkzeug.serving import make_server

        if self.server is None:
            self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
        self.server = None


@pytest.fixture
def display():
    """A virtual X display for the MiniBrowser window. Xvfb picks a free display number and
    writes it to the pipe once it accepts connections (-displayfd): no guessed number that a
    second test process could hold, no wait for readiness."""
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(write_end,),
    )
    os.close(write_end)
    with os.fdopen(read_end) as announced:
        number = announced.readline().strip()
    assert number, "Xvfb did not start"
    yield f":{number}"
    xvfb.terminate()
    xvfb.wait(timeout=10)


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(
            db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Shift, CheckIn, Report)
        )


def wait_for(predicate, timeout: float = 60.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def open_webkit(wsgi_app, display):
    """The app on a server that can be stopped and started on the same address, and a
    MiniBrowser at phone size driven by WebKitWebDriver on the virtual display. The caller
    quits the driver and stops the server."""
    from selenium import webdriver
    from selenium.webdriver.webkitgtk.service import Service

    assert MINIBROWSERS, "webkit2gtk-driver's MiniBrowser is missing (see scripts/test.sh)"
    server = SameAddressServer(wsgi_app).start()
    options = webdriver.WebKitGTKOptions()
    options.binary_location = MINIBROWSERS[-1]
    options.add_argument("--automation")
    service = Service(executable_path=WEBKIT_DRIVER, env={**os.environ, "DISPLAY": display})
    driver = webdriver.WebKitGTK(options=options, service=service)
    driver.set_window_size(390, 844)
    return driver, server


def app_ready(driver) -> bool:
    return driver.execute_script("return document.body && document.body.dataset.ready === '1'")


def click_settled(driver, locate, timeout: float = 30.0, what: str = "element") -> None:
    """Click what `locate()` finds, finding it again when the page replaced it in between.

    The home screen draws its cards twice (from the phone's copy, then again when the sites
    document or the worker answers), so a node found a moment ago can be gone by the click; a
    guard's tap lands on the fresh one, and so does this."""
    from selenium.common.exceptions import StaleElementReferenceException

    deadline = time.monotonic() + timeout
    while True:
        try:
            element = locate()
            if element is not None:
                element.click()
                return
        except StaleElementReferenceException:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"could not click {what}")
        time.sleep(0.2)


def visible_with_text(driver, tag: str, text: str):
    from selenium.webdriver.common.by import By

    for element in driver.find_elements(By.TAG_NAME, tag):
        if element.text.strip() == text and element.is_displayed():
            return element
    return None


def test_offline_night_in_webkit(live_app, display, output_dir):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver, server = open_webkit(live_app, display)

    def ready():
        return app_ready(driver)

    def text_of(selector: str) -> str:
        return driver.find_element(By.CSS_SELECTOR, selector).text

    def click_text(tag: str, text: str):
        click_settled(driver, lambda: visible_with_text(driver, tag, text), what=f"{tag} {text!r}")

    def outbox_size() -> int:
        return driver.execute_async_script(
            """const done = arguments[arguments.length - 1];
            import("/static/js/outbox.js").then((o) => o.list()).then((l) => done(l.length));"""
        )

    try:
        driver.get(server.url + "/")
        wait_for(ready, what="the app")
        # No BarcodeDetector, no Background Sync: as on an iPhone.
        assert driver.execute_script("return 'BarcodeDetector' in window") is False
        assert driver.execute_script("return 'SyncManager' in window") is False
        driver.find_element(By.ID, "login-username").send_keys("guard")
        driver.find_element(By.ID, "login-password").send_keys(TEST_PASSWORD)
        click_text("button", "Logga in")
        wait_for(lambda: "Nattpass" in driver.page_source, what="the home screen")
        # The page that registered the worker may stay uncontrolled: a reload puts it under
        # the active worker (as tests/support/guard_browser.wait_for_service_worker does).
        driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "navigator.serviceWorker.ready.then(() => done(true));"
        )
        if not driver.execute_script("return navigator.serviceWorker.controller !== null"):
            driver.refresh()
        wait_for(ready, what="the app under its worker")
        assert driver.execute_script("return navigator.serviceWorker.controller !== null")
        click_text("button", "Starta pass")
        wait_for(lambda: counts(live_app)[0] == 1, what="the shift on the server")

        server.stop()  # the phone loses the server
        click_text("a", "Checka in")
        wait_for(lambda: driver.find_elements(By.ID, "checkin-code"), what="the check-in screen")
        driver.find_element(By.ID, "checkin-code").send_keys("S101")
        driver.find_element(By.CSS_SELECTOR, "#code-form button[type=submit]").click()
        wait_for(lambda: "Nattpass" in text_of("#screen"), what="home after the check-in")
        click_text("a", "Rapportera")
        wait_for(lambda: driver.find_elements(By.ID, "report-form"), what="the report form")
        Select(driver.find_element(By.ID, "report-property")).select_by_visible_text(
            "Jespersgatan 6"
        )
        Select(driver.find_element(By.ID, "report-category")).select_by_visible_text("Klotter")
        driver.find_element(By.ID, "level-preventive").click()
        driver.find_element(By.ID, "report-description").send_keys("Klotter på porten.")
        click_text("button", "Spara")
        wait_for(lambda: "Nattpass" in text_of("#screen"), what="home after the report")
        assert wait_for(lambda: outbox_size() == 2, what="two records on the phone")
        driver.save_screenshot(str(output_dir / "webkit-offline-home.png"))
        assert counts(live_app) == (1, 0, 0)

        server.start()  # the server is back, same address
        driver.execute_script("import('/static/js/sync.js').then((s) => s.sendNow())")
        wait_for(lambda: counts(live_app) == (1, 1, 1), what="both records on the server")
        wait_for(lambda: outbox_size() == 0, what="an empty outbox")
        driver.refresh()
        wait_for(ready, what="the app again")
        assert outbox_size() == 0 and counts(live_app) == (1, 1, 1)
    finally:
        driver.quit()
        if server.server is not None:
            server.stop()


# Geolocation that never answers, put into the running document: geo.js asks
# navigator.geolocation only when the guard taps, so a replacement made before the tap is the
# same as one made before the app loaded (WebDriver has no init scripts). Where the browser
# has no Geolocation at all, a stand-in is installed, so that the app does ask.
NEVER_ANSWERS = """
const never = function () {};
if (window.Geolocation) {
  Geolocation.prototype.getCurrentPosition = never;
  Geolocation.prototype.watchPosition = function () { return 1; };
} else {
  const stand = { getCurrentPosition: never, watchPosition: () => 1, clearWatch() {} };
  Object.defineProperty(Navigator.prototype, "geolocation", { get: () => stand, configurable: true });
}
window.__beforeReload = true;
return "geolocation" in navigator;
"""

# Tap `selector` and reload the page 1 s later (the page's own timer: the guard's phone
# restarts the app while the position is still being looked for). Returns the tap's time.
TAP_THEN_RELOAD = """
const [selector] = arguments;
const button = document.querySelector(selector);
const at = Date.now();
button.click();
setTimeout(() => location.reload(), 1000);
return at;
"""

FIND_ENTRY = """
const [part, done] = [arguments[0], arguments[arguments.length - 1]];
import("/static/js/outbox.js").then((o) => o.list()).then((entries) => {
  const e = entries.find((x) => x.url.includes(part));
  done(e ? { id: e.id, url: e.url, user: e.user, body: e.body, positionDue: e.positionDue } : null);
}, () => done(null));
"""


def test_a_record_survives_a_reload_1_s_after_the_tap_with_no_position_in_webkit(live_app, display):
    """Issue 20, point 2 in WebKitGTK: with a position that never comes, the check-in screen's
    "Checka in" and a safety walk's "OK" are saved at the tap (stamped with the guard and the
    tap's time), a reload 1 s later keeps them, and each reaches the server once."""
    from datetime import datetime

    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By

    from patrol.auth.models import User
    from patrol.safety.models import WalkCheck
    from tests.support.safety import plan_walk_directly

    walk_id = plan_walk_directly(live_app, datetime.now(ZONE).date())
    with live_app.app_context():
        guard_id = db.session.scalar(sa.select(User.id).where(User.username == "guard"))
    driver, server = open_webkit(live_app, display)

    def ready():
        try:
            return driver.execute_script(
                "return !window.__beforeReload && document.body"
                " && document.body.dataset.ready === '1'"
            )
        except WebDriverException:
            return False  # between two documents

    def click_text(tag: str, text: str):
        click_settled(driver, lambda: visible_with_text(driver, tag, text), what=f"{tag} {text!r}")

    def entry(part: str):
        return driver.execute_async_script(FIND_ENTRY, part)

    def tap_and_reload(selector: str, part: str, time_field: str = "occurred_at") -> dict:
        assert driver.execute_script(NEVER_ANSWERS)
        tapped_at = driver.execute_script(TAP_THEN_RELOAD, selector)
        wait_for(ready, what="the app after the reload")
        saved = wait_for(lambda: entry(part), timeout=10, what=f"{part} in the outbox")
        # Saved at the tap, still waiting for its position (it never comes): the reload came
        # before the wait for a position would have ended.
        assert saved["positionDue"], saved
        assert saved["user"] == guard_id
        recorded = datetime.fromisoformat(saved["body"][time_field].replace("Z", "+00:00"))
        assert 0 <= recorded.timestamp() * 1000 - tapped_at < 1000
        return saved

    def rows(model) -> int:
        with live_app.app_context():
            return db.session.scalar(sa.select(sa.func.count()).select_from(model))

    try:
        driver.get(server.url + "/")
        wait_for(ready, what="the app")
        driver.find_element(By.ID, "login-username").send_keys("guard")
        driver.find_element(By.ID, "login-password").send_keys(TEST_PASSWORD)
        click_text("button", "Logga in")
        wait_for(lambda: "Nattpass" in driver.page_source, what="the home screen")
        driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "navigator.serviceWorker.ready.then(() => done(true));"
        )
        if not driver.execute_script("return navigator.serviceWorker.controller !== null"):
            driver.refresh()
            wait_for(ready, what="the app under its worker")
        click_text("button", "Starta pass")
        wait_for(lambda: counts(live_app)[0] == 1, what="the shift on the server")

        click_text("a", "Checka in")
        wait_for(lambda: driver.find_elements(By.ID, "checkin-code"), what="the check-in screen")
        driver.find_element(By.ID, "checkin-code").send_keys("S101")
        checkin = tap_and_reload("#code-form button[type=submit]", "/checkins/")

        wait_for(
            lambda: driver.find_elements(By.CSS_SELECTOR, ".walk-card a"), what="the walk card"
        )
        click_settled(
            driver,
            lambda: driver.find_element(By.CSS_SELECTOR, ".walk-card a"),
            what="the walk card",
        )
        wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".walk-ok"), what="the walk")
        walk_ok = tap_and_reload(
            '.walk-item[data-item="1"] .walk-ok',
            "/walk-checks/",
        )
        assert walk_ok["body"]["walk_id"] == walk_id

        # No position ever comes: after their wait both go without one, once.
        wait_for(lambda: rows(CheckIn) == 1 and rows(WalkCheck) == 1, what="both on the server")
        wait_for(lambda: entry("/") is None, what="an empty outbox")
        driver.refresh()
        wait_for(ready, what="the app again")
        assert entry("/") is None and (rows(CheckIn), rows(WalkCheck)) == (1, 1)
        with live_app.app_context():
            stored = db.session.get(CheckIn, uuid.UUID(checkin["url"].rsplit("/", 1)[1]))
            assert stored is not None and stored.lat is None
    finally:
        driver.quit()
        if server.server is not None:
            server.stop()


def test_503s_and_a_lost_answer_with_a_batch_and_three_photos_in_flight_in_webkit(
    live_app, display
):
    """Issue 25, point 1 in WebKitGTK (the Chromium twin: test_guard_sync_batches.py): a night
    with four photos queued while the server is away; two 503s, the batch's answer lost and
    one photo's answer lost while three photos are in the server at once, and everything
    arrives once, each photo byte for byte, the shift's end last.

    WebDriver runs MiniBrowser in an ephemeral session, whose IndexedDB refuses Blobs (put:
    UnknownError "Error preparing Blob/File data to be stored in object store", as in Safari's
    private windows): the phone keeps the photos' bytes instead (db.js storableBlob)."""
    from selenium.webdriver.common.by import By

    from tests.support.faults import QUEUE_NIGHT, Faults
    from tests.support.guard_browser import OUTBOX_ENTRIES, stored_photo_digests
    from tests.support.guard_browser import counts as all_counts

    faults = Faults(live_app)
    driver, server = open_webkit(faults, display)

    def ready():
        return app_ready(driver)

    def outbox_size() -> int:
        return driver.execute_async_script(
            """const done = arguments[arguments.length - 1];
            import("/static/js/outbox.js").then((o) => o.list()).then((l) => done(l.length));"""
        )

    lost = {"batch": False, "photo": False}

    def lose(paths):
        if len(paths) > 1 and not lost["batch"]:
            lost["batch"] = True
            return True
        if lost["batch"] and "/photos/" in paths[0] and not lost["photo"]:
            lost["photo"] = True  # one photo's answer lost, while three are out
            return True
        return False

    try:
        driver.get(server.url + "/")
        wait_for(ready, what="the app")
        driver.find_element(By.ID, "login-username").send_keys("guard")
        driver.find_element(By.ID, "login-password").send_keys(TEST_PASSWORD)
        click_settled(
            driver, lambda: visible_with_text(driver, "button", "Logga in"), what="Logga in"
        )
        wait_for(lambda: "Nattpass" in driver.page_source, what="the home screen")
        wait_for(
            lambda: (
                driver.execute_script(
                    "return document.querySelector('#unsent') !== null"
                    " && navigator.serviceWorker.controller !== null"
                )
                or driver.refresh()
                or False
            ),
            what="the app under its worker",
        )
        wait_for(ready, what="the app")
        wait_for(
            lambda: driver.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                "import('/static/js/records.js').then(async (r) =>"
                " done(r.allProperties(await r.sites()).length > 1), () => done(false));"
            ),
            what="the sites on the phone",
        )
        # This IndexedDB refuses Blobs, and the app knows it.
        assert (
            driver.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                "import('/static/js/db.js').then((d) => d.keepsBlobs()).then(done);"
            )
            is False
        )
        server.stop()  # the phone loses the server and records the night
        queued = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            f"({QUEUE_NIGHT})(true).then(done, (e) => done(String(e)));"
        )
        assert queued == 1 + 6 + 2 + 4 + 1, queued  # shift, check-ins, reports, photos, end
        entries = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            f"({OUTBOX_ENTRIES})().then(done, (e) => done(String(e)));"
        )
        phone_photos = {e["url"].rsplit("/", 1)[1]: e for e in entries if e["kind"] == "photo"}
        assert len(phone_photos) == 4
        for entry in phone_photos.values():
            # Kept as bytes, with their type, and the bytes are the photo photos.js made.
            assert entry["bodyKeptAs"] == "bytes" and entry["bodyType"] == "image/jpeg"
            assert entry["bodySha256"] == entry["meta"]["sha256"]
        faults.fail_next = 2
        faults.lose = lose
        faults.keep_losing = True
        server.start()  # back, same address
        driver.execute_script("import('/static/js/sync.js').then((s) => s.sendNow())")
        expected = {"shifts": 1, "checkins": 6, "reports": 2, "photos": 4}
        wait_for(lambda: all_counts(live_app) == expected, timeout=120, what="the night")
        # The retries after the 503s and the lost answers are on the phone's own timer.
        try:
            wait_for(lambda: outbox_size() == 0, timeout=60, what="an empty outbox")
        except AssertionError:
            print(
                "LEFT",
                driver.execute_async_script(
                    """const done = arguments[arguments.length - 1];
                import("/static/js/outbox.js").then((o) => o.list()).then((l) => done(JSON.stringify(l)));"""
                ),
                faults.order,
                faults.batches,
            )
            raise
    finally:
        driver.quit()
        if server.server is not None:
            server.stop()
    assert faults.failed == 2
    assert lost == {"batch": True, "photo": True}
    assert faults.batches[0] == 9  # the shift, six check-ins, two reports; its end waited
    assert faults.most_photos_in_flight == 3  # three photo PUTs in the server at once
    lost_paths = {path for paths in faults.lost for path in paths}
    for path, times in faults.reached.items():
        assert times == (2 if path in lost_paths else 1) + (1 if "/shifts/" in path else 0), path
    assert faults.order[-1].startswith("/api/v1/shifts/")
    assert all_counts(live_app) == {"shifts": 1, "checkins": 6, "reports": 2, "photos": 4}
    # Every photo once, byte for byte what the phone made.
    stored = stored_photo_digests(live_app)
    assert stored.keys() == phone_photos.keys()
    for photo_id, (column, data) in stored.items():
        assert column == data == phone_photos[photo_id]["meta"]["sha256"], photo_id


def unless_stale(predicate):
    """`predicate`, False while the page replaces what it found (the next poll finds it again)."""
    from selenium.common.exceptions import StaleElementReferenceException

    def settled():
        try:
            return predicate()
        except StaleElementReferenceException:
            return False

    return settled


def test_a_report_screen_with_photos_survives_a_reload_in_webkit(live_app, display, tmp_path):
    """The report screen in WebKitGTK, whose IndexedDB refuses Blobs: two photos picked on the
    screen, a reload (the draft keeps their bytes, db.js storableBlob), "Spara" with the server
    away, and both photos arrive once, byte for byte what the phone made."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from tests.support.guard_browser import OUTBOX_ENTRIES, camera_photo, stored_photo_digests
    from tests.support.guard_browser import counts as all_counts

    driver, server = open_webkit(live_app, display)

    def ready():
        return app_ready(driver)

    def click_text(tag: str, text: str):
        click_settled(driver, lambda: visible_with_text(driver, tag, text), what=f"{tag} {text!r}")

    def thumbs() -> int:
        return len(driver.find_elements(By.CSS_SELECTOR, ".thumbs .thumb"))

    try:
        driver.get(server.url + "/")
        wait_for(ready, what="the app")
        driver.find_element(By.ID, "login-username").send_keys("guard")
        driver.find_element(By.ID, "login-password").send_keys(TEST_PASSWORD)
        click_text("button", "Logga in")
        wait_for(unless_stale(lambda: "Nattpass" in driver.page_source), what="the home screen")
        click_text("button", "Starta pass")
        wait_for(lambda: counts(live_app)[0] == 1, what="the shift on the server")

        server.stop()  # the phone loses the server
        click_text("a", "Rapportera")
        wait_for(unless_stale(lambda: driver.find_elements(By.ID, "report-form")), what="the form")
        Select(driver.find_element(By.ID, "report-property")).select_by_visible_text(
            "Jespersgatan 6"
        )
        Select(driver.find_element(By.ID, "report-category")).select_by_visible_text("Klotter")
        driver.find_element(By.ID, "level-preventive").click()
        for seed in (1, 2):
            picked = tmp_path / f"IMG_{seed}.jpg"
            picked.write_bytes(camera_photo(seed)["buffer"])
            driver.find_element(By.ID, "report-photo-input").send_keys(str(picked))
            wait_for(unless_stale(lambda n=seed: thumbs() == n), what=f"photo {seed}")
        assert not driver.find_element(By.ID, "photo-problem").is_displayed()
        driver.refresh()
        wait_for(ready, what="the app again")
        wait_for(unless_stale(lambda: thumbs() == 2), what="the draft's two photos")
        click_text("button", "Spara")
        wait_for(
            unless_stale(lambda: "Nattpass" in driver.find_element(By.ID, "screen").text),
            what="home after the report",
        )
        entries = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            f"({OUTBOX_ENTRIES})().then(done, (e) => done(String(e)));"
        )
        phone = {e["url"].rsplit("/", 1)[1]: e for e in entries if e["kind"] == "photo"}
        assert len(phone) == 2
        for entry in phone.values():
            assert entry["bodyKeptAs"] == "bytes" and entry["bodyType"] == "image/jpeg"
            assert entry["bodySha256"] == entry["meta"]["sha256"]

        server.start()  # back, same address
        driver.execute_script("import('/static/js/sync.js').then((s) => s.sendNow())")
        wait_for(lambda: all_counts(live_app)["photos"] == 2, what="the photos on the server")
    finally:
        driver.quit()
        if server.server is not None:
            server.stop()
    assert all_counts(live_app) == {"shifts": 1, "checkins": 0, "reports": 1, "photos": 2}
    stored = stored_photo_digests(live_app)
    assert stored.keys() == phone.keys()
    for photo_id, (column, data) in stored.items():
        assert column == data == phone[photo_id]["meta"]["sha256"], photo_id
