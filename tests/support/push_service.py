"""A Web Push service on loopback for the tests, and a browser-like subscriber.

`LoopbackPushService` receives what pywebpush POSTs, keeps each request (headers, body, when it
arrived) and answers with scripted statuses (201 by default). `Subscriber` is what a browser
is to the push protocol: its own P-256 key pair and auth secret; it decrypts a received body
with http_ece (aes128gcm, RFC 8291) and checks the VAPID JWT (RFC 8292) with the app's public
key.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from requests.structures import CaseInsensitiveDict


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class PushRequest:
    path: str
    headers: CaseInsensitiveDict
    body: bytes
    received_at: float  # time.time()
    status: int = 201


@dataclass
class LoopbackPushService:
    requests: list[PushRequest] = field(default_factory=list)
    # path -> statuses (with optional headers) to answer before falling back to 201.
    scripted: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))
    # Seconds each answer takes (a push service is never instant).
    delay: float = 0.0

    def start(self) -> LoopbackPushService:
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                now = time.time()
                if service.delay:
                    time.sleep(service.delay)
                with service.lock:
                    queue = service.scripted.get(self.path)
                    status, headers = queue.popleft() if queue else (201, {})
                    service.requests.append(
                        PushRequest(
                            self.path, CaseInsensitiveDict(self.headers.items()), body, now, status
                        )
                    )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_port
        self.origin = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def script(self, path: str, *answers: tuple[int, dict]) -> None:
        with self.lock:
            self.scripted[path].extend(answers)

    def received(self, path: str | None = None) -> list[PushRequest]:
        with self.lock:
            return [r for r in self.requests if path is None or r.path == path]


class Subscriber:
    """A browser's side of one push subscription."""

    def __init__(self, service: LoopbackPushService, name: str | None = None):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth_secret = os.urandom(16)
        self.path = f"/push/{name or b64url(os.urandom(9))}"
        self.endpoint = service.origin + self.path
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.p256dh = b64url(public)

    def to_json(self) -> dict:
        """What `PushSubscription.toJSON()` gives in a browser."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth_secret)},
        }

    def decrypt(self, request: PushRequest) -> dict:
        assert request.headers.get("Content-Encoding") == "aes128gcm"
        plain = http_ece.decrypt(
            request.body,
            private_key=self.private_key,
            auth_secret=self.auth_secret,
            version="aes128gcm",
        )
        return json.loads(plain)


def verify_vapid(request: PushRequest, public_key_b64: str, audience: str) -> dict:
    """Check the `Authorization: vapid t=<JWT>,k=<key>` header (RFC 8292) and return the
    claims: key is the app's, ES256 signature valid, aud is the push service's origin, exp
    within 24 hours. Raises AssertionError (or InvalidSignature) otherwise."""
    scheme, _, params = request.headers["Authorization"].partition(" ")
    assert scheme == "vapid"
    parts = dict(item.strip().split("=", 1) for item in params.split(","))
    assert parts["k"] == public_key_b64
    header_b64, claims_b64, signature_b64 = parts["t"].split(".")
    header = json.loads(b64url_decode(header_b64))
    assert header["alg"] == "ES256" and header["typ"] == "JWT"
    signature = b64url_decode(signature_b64)
    assert len(signature) == 64
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    public_key = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256R1(), b64url_decode(public_key_b64)
    )
    public_key.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    claims = json.loads(b64url_decode(claims_b64))
    assert claims["aud"] == audience
    now = time.time()
    assert now < claims["exp"] <= now + 24 * 3600
    return claims
