"""A webhook receiver on loopback for the tests: a real HTTP server in a thread that keeps
every POST (headers and the exact body bytes), checks the `Nattpatrull-Signature` the way a
receiver on the other side would (docs/integrations.md), and answers with scripted statuses
(200 once the script is used up)."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from requests.structures import CaseInsensitiveDict

from patrol.webhooks import signature


@dataclass
class Received:
    path: str
    headers: CaseInsensitiveDict
    body: bytes
    status: int
    signature_ok: bool


@dataclass
class WebhookReceiver:
    secret: str
    # The receiver's clock for the signature's age (a test that sets the server's clock sets
    # this to the same function); None: the real time.
    now: object = None
    requests: list[Received] = field(default_factory=list)
    # statuses to answer, in order, before answering 200
    script: deque = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                now: datetime | None = receiver.now() if receiver.now else None
                ok = signature.verify(
                    self.headers.get(signature.HEADER, ""), body, receiver.secret, now=now
                )
                with receiver.lock:
                    status = receiver.script.popleft() if receiver.script else 200
                    if not ok:
                        status = 401  # what a receiver answers to a body it cannot trust
                    receiver.requests.append(
                        Received(self.path, CaseInsensitiveDict(self.headers), body, status, ok)
                    )
                answer = b"ok" if status < 300 else b"not now"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
