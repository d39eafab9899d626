"""Photos where the browser's IndexedDB refuses Blobs (issue 25, point 1), in Chromium.

WebKit's ephemeral sessions (Safari's private windows, some older iOS versions, WebKitGTK's
MiniBrowser under WebDriver) fail a put of a Blob or File: the phone then keeps a photo's bytes
with its type (db.js storableBlob) and sends a Blob made from them again. Chromium keeps Blobs,
so here its IndexedDB is made to refuse them, before any of the app's code runs, the way an
engine that refuses them at once does (a DataCloneError from put()); WebKit's own refusal (an
UnknownError on the request, the transaction aborted) is met for real in
tests/browser/test_guard_webkit.py. Every refused put is recorded: only the app's one try at
open may be refused, never a write of the night."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.guard_browser import (
    add_photo,
    camera_photo,
    counts,
    fill_report,
    go_offline,
    go_online,
    guard_context,
    login,
    open_report,
    outbox_entries,
    reload,
    save_report,
    start_shift,
    stored_photo_digests,
    wait_for_unsent,
    wait_until_all_sent,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

REFUSE_BLOBS = """(() => {
  const holdsBlob = (value, depth = 0) =>
    value instanceof Blob ||
    (depth < 5 && value !== null && typeof value === "object" && !(value instanceof ArrayBuffer) &&
      !ArrayBuffer.isView(value) && Object.values(value).some((v) => holdsBlob(v, depth + 1)));
  window.__refusedPuts = [];
  for (const method of ["put", "add"]) {
    const original = IDBObjectStore.prototype[method];
    IDBObjectStore.prototype[method] = function (value, key) {
      if (holdsBlob(value)) {
        window.__refusedPuts.push(`${this.name}:${key}`);
        throw new DOMException("Error preparing Blob/File data to be stored in object store", "DataCloneError");
      }
      return key === undefined ? original.call(this, value) : original.call(this, value, key);
    };
  }
})();"""


def keeps_blobs(page) -> bool:
    return page.evaluate("async () => (await import('/static/js/db.js')).keepsBlobs()")


def refused_puts(page) -> list[str]:
    return page.evaluate("() => window.__refusedPuts")


def test_photos_go_as_bytes_where_indexeddb_refuses_blobs(live_server, live_app, browser):
    context = guard_context(browser)
    context.add_init_script(REFUSE_BLOBS)
    page = context.new_page()
    try:
        login(page, live_server.url)
        assert keeps_blobs(page) is False
        go_offline(context, page)
        start_shift(page)
        # A report with photos, half filled: its draft keeps the photos' bytes over a reload.
        open_report(page)
        fill_report(
            page,
            property_name="Jespersgatan 6",
            description="Klotter på porten.",
            photos=(camera_photo(1), camera_photo(2)),
        )
        reload(page)
        expect(page.locator(".thumbs .thumb")).to_have_count(2)
        expect(page.locator(".thumbs img").first).to_have_js_property("naturalWidth", 1600)
        add_photo(page, camera_photo(3))
        save_report(page)
        # The shift's end with a hand-over photo (kept in memory until then).
        page.get_by_role("link", name="Avsluta pass").click()
        expect(page.get_by_role("heading", name="Avsluta pass")).to_be_visible()
        page.locator("#handover-photo-input").set_input_files(camera_photo(4))
        expect(page.locator("#end-shift-form .thumb")).to_have_count(1, timeout=30_000)
        page.locator("#end-shift-form").get_by_role("button", name="Avsluta pass").click()
        expect(page.get_by_role("heading", name="Nattpass")).to_be_visible()
        wait_for_unsent(page, 7)  # the shift's start and end, the report, four photos
        # Only the try at open was refused (once per page loaded); every write went through.
        assert set(refused_puts(page)) == {"bodies:blob-probe"}
        phone = {
            e["url"].rsplit("/", 1)[1]: e for e in outbox_entries(page) if e["kind"] == "photo"
        }
        assert len(phone) == 4
        for entry in phone.values():
            assert entry["bodyKeptAs"] == "bytes" and entry["bodyType"] == "image/jpeg"
            assert entry["bodySha256"] == entry["meta"]["sha256"]
        go_online(context, page)
        wait_until_all_sent(page)
        expect(page.locator("#unsent")).to_have_text("Allt skickat")
    finally:
        context.close()
    assert counts(live_app) == {"shifts": 1, "checkins": 0, "reports": 1, "photos": 3}
    # The bytes the server stored are the bytes photos.js made, each photo once.
    stored = stored_photo_digests(live_app)
    assert stored.keys() == phone.keys()
    for photo_id, (column, data) in stored.items():
        assert column == data == phone[photo_id]["meta"]["sha256"], photo_id
