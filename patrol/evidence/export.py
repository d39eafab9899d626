"""The evidence file of a night's kept version: everything needed to check it offline.

    manifest.json          the seal (root, chain, signature, public key, key id) and one entry
                           per leaf in signed order: position, kind, id, leaf hash, salt, file
    records/NNNNN-<kind>.json   each record's canonical JSON, byte for byte as signed
    photos/<photo id>      the photo's bytes (its SHA-256 is in the photo record)
    README.txt             how to check it (tools/verify_evidence.py)

A record whose retention period has ended is in the manifest as its leaf hash only (no salt,
no file): the root still verifies and its content is gone."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import date

import sqlalchemy as sa

from patrol.db import db
from patrol.evidence.models import EvidenceLeaf, NightSeal
from patrol.evidence.snapshot import KINDS, forget_expired
from patrol.reports.models import Photo
from patrol.reports.storage import read_photo

FORMAT = "nattpatrull-evidence/1"

README = """Nattpatrull evidence file / Bevisfil

Check it, offline, with tools/verify_evidence.py (Python 3 and the `cryptography` package):

    python3 verify_evidence.py this-file.zip [--root <the root printed on the night's PDF>]

It recomputes every record's leaf hash (SHA-256 of salt || canonical JSON), checks the
documented order, each photo's SHA-256, the Merkle root, the chain to earlier versions and
the Ed25519 signature, and names the first record that does not match. Compare the key id
with https://<server>/.well-known/nattpatrull-keys.json and the root with a printed copy.
"""


def seal_entry(seal: NightSeal) -> dict:
    return {
        "night": seal.night.isoformat(),
        "version": seal.version,
        "leaf_count": seal.leaf_count,
        "merkle_root": seal.merkle_root,
        "previous_root": seal.previous_root,
        "root": seal.root,
        "key_id": seal.key_id,
        "public_key": seal.public_key,
        "signature": seal.signature,
        "sealed_at": seal.sealed_at.isoformat(),
    }


def evidence_zip(night: date, version: int | None = None) -> tuple[NightSeal, bytes] | None:
    """(the seal, the zip's bytes) of the night's latest (or given) version; None: unsigned."""
    forget_expired()
    db.session.commit()
    seals = db.session.scalars(
        sa.select(NightSeal).where(NightSeal.night == night).order_by(NightSeal.version)
    ).all()
    if version is not None:
        seals = [s for s in seals if s.version <= version]
    if not seals or (version is not None and seals[-1].version != version):
        return None
    seal = seals[-1]
    leaves = db.session.scalars(
        sa.select(EvidenceLeaf)
        .where(EvidenceLeaf.night == night, EvidenceLeaf.version == seal.version)
        .order_by(EvidenceLeaf.position)
    ).all()
    buffer = io.BytesIO()
    entries = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for leaf in leaves:
            entry = {
                "position": leaf.position,
                "kind": leaf.kind,
                "id": leaf.record_id,
                "leaf_hash": leaf.leaf_hash,
                "salt": leaf.salt,
                "file": None,
                "photo": None,
            }
            photo = None
            if leaf.body is not None and leaf.kind == "photo":
                key = json.loads(leaf.body)["data"].get("storage_key")
                photo = read_photo(key) if key else None
                if photo is None and db.session.get(Photo, uuid.UUID(leaf.record_id)) is None:
                    # The purge took the photo before this leaf's own date (its period was
                    # shortened since): the record goes as its leaf hash, like any purged one.
                    leaf.body = leaf.salt = None
                    entry["salt"] = None
            if leaf.body is not None:
                entry["file"] = f"records/{leaf.position:05d}-{leaf.kind}.json"
                archive.writestr(entry["file"], leaf.body.encode("utf-8"))
            if photo is not None:
                entry["photo"] = f"photos/{leaf.record_id}"
                archive.writestr(entry["photo"], photo)
            entries.append(entry)
        manifest = {
            "format": FORMAT,
            "kinds": list(KINDS),
            "seal": seal_entry(seal),
            "chain": [seal_entry(s) for s in seals[:-1]],
            "records": entries,
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=1, ensure_ascii=False))
        archive.writestr("README.txt", README)
    db.session.commit()  # the content of photos the purge took is erased for good
    return seal, buffer.getvalue()
