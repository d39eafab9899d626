"""The signed record of each kept version of a night (issue 26, points 1-3).

`EvidenceLeaf`: one record of the night as it was stored when the version was kept, in its
canonical JSON (`body`), with the random salt that makes its leaf hash SHA-256(salt || body).
When the record's retention period ends, `body` and `salt` are erased and the leaf hash stays:
the signed root still verifies, and the content cannot be guessed back from the hash.

`NightSeal`: the version's Merkle root over its leaves, chained to the previous version's
root, and the Ed25519 signature with the key id and public key that made it (a rotated key's
seals keep verifying: its public key stays published from these rows)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from patrol.db import Base, UTCDateTime


class NightSeal(Base):
    __tablename__ = "night_seals"

    id: Mapped[int] = mapped_column(primary_key=True)
    night: Mapped[date] = mapped_column(sa.Date)
    version: Mapped[int]
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    leaf_count: Mapped[int]
    merkle_root: Mapped[str] = mapped_column(sa.String(64))
    previous_root: Mapped[str | None] = mapped_column(sa.String(64))
    root: Mapped[str] = mapped_column(sa.String(64))
    key_id: Mapped[str] = mapped_column(sa.String(32))
    public_key: Mapped[str] = mapped_column(sa.String(64))  # raw Ed25519 key, base64url
    signature: Mapped[str] = mapped_column(sa.String(128))  # over the 32 root bytes, base64url

    __table_args__ = (sa.UniqueConstraint("night", "version", name="uq_night_seals_version"),)

    @property
    def pdf_lines(self) -> list[str]:
        """What the night's PDF prints on its first page (Swedish: the kept record is)."""
        return [
            f"Signerad rot (version {self.version}, SHA-256): {self.root}",
            f"Nyckel-id: {self.key_id} · {self.leaf_count} poster · "
            "kontrolleras med tools/verify_evidence.py",
        ]


class EvidenceLeaf(Base):
    __tablename__ = "evidence_leaves"

    id: Mapped[int] = mapped_column(primary_key=True)
    night: Mapped[date] = mapped_column(sa.Date)
    version: Mapped[int]
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(32))
    record_id: Mapped[str] = mapped_column(sa.String(64))
    salt: Mapped[str | None] = mapped_column(sa.String(32))  # hex; erased with the body
    body: Mapped[str | None] = mapped_column(sa.Text)  # the canonical JSON; None: purged
    leaf_hash: Mapped[str] = mapped_column(sa.String(64))
    # When the record's content must go (its shortest retention period; None: kept).
    forget_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    __table_args__ = (
        sa.UniqueConstraint("night", "version", "position", name="uq_evidence_leaves_position"),
        sa.Index("ix_evidence_leaves_record", "kind", "record_id"),
    )
