"""Signing a night: the snapshot of its records, the leaves, the chained root and the seal.

Called by "Natten granskad" (review.hooks) for each kept version, in the transaction that keeps
it. Every record of the night is read as stored at that moment, in the documented order (KINDS,
then the record id as text), put in canonical JSON and hashed with a fresh 16-byte salt. The
sync API does no hashing for this: a night is hashed once, when it is signed.

A fixed number of statements however big the night; the leaves go in with one executemany."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from patrol.db import db, utcnow
from patrol.evidence.canonical import canonical_json, leaf_hash, merkle_root, night_root
from patrol.evidence.keys import signer
from patrol.evidence.models import EvidenceLeaf, NightSeal
from patrol.reports.models import Photo, Report
from patrol.review.actions import AlreadyReviewed
from patrol.review.models import ReportReview, ReviewEvent, WorkOrder
from patrol.review.queries import night_sos
from patrol.rounds.models import RoundSkip
from patrol.schedule.rules import Job, at_stockholm
from patrol.shifts.models import CheckIn, Shift

# The documented order of kinds in a night's record.
KINDS = (
    "shift",
    "checkin",
    "skip",
    "report",
    "photo",
    "report_review",
    "review_event",
    "sos",
    "work_order",
)


# Derived columns that are not part of the record: a photo's thumbnail is made from it later
# (by the worker, or by the night's PDF right after signing).
DERIVED = {"photos": {"thumbnail_key"}}


def columns_of(row) -> dict:
    """Every stored column of a row (binary columns left out: photos are their SHA-256)."""
    mapper = sa.inspect(type(row))
    derived = DERIVED.get(mapper.local_table.name, set())
    data = {}
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        if isinstance(column.type, sa.LargeBinary) or column.name in derived:
            continue
        data[column.name] = getattr(row, attr.key)
    return data


def record_id(kind: str, row) -> str:
    return str(row.report_id if kind == "report_review" else row.id)


def night_rows(night: date) -> list[tuple[str, object]]:
    """(kind, row) of every record of the night, in the documented order."""
    shift_ids = sa.select(Shift.id).where(Shift.night == night)
    report_ids = sa.select(Report.id).where(Report.night == night)
    scalars = db.session.scalars
    found = {
        "shift": scalars(sa.select(Shift).where(Shift.night == night)).all(),
        "checkin": scalars(sa.select(CheckIn).where(CheckIn.shift_id.in_(shift_ids))).all(),
        "skip": scalars(sa.select(RoundSkip).where(RoundSkip.shift_id.in_(shift_ids))).all(),
        "report": scalars(sa.select(Report).where(Report.night == night)).all(),
        "photo": scalars(sa.select(Photo).where(Photo.report_id.in_(report_ids))).all(),
        "report_review": scalars(
            sa.select(ReportReview).where(ReportReview.report_id.in_(report_ids))
        ).all(),
        "review_event": scalars(
            sa.select(ReviewEvent).where(ReviewEvent.report_id.in_(report_ids))
        ).all(),
        "sos": night_sos(night, night),
        "work_order": scalars(
            sa.select(WorkOrder).where(WorkOrder.report_id.in_(report_ids))
        ).all(),
    }
    ordered = []
    for kind in KINDS:
        rows = sorted(found[kind], key=lambda row, k=kind: record_id(k, row))
        ordered += [(kind, row) for row in rows]
    return ordered


def record_body(kind: str, row) -> bytes:
    return canonical_json({"kind": kind, "id": record_id(kind, row), "data": columns_of(row)})


def forget_at(kind: str, row) -> datetime | None:
    """When the record's content must go: the shortest retention period that touches it
    (photos; positions; the text of a report nobody approved; a shift's hand-over text),
    counted like privacy's purge."""
    config = current_app.config
    received = getattr(row, "received_at", None)
    if received is None:
        return None
    periods = []
    if kind == "photo":
        periods.append(config["RETENTION_PHOTOS_DAYS"])
    if getattr(row, "lat", None) is not None:
        periods.append(config["RETENTION_POSITIONS_DAYS"])
    if kind == "report" and row.review_status != "reviewed" and row.description:
        periods.append(config["RETENTION_REPORT_TEXTS_DAYS"])
    if kind == "shift" and row.note:
        # The hand-over's text (the end-of-shift note), counted from when the end arrived.
        received = row.ended_received_at or received
        periods.append(config["RETENTION_REPORT_TEXTS_DAYS"])
    if not periods:
        return None
    return received + timedelta(days=float(min(float(p) for p in periods)))


def seal_night(night: date, version: int, reviewed_at: datetime) -> NightSeal:
    """Snapshot, hash, chain and sign version `version` of the night (not committed)."""
    previous = db.session.scalar(
        sa.select(NightSeal.root)
        .where(NightSeal.night == night, NightSeal.version < version)
        .order_by(NightSeal.version.desc())
        .limit(1)
    )
    leaves, hashes = [], []
    for position, (kind, row) in enumerate(night_rows(night)):
        salt = secrets.token_bytes(16)
        body = record_body(kind, row)
        digest = leaf_hash(salt, body)
        hashes.append(digest)
        leaves.append(
            {
                "night": night,
                "version": version,
                "position": position,
                "kind": kind,
                "record_id": record_id(kind, row),
                "salt": salt.hex(),
                "body": body.decode("utf-8"),
                "leaf_hash": digest.hex(),
                "forget_at": forget_at(kind, row),
            }
        )
    if leaves:
        try:
            db.session.execute(sa.insert(EvidenceLeaf), leaves)
        except IntegrityError:
            # Another supervisor kept this version a moment ago: the same answer as review's.
            db.session.rollback()
            raise AlreadyReviewed from None
    merkle = merkle_root(hashes).hex()
    root = night_root(night.isoformat(), version, len(hashes), merkle, previous)
    key = signer()
    seal = NightSeal(
        night=night,
        version=version,
        sealed_at=reviewed_at,
        leaf_count=len(hashes),
        merkle_root=merkle,
        previous_root=previous,
        root=root.hex(),
        key_id=key.key_id,
        public_key=key.public_key,
        signature=key.sign(root),
    )
    db.session.add(seal)
    return seal


def forget_expired(now: datetime | None = None) -> int:
    """Erase the content and salt of every leaf whose retention period has ended (the leaf
    hash stays, so the signed roots still verify). Run before every export and by the purge
    job's side (evidence's own scheduled job), so no export carries what the purge removed."""
    now = now or utcnow()
    result = db.session.execute(
        sa.update(EvidenceLeaf)
        .where(EvidenceLeaf.forget_at <= now, EvidenceLeaf.body.is_not(None))
        .values(body=None, salt=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def latest_seal(night: date, version: int | None = None) -> NightSeal | None:
    query = sa.select(NightSeal).where(NightSeal.night == night)
    if version is not None:
        query = query.where(NightSeal.version == version)
    return db.session.scalar(query.order_by(NightSeal.version.desc()).limit(1))


def run_forget(_night: date, _key: str) -> str:
    count = forget_expired()
    db.session.commit()
    return f"{count} evidence record(s) reduced to their leaf hash"


def forget_due(night: date) -> datetime:
    return at_stockholm(night + timedelta(days=1), current_app.config["PURGE_AT"])


# Daily, at the purge's hour: what privacy's purge removed leaves the signed snapshots too.
FORGET_JOB = Job(name="evidence_forget", due_at=forget_due, run=run_forget, look_back_nights=1)
