"""The service worker's push handlers (static/js/sw-push.js, imported by service-worker.js) in
Chromium: a push event dispatched inside the worker shows the notification the payload asks
for (registration.getNotifications()), and notificationclick closes it and opens the screen."""

from __future__ import annotations

import json
import time

import pytest

from tests.support import push as push_fixtures

pytestmark = pytest.mark.browser

NOTIFICATIONS_JS = """async (tag) => {
  const list = await self.registration.getNotifications(tag ? { tag } : {});
  return list.map((n) => ({
    title: n.title, body: n.body, tag: n.tag, data: n.data, icon: n.icon,
    requireInteraction: n.requireInteraction, vibrate: Array.from(n.vibrate || []),
  }));
}"""

PUSH_JS = """(data) => {
  self.dispatchEvent(new PushEvent("push", { data: JSON.stringify(data) }));
}"""

CLICK_JS = """async (tag) => {
  const [notification] = await self.registration.getNotifications({ tag });
  self.dispatchEvent(new NotificationEvent("notificationclick", { notification }));
}"""


@pytest.fixture
def app_page(browser, live_server):
    # bypass_csp: Playwright polls wait_for_function with eval, which the CSP forbids.
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    context.grant_permissions(["notifications"], origin=live_server.url)
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=15000)
    yield page, active_worker(context, page)
    context.close()


def active_worker(context, page, seconds: float = 15):
    """The registration's active worker. The context can also list a worker that a newer
    version replaced (same script URL): an event dispatched there shows nothing, which made
    these tests fail now and then, so each listed worker is asked whether it is the active one."""
    deadline = time.monotonic() + seconds
    while True:
        for worker in reversed(context.service_workers):
            if "/service-worker" not in worker.url:
                continue
            try:
                if worker.evaluate("() => self.registration.active === self.serviceWorker"):
                    return worker
            except Exception:  # noqa: BLE001 - a worker that is gone cannot answer
                continue
        assert time.monotonic() < deadline, [w.url for w in context.service_workers]
        page.wait_for_timeout(100)


def wait_for_notifications(page, worker, tag, count=1, seconds=30):
    """Poll the registration's notifications until `count` carry `tag`: showing one fetches
    its icon first, which a loaded CI machine has taken more than the 5 s once allowed."""
    deadline = time.monotonic() + seconds
    while True:
        found = worker.evaluate(NOTIFICATIONS_JS, tag)
        if len(found) == count or time.monotonic() > deadline:
            break
        page.wait_for_timeout(50)
    assert len(found) == count, f"expected {count} notification(s) tagged {tag}, got {found}"
    return found


def test_push_shows_the_sos_notification_and_click_opens_its_screen(app_page, live_server):
    page, worker = app_page
    payload = {
        "type": "sos",
        "title": "SOS: Demo Väktare behöver hjälp",
        "body": "Position: 55.58712, 13.01471 (inom 8 m)",
        "url": "/log",
        "tag": "sos-1b0c",
        "id": "1b0c",
    }
    worker.evaluate(PUSH_JS, payload)
    (shown,) = wait_for_notifications(page, worker, "sos-1b0c")
    assert shown["title"] == payload["title"]
    assert shown["body"] == payload["body"]
    assert shown["data"]["url"] == "/log" and shown["data"]["type"] == "sos"
    assert shown["requireInteraction"] is True
    assert shown["vibrate"] and shown["vibrate"][0] >= 400
    assert shown["icon"].endswith("/static/icons/icon-192.png")

    worker.evaluate(CLICK_JS, "sos-1b0c")
    page.wait_for_url(live_server.url + "/log", timeout=10000)
    wait_for_notifications(page, worker, "sos-1b0c", count=0)


