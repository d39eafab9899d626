"""The offline night in WebKit, the iPhone's engine family (issue 10, point 16).

Debian's WebKitWebDriver (package webkit2gtk-driver) drives WebKitGTK's MiniBrowser through
Selenium, on a virtual X display (Xvfb). Like Safari on an iPhone it has no BarcodeDetector and
no Background Sync, and it has service workers and IndexedDB. The guard logs in, starts a
shift, the server goes away (the phone loses it: connections are refused), a check-in and a
report are recorded, the server comes back on the same address, and everything arrives once.
WebDriver has no offline switch, so "losing the server" is done by stopping it."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import time

import pytest
import sqlalchemy as sa

from patrol.db import db
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
    """A virtual X display for the MiniBrowser window."""
    number = 90 + os.getpid() % 100
    xvfb = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.5)  # Xvfb has no readiness signal; the driver retries its connection anyway
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


def test_offline_night_in_webkit(live_app, display, output_dir):
    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    from selenium.webdriver.webkitgtk.service import Service

    assert MINIBROWSERS, "webkit2gtk-driver's MiniBrowser is missing (see scripts/test.sh)"
    server = SameAddressServer(live_app).start()
    options = webdriver.WebKitGTKOptions()
    options.binary_location = MINIBROWSERS[-1]
    options.add_argument("--automation")
    service = Service(executable_path=WEBKIT_DRIVER, env={**os.environ, "DISPLAY": display})
    driver = webdriver.WebKitGTK(options=options, service=service)
    driver.set_window_size(390, 844)

    def ready():
        return driver.execute_script("return document.body && document.body.dataset.ready === '1'")

    def text_of(selector: str) -> str:
        return driver.find_element(By.CSS_SELECTOR, selector).text

    def click_text(tag: str, text: str):
        for element in driver.find_elements(By.TAG_NAME, tag):
            if element.text.strip() == text and element.is_displayed():
                element.click()
                return
        raise AssertionError(f"no {tag} {text!r}")

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
