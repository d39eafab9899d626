"""A bad network in front of the real app, for any browser (architecture §5, "Batches").

`Faults` wraps the live app's WSGI callable: it answers 503 to the next sync requests it is
told to fail, lets a chosen request reach the app and be stored and then drops the connection
before the answer (a lost answer: the phone sees a network error), and counts how many photo
PUTs were in the server at once. It works the same for Chromium (Playwright) and WebKitGTK
(WebDriver), which has no request interception.

QUEUE_NIGHT is the phone's side: through records.js (the screens' own write path) it queues
a shift, six check-ins, two reports with two photos each (or none: `withPhotos` false) and
the shift's end.
"""

from __future__ import annotations

import contextlib
import io
import json
import socket
import threading
from collections import Counter
from collections.abc import Callable


def sync_paths(environ) -> list[str]:
    """The record paths a request carries: a PUT's own, or each entry's of a batch. Reads a
    batch's body and puts it back for the app."""
    method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
    if method == "PUT" and path.startswith("/api/v1/"):
        return [path]
    if method == "POST" and path == "/api/v1/batch":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        data = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(data)
        return [entry["url"] for entry in json.loads(data)["entries"]]
    return []


class Faults:
    def __init__(self, app, photos_to_wait_for: int = 3):
        self.app = app
        self.lock = threading.Condition()
        self.fail_next = 0  # sync requests still to answer 503
        # Lose this request's answer? Asked of every sync request until it says yes once
        # (or of every one, with keep_losing).
        self.lose: Callable[[list[str]], bool] | None = None
        self.keep_losing = False
        self.order: list[str] = []  # record paths in the order the app finished them
        self.reached = Counter()  # record path -> times the app handled it
        self.lost: list[list[str]] = []
        self.failed = 0
        self.batches: list[int] = []  # entries per batch the app handled
        self.photos_in_flight = 0
        self.most_photos_in_flight = 0
        self.photos_to_wait_for = photos_to_wait_for

    def __call__(self, environ, start_response):
        paths = sync_paths(environ)
        if not paths:
            return self.app(environ, start_response)
        with self.lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                self.failed += 1
                start_response(
                    "503 Service Unavailable",
                    [("Content-Type", "application/json"), ("Retry-After", "1")],
                )
                return [b'{"error": "unavailable", "message": "Tillf\\u00e4lligt fel."}']
            lose = self.lose is not None and self.lose(paths)
            if lose and not self.keep_losing:
                self.lose = None
        photo = len(paths) == 1 and "/photos/" in paths[0]
        if photo:
            self._photo_arrives()
        try:
            status_headers = {}

            def capture(status, headers, exc_info=None):
                status_headers["status"] = status
                status_headers["headers"] = headers

            body = b"".join(self.app(environ, capture))
        finally:
            if photo:
                with self.lock:
                    self.photos_in_flight -= 1
        with self.lock:
            self.reached.update(paths)
            self.order.extend(paths)
            if environ["REQUEST_METHOD"] == "POST":
                self.batches.append(len(paths))
            if lose:
                self.lost.append(paths)
        if lose:
            # Stored, and the answer never comes back: the connection goes away.
            connection = environ["werkzeug.socket"]
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()
            start_response(status_headers["status"], status_headers["headers"])
            return []
        start_response(status_headers["status"], status_headers["headers"])
        return [body]

    def _photo_arrives(self) -> None:
        """Hold the first photos until as many are in the server at once as the phone should
        send side by side (or 10 s passed): one at a time never gets there."""
        with self.lock:
            self.photos_in_flight += 1
            self.most_photos_in_flight = max(self.most_photos_in_flight, self.photos_in_flight)
            if self.most_photos_in_flight < self.photos_to_wait_for:
                self.lock.wait_for(
                    lambda: self.photos_in_flight >= self.photos_to_wait_for, timeout=10
                )
            self.lock.notify_all()


# An async function for page.evaluate (Playwright) or, wrapped, execute_async_script
# (WebDriver). Returns the number of outbox entries queued.
QUEUE_NIGHT = """async (withPhotos = true) => {
  const records = await import("/static/js/records.js");
  const { preparePhoto } = await import("/static/js/photos.js");
  const { list } = await import("/static/js/outbox.js");
  const photo = async (seed) => {
    const canvas = document.createElement("canvas");
    canvas.width = 640;
    canvas.height = 480;
    const g = canvas.getContext("2d");
    for (let i = 0; i < 40; i++) {
      g.fillStyle = `hsl(${(seed * 57 + i * 31) % 360}, 70%, ${30 + (i % 5) * 10}%)`;
      g.fillRect((i * 53 + seed * 7) % 600, (i * 37 + seed * 11) % 440, 40 + i, 30 + i);
    }
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.9));
    const file = new File([blob], `IMG_${seed}.jpg`, { type: "image/jpeg" });
    return { id: crypto.randomUUID(), ...(await preparePhoto(file)) };
  };
  const properties = records.allProperties(await records.sites());
  const shift = await records.startShift();
  const places = properties.flatMap((p) => (p.checkpoints || []).map((c) => ({ property: p, checkpoint: c })));
  for (let i = 0; i < 6; i++) {
    const known = places[i % places.length];
    await records.checkIn(shift, { checkpointId: known.checkpoint.id }, known, null);
  }
  for (let r = 0; r < 2; r++) {
    await records.saveReport(
      shift,
      { propertyId: String(properties[r].id), checkpointId: "", category: "graffiti",
        level: "preventive", description: `Klotter ${r + 1}` },
      withPhotos ? [await photo(2 * r + 1), await photo(2 * r + 2)] : [],
      null,
      `Klotter ${r + 1}`
    );
  }
  await records.endShift(await records.currentShift(), "Lugn natt");
  return (await list()).length;
}"""
