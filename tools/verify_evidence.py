#!/usr/bin/env python3
"""Check a Nattpatrull evidence file (evidence.zip) offline.

Standard library and `cryptography` only; needs neither the app nor its database. It
implements the rules of docs/architecture.md ("The night as evidence") on its own:

1. every record in the manifest, in order: its position, its leaf hash
   SHA-256(salt || canonical JSON) against the file's bytes, its kind and id against the
   entry, its place in the documented order (kinds in the listed order, ids ascending as
   text), and a photo record's SHA-256 against the photo's bytes;
2. the Merkle root over the leaf hashes (inner node = SHA-256(0x01 || left || right), an odd
   last node carried up), the night's root chained to the previous version's root, the
   Ed25519 signature and key id; the same for every earlier version in the chain.

Usage: python3 verify_evidence.py FILE.zip [--root HEX] [--key-id ID]
Exit 0 and "OK ..." when it verifies; exit 1 and the first thing that does not match."""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
import zipfile

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ROOT_PREFIX = b"nattpatrull-night-root/1\n"


class Mismatch(Exception):
    pass


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def merkle_root(leaves: list[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    level = leaves
    while len(level) > 1:
        up = [
            hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest()
            for i in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            up.append(level[-1])
        level = up
    return level[0]


def night_root(seal: dict, merkle: str) -> bytes:
    header = {
        "leaf_count": seal["leaf_count"],
        "merkle_root": merkle,
        "night": seal["night"],
        "previous_root": seal["previous_root"],
        "version": seal["version"],
    }
    return hashlib.sha256(ROOT_PREFIX + canonical(header)).digest()


def check_seal(seal: dict, merkle: str) -> None:
    """The root from the header, the key id from the public key, the signature."""
    what = f"version {seal['version']}"
    root = night_root(seal, merkle)
    if root.hex() != seal["root"]:
        raise Mismatch(f"{what}: the root does not follow from its Merkle root and chain")
    public = b64url_decode(seal["public_key"])
    if hashlib.sha256(public).hexdigest()[:16] != seal["key_id"]:
        raise Mismatch(f"{what}: the key id does not belong to the public key")
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(b64url_decode(seal["signature"]), root)
    except (InvalidSignature, ValueError):
        raise Mismatch(f"{what}: the signature does not match the root") from None


def check_records(archive: zipfile.ZipFile, manifest: dict) -> list[bytes]:
    kinds = manifest["kinds"]
    hashes = []
    previous_key = None
    for index, entry in enumerate(manifest["records"]):
        name = f"record {index} ({entry.get('kind')} {entry.get('id')})"
        if entry.get("position") != index:
            raise Mismatch(f"{name}: its position says {entry.get('position')}")
        if entry["kind"] not in kinds:
            raise Mismatch(f"{name}: unknown kind")
        key = (kinds.index(entry["kind"]), entry["id"])
        if previous_key is not None and key <= previous_key:
            raise Mismatch(f"{name}: out of the signed order")
        previous_key = key
        digest = bytes.fromhex(entry["leaf_hash"])
        if entry.get("file"):
            try:
                body = archive.read(entry["file"])
            except KeyError:
                raise Mismatch(f"{name}: its file {entry['file']} is missing") from None
            if hashlib.sha256(bytes.fromhex(entry["salt"] or "") + body).digest() != digest:
                raise Mismatch(f"{name}: does not match its leaf hash (changed)")
            record = json.loads(body)
            if record.get("kind") != entry["kind"] or record.get("id") != entry["id"]:
                raise Mismatch(f"{name}: the file holds another record")
            if entry["kind"] == "photo":
                check_photo(archive, entry, record, name)
        hashes.append(digest)
    return hashes


def check_photo(archive: zipfile.ZipFile, entry: dict, record: dict, name: str) -> None:
    if not entry.get("photo"):
        raise Mismatch(f"{name}: the photo's bytes are missing")
    try:
        data = archive.read(entry["photo"])
    except KeyError:
        raise Mismatch(f"{name}: the photo's bytes are missing") from None
    if hashlib.sha256(data).hexdigest() != record["data"].get("sha256"):
        raise Mismatch(f"{name}: the photo does not match its SHA-256 (changed)")


def verify(path: str, expect_root: str | None = None, expect_key: str | None = None) -> str:
    """A one-line summary when the file verifies; raises Mismatch naming what does not."""
    try:
        return _verify(path, expect_root, expect_key)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        # A field missing or of the wrong type: the manifest was edited or is not ours.
        raise Mismatch(f"the manifest is malformed ({type(error).__name__}: {error})") from None


def _verify(path: str, expect_root: str | None, expect_key: str | None) -> str:
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise Mismatch(f"not a readable evidence file: {error}") from None
    with archive:
        try:
            manifest = json.loads(archive.read("manifest.json"))
        except (KeyError, ValueError):
            raise Mismatch("manifest.json is missing or unreadable") from None
        seal = manifest["seal"]
        hashes = check_records(archive, manifest)
        if len(hashes) != seal["leaf_count"]:
            raise Mismatch(f"{len(hashes)} records, but {seal['leaf_count']} were signed")
        merkle = merkle_root(hashes).hex()
        if merkle != seal["merkle_root"]:
            raise Mismatch("the records' Merkle root is not the signed one")
        previous = None
        for earlier in manifest.get("chain", []) + [seal]:
            if earlier["previous_root"] != previous:
                raise Mismatch(
                    f"version {earlier['version']}: the chain to the version before breaks"
                )
            check_seal(earlier, earlier["merkle_root"])
            previous = earlier["root"]
        if expect_root and expect_root.lower() != seal["root"]:
            raise Mismatch("the root is not the one you expected (the printed one)")
        if expect_key and expect_key != seal["key_id"]:
            raise Mismatch("signed with another key than the one you expected")
    purged = sum(1 for e in manifest["records"] if not e.get("file"))
    return (
        f"OK night {seal['night']} version {seal['version']}: {len(hashes)} records "
        f"({purged} purged, as leaf hashes), root {seal['root']}, key {seal['key_id']}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a Nattpatrull evidence file offline.")
    parser.add_argument("file")
    parser.add_argument("--root", help="the root printed on the night's PDF or mail")
    parser.add_argument("--key-id", help="the key id published by the server")
    args = parser.parse_args(argv)
    try:
        print(verify(args.file, args.root, args.key_id))
    except Mismatch as error:
        print(f"FAILED: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