def test_timer_and_silence_alarms_ring_like_an_sos_each_in_its_own_rhythm(app_page):
    """The server's alarms have their own push kinds (`timer`, `silence`): shown with their
    Swedish title, kept on screen until touched, vibrating as hard as an SOS but told apart."""
    page, worker = app_page
    shown = {}
    for kind, title in (
        ("timer", "Jag är OK-timern gick ut: Väktare Demo"),
        ("silence", "Tystnadslarm: Väktare Demo"),
        ("sos", "SOS: Väktare Demo behöver hjälp"),
    ):
        tag = f"sos-{kind}-7f3a"
        worker.evaluate(
            PUSH_JS,
            {"type": kind, "title": title, "body": "x", "url": "/push/alerts", "tag": tag},
        )
        (shown[kind],) = wait_for_notifications(page, worker, tag)
        assert shown[kind]["title"] == title and shown[kind]["data"]["type"] == kind
        assert shown[kind]["requireInteraction"] is True
        assert shown[kind]["vibrate"] and shown[kind]["vibrate"][0] >= 500
    patterns = {tuple(n["vibrate"]) for n in shown.values()}
    assert len(patterns) == 3, "each alarm has its own rhythm"


def test_push_on_the_same_screen_is_handed_to_the_page(app_page):
    page, worker = app_page
    page.evaluate(
        """() => {
        window.__opened = [];
        navigator.serviceWorker.addEventListener("message", (e) => {
          if (e.data && e.data.type) window.__opened.push(e.data);
        });
    }"""
    )
    payload = {
        "type": "dispatch",
        "title": "Extra runda: Rasmusgatan 5",
        "body": "Kontrollera källardörren.",
        "url": "/#dispatch-42",
        "tag": "dispatch-42",
    }
    worker.evaluate(PUSH_JS, payload)
    (shown,) = wait_for_notifications(page, worker, "dispatch-42")
    assert shown["requireInteraction"] is False and shown["vibrate"] == [200, 100, 200]
    worker.evaluate(CLICK_JS, "dispatch-42")
    page.wait_for_function("window.__opened.some((m) => m.type === 'open')", timeout=10000)
    messages = page.evaluate("window.__opened")
    assert {"type": "push", "payload": payload} in messages
    assert {"type": "open", "url": "/#dispatch-42"} in messages
    assert page.url.endswith("/")  # no reload: the page scrolls to the task itself


def test_a_foreign_url_in_a_payload_never_leaves_the_site(app_page, live_server):
    page, worker = app_page
    page.goto(live_server.url + "/log")
    payload = {"type": "acute", "title": "x", "url": "https://evil.example/phish", "tag": "a-1"}
    worker.evaluate(PUSH_JS, payload)
    wait_for_notifications(page, worker, "a-1")
    worker.evaluate(CLICK_JS, "a-1")
    page.wait_for_url(live_server.url + "/", timeout=10000)
    assert json.dumps(page.url).find("evil") == -1


def test_a_real_acute_alert_delivered_as_a_trusted_push(app_page, live_app, live_server):
    """The whole chain: the server queues an acute alert, the worker encrypts and sends it with
    pywebpush to the loopback push service, the subscriber decrypts it, and Chromium's DevTools
    delivers those bytes to the service worker as a real (trusted) push event."""
    from tests.support.app import Api
    from tests.support.push import drain, first_property, put_report, start_shift, subscribe
    from tests.support.push_service import LoopbackPushService

    page, worker = app_page
    service = LoopbackPushService().start()
    try:
        live_app.config.update(push_fixtures.push_config(service))
        guard, supervisor = Api(live_app), Api(live_app)
        assert guard.login("guard").status_code == 200
        assert supervisor.login("supervisor").status_code == 200
        subscriber = subscribe(supervisor, service)
        report_id = put_report(guard, start_shift(guard), first_property(live_app))
        drain(live_app)
        payload = subscriber.decrypt(service.received(subscriber.path)[0])
    finally:
        service.stop()

    cdp = page.context.new_cdp_session(page)
    registrations = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(e["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    live = []
    for _ in range(100):
        live = [r for r in registrations if not r.get("isDeleted")]
        if live:
            break
        page.wait_for_timeout(50)
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": live_server.url,
            "registrationId": live[-1]["registrationId"],
            "data": json.dumps(payload),
        },
    )
    (shown,) = wait_for_notifications(page, worker, f"acute-{report_id}")
    assert shown["title"].startswith("Akut händelse: Brand eller rök, ")
    assert shown["data"]["url"] == f"/review/reports/{report_id}"
    assert shown["vibrate"] == [300, 150, 300, 150, 300]
