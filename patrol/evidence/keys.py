"""The server's Ed25519 signing key for the nights' roots.

From `PATROL_SIGNING_KEY` (a PEM text, or the raw 32-byte private key in base64url), else
`<instance>/signing_key.pem`, written on first use when absent (like the development secret:
an instance that signs nights always has a key). The key id is the first 16 hex digits of the
SHA-256 of the raw public key.

Rotation: put the new key in place (set PATROL_SIGNING_KEY, or replace the file) and restart.
New versions are signed with the new key; every seal keeps the key id and public key that made
it, and `/.well-known/nattpatrull-keys.json` lists the current key and every key any seal was
made with, so older exports and printed roots keep verifying. Never delete an old public key
from there; a compromised key is retired by publishing its id with a `retired_at` note in the
operator's own announcements (the roots it signed before then stay what they were)."""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app

KEY_FILE = "signing_key.pem"


class SigningKeyError(RuntimeError):
    pass


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Signer:
    key: Ed25519PrivateKey
    public_raw: bytes

    @property
    def public_key(self) -> str:
        return b64url(self.public_raw)

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_raw)

    def sign(self, data: bytes) -> str:
        return b64url(self.key.sign(data))


def key_id_of(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:16]


def parse_private_key(text: str) -> Ed25519PrivateKey:
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
    else:
        raw = b64url_decode(text)
        if len(raw) != 32:
            raise SigningKeyError("PATROL_SIGNING_KEY: expected 32 bytes in base64url, or a PEM")
        key = Ed25519PrivateKey.from_private_bytes(raw)
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError("the signing key must be an Ed25519 private key")
    return key


def write_key_file(path: Path) -> Ed25519PrivateKey:
    """A new key, readable by its owner only; O_EXCL: two workers starting at once keep one."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return parse_private_key(path.read_text())
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return key


def signer() -> Signer:
    cached = current_app.extensions.get("patrol_signing_key")
    if cached is None:
        configured = current_app.config.get("SIGNING_KEY")
        if configured:
            key = parse_private_key(str(configured))
        else:
            path = Path(current_app.instance_path) / KEY_FILE
            key = parse_private_key(path.read_text()) if path.exists() else write_key_file(path)
        raw = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        cached = current_app.extensions["patrol_signing_key"] = Signer(key, raw)
    return cached
