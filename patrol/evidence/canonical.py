"""The canonical form of a record, its leaf hash, the Merkle tree and the night's root.

Standard library only: tools/verify_evidence.py implements the same rules on its own (it
must run without the app), and the tests check that it accepts what this module signs.

Canonical JSON (docs/architecture.md, "The night as evidence"): one object
`{"data": {...}, "id": "<record id>", "kind": "<kind>"}`; keys sorted at every level, UTF-8
(no \\u escapes for non-ASCII), no whitespace (separators "," and ":"); times in UTC as
`YYYY-MM-DDTHH:MM:SS.ffffffZ`, dates `YYYY-MM-DD`, UUIDs lowercase with hyphens, decimals
as strings, binary columns left out (a photo's bytes are represented by its SHA-256)."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

ROOT_PREFIX = b"nattpatrull-night-root/1\n"


def plain(value):
    """A column value as the JSON value the canonical form stores."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        # isoformat, not strftime: "%Y" of the year 1 is "1" on glibc, not "0001".
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"

    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def canonical_json(value) -> bytes:
    return json.dumps(
        plain(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def leaf_hash(salt: bytes, body: bytes) -> bytes:
    return hashlib.sha256(salt + body).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    # 0x01 marks an inner node, so no leaf can pose as one.
    return hashlib.sha256(b"\x01" + left + right).digest()


def merkle_levels(leaves: list[bytes]) -> list[list[bytes]]:
    """Every level from the leaves up; an odd last node is carried up unchanged."""
    levels = [list(leaves)]
    while len(levels[-1]) > 1:
        level = levels[-1]
        up = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            up.append(level[-1])
        levels.append(up)
    return levels


def merkle_root(leaves: list[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    return merkle_levels(leaves)[-1][0]


def merkle_path(leaves: list[bytes], position: int) -> list[tuple[str, bytes]]:
    """The proof path of one leaf: ("L" | "R", sibling hash) from the leaf up to the root."""
    path = []
    for level in merkle_levels(leaves)[:-1]:
        sibling = position ^ 1
        if sibling < len(level):
            path.append(("L" if sibling < position else "R", level[sibling]))
        position //= 2
    return path


def root_from_path(leaf: bytes, path: list[tuple[str, bytes]]) -> bytes:
    node = leaf
    for side, sibling in path:
        node = node_hash(sibling, node) if side == "L" else node_hash(node, sibling)
    return node


def night_root(
    night: str, version: int, leaf_count: int, merkle: str, previous: str | None
) -> bytes:
    """The signed root: the version's Merkle root chained to the previous version's root."""
    header = {
        "leaf_count": leaf_count,
        "merkle_root": merkle,
        "night": night,
        "previous_root": previous,
        "version": version,
    }
    return hashlib.sha256(ROOT_PREFIX + canonical_json(header)).digest()
