"""Stand-ins for a phone's sticker readers in browser tests: a camera that films a printed QR
sticker (Chromium plays a y4m file as its camera), and Web NFC's `NDEFReader` (an init script;
no desktop browser has Web NFC) with `window.__touchTag(url)` to touch a tag."""

from __future__ import annotations

import io

import segno
from PIL import Image

from tests.support.app import CHROMIUM, CHROMIUM_ARGS
from tests.support.guard_browser import MALMO, PHONE

WIDTH, HEIGHT = 640, 480


def sticker_video(url: str, path) -> None:
    """A y4m video (4:2:0) of a sticker with the QR code, slightly off centre like a hand."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=6, border=4)
    qr = Image.open(buffer).convert("L")
    frame = Image.new("L", (WIDTH, HEIGHT), 180)  # a grey wall
    frame.paste(qr, ((WIDTH - qr.width) // 2 + 20, (HEIGHT - qr.height) // 2 - 10))
    y_plane = frame.tobytes()
    chroma = bytes([128]) * ((WIDTH // 2) * (HEIGHT // 2))
    header = f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode()
    with open(path, "wb") as out:
        out.write(header)
        for _ in range(10):
            out.write(b"FRAME\n" + y_plane + chroma + chroma)


def camera_browser(playwright_instance, video):
    """Chromium whose camera films `video` (see sticker_video)."""
    return playwright_instance.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )


def camera_context(browser, **options):
    """A phone-sized guard context with the camera and location allowed."""
    settings = {
        "viewport": PHONE,
        "is_mobile": True,
        "has_touch": True,
        "locale": "sv-SE",
        "timezone_id": "Europe/Stockholm",
        "geolocation": MALMO,
        "permissions": ["geolocation", "camera"],
        "color_scheme": "dark",
    }
    return browser.new_context(**(settings | options))


STAND_IN_NDEF_READER = """
(() => {
  class NDEFReader extends EventTarget {
    async scan(options = {}) {
      window.__nfcReaders = (window.__nfcReaders || []).concat([this]);
      if (options.signal) options.signal.addEventListener("abort", () => { this.aborted = true; });
    }
  }
  window.NDEFReader = NDEFReader;
  // A tag touches the phone: every listening reader gets the NDEF message.
  window.__touchTag = (url) => {
    const data = new TextEncoder().encode(url);
    for (const reader of window.__nfcReaders || []) {
      if (reader.aborted) continue;
      const event = new Event("reading");
      event.serialNumber = "04:a2:3b:11";
      event.message = { records: [{ recordType: "url", data: new DataView(data.buffer) }] };
      reader.dispatchEvent(event);
    }
  };
})();
"""
