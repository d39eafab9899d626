"""VAPID: the key pair that signs our push requests, and the subject that names us.

The private key comes from configuration (`PATROL_VAPID_PRIVATE_KEY`: a PEM text or the raw
32-byte key in base64url) or from `<instance>/vapid_private.pem`, which
`flask --app app push-keys` writes. Browsers subscribe with the public key
(`GET /api/v1/push/key`), so it must not change once phones have subscribed.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask, current_app
from py_vapid import Vapid02

KEY_FILE = "vapid_private.pem"
DEVELOPMENT_SUBJECT = "mailto:nattpatrull@localhost"


class PushConfigError(RuntimeError):
    pass


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_path(app: Flask) -> Path:
    return Path(app.instance_path) / KEY_FILE


def generate_key_file(path: Path) -> ec.EllipticCurvePrivateKey:
    """Write a new P-256 private key as PEM, readable by its owner only."""
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return key


def parse_private_key(text: str) -> ec.EllipticCurvePrivateKey:
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
    else:
        raw = b64url_decode(text)
        if len(raw) != 32:
            raise PushConfigError("PATROL_VAPID_PRIVATE_KEY: expected 32 bytes in base64url")
        key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise PushConfigError("the VAPID key must be an EC P-256 private key")
    return key


def load_private_key(app: Flask) -> ec.EllipticCurvePrivateKey | None:
    configured = app.config.get("VAPID_PRIVATE_KEY")
    if configured:
        return parse_private_key(configured)
    path = key_path(app)
    if path.exists():
        return parse_private_key(path.read_text())
    return None


def public_key_b64(key: ec.EllipticCurvePrivateKey) -> str:
    """The public key as the browser's `applicationServerKey` wants it: the uncompressed
    point (65 bytes) in base64url."""
    raw = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(raw)


def subject_host(subject: str) -> str:
    if subject.lower().startswith("mailto:"):
        return subject.split("@")[-1].strip().lower()
    return (urlsplit(subject).hostname or "").lower()


def check_subject(subject: str | None, env: str) -> str:
    """The VAPID `sub` claim: `mailto:` or `https:`, never a localhost one outside development
    (Apple's push service refuses those, so every iPhone would silently get nothing)."""
    if not subject:
        if env == "development":
            return DEVELOPMENT_SUBJECT
        raise PushConfigError("PATROL_VAPID_SUBJECT must be set (mailto:... or https://...)")
    if not (subject.startswith("mailto:") and "@" in subject) and not subject.startswith(
        "https://"
    ):
        raise PushConfigError("PATROL_VAPID_SUBJECT must be a mailto: address or an https: URL")
    host = subject_host(subject)
    local = host in ("localhost", "127.0.0.1", "::1", "[::1]") or host.endswith(".localhost")
    if local and env != "development":
        raise PushConfigError(
            f"PATROL_VAPID_SUBJECT {subject!r} names localhost: push services (Apple's) refuse "
            "it. Use a real mailto: address or https: URL outside development."
        )
    return subject


class VapidSigner:
    """The app's VAPID identity. `claims()` returns a FRESH dict on every call: pywebpush
    writes `aud` and `exp` into the dict it is given, so a shared one would carry the first
    push service's audience to every other."""

    def __init__(self, key: ec.EllipticCurvePrivateKey, subject: str):
        self.vapid = Vapid02(private_key=key)
        self.subject = subject
        self.public_key = public_key_b64(key)

    def claims(self) -> dict:
        return {"sub": self.subject}


def signer() -> VapidSigner | None:
    """The current app's signer, or None when no key is configured (push is then off).

    Loaded on first use, so that a key written by `push-keys` after start is picked up."""
    cached = current_app.extensions.get("patrol_vapid")
    if cached is None:
        key = load_private_key(current_app)
        if key is None:
            return None
        subject = check_subject(current_app.config.get("VAPID_SUBJECT"), current_app.config["ENV"])
        cached = current_app.extensions["patrol_vapid"] = VapidSigner(key, subject)
    return cached
