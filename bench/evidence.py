"""Benchmark: signing a night of 200 reports and 400 photos (issue 26, target < 2 s).

Seeds (in a temporary SQLite database, or --database-url) a night of 8 shifts, 400 check-ins,
200 reports and 400 photo rows, then times `patrol.evidence.snapshot.seal_night` (the snapshot
of every record in canonical JSON, 1,000+ salted leaf hashes, the Merkle root, the Ed25519
signature and the insert of the leaves) and the evidence file built from it, and verifies that
file with tools/verify_evidence.py. The sync API is not touched: nothing is hashed on receipt.

    .venv/bin/python bench/evidence.py [--runs 3] [--database-url URL]
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.review import make_app  # noqa: E402

NIGHT = date(2026, 11, 22)
TARGET_S = 2.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(Path(tmp), args.database_url)
        from patrol.db import db
        from patrol.evidence.export import evidence_zip
        from patrol.evidence.models import EvidenceLeaf, NightSeal
        from patrol.evidence.snapshot import seal_night
        from patrol.reports.models import Photo
        from patrol.reports.storage import read_photo
        from patrol.sites.demo import seed_demo
        from tests.support.synthetic import seed_night

        with app.app_context():
            seed_demo()
            seed_night(
                NIGHT, shifts=8, checkins=400, reports=200, photos=400, photo_files=True, seed=3
            )
            # The synthetic rows carry a placeholder SHA-256: give them their files' real one.
            for photo in db.session.scalars(sa.select(Photo)):
                photo.sha256 = hashlib.sha256(read_photo(photo.storage_key)).hexdigest()
            db.session.commit()
            times = []
            for version in range(1, args.runs + 1):
                started = time.perf_counter()
                seal_night(NIGHT, version, datetime.now(UTC))
                db.session.commit()
                times.append(time.perf_counter() - started)
            leaves = db.session.scalar(
                sa.select(sa.func.count())
                .select_from(EvidenceLeaf)
                .where(EvidenceLeaf.version == 1)
            )
            started = time.perf_counter()
            _seal, data = evidence_zip(NIGHT)
            export_s = time.perf_counter() - started
            assert db.session.scalar(sa.select(sa.func.count()).select_from(NightSeal)) == args.runs
        path = Path(tmp) / "evidence.zip"
        path.write_bytes(data)
        sys.path.insert(0, str(ROOT / "tools"))
        import verify_evidence

        started = time.perf_counter()
        verdict = verify_evidence.verify(str(path))
        verify_s = time.perf_counter() - started
    median = statistics.median(times)
    print(f"night of 200 reports, 400 photos: {leaves} leaves")
    print(
        f"sign (snapshot, hash, Merkle root, Ed25519, insert): median {median:.3f} s "
        f"over {args.runs} runs (target < {TARGET_S:.0f} s) "
        f"[{', '.join(f'{t:.3f}' for t in times)}]"
    )
    print(f"evidence.zip: {len(data) / 1024:.0f} KiB in {export_s:.3f} s; verify {verify_s:.3f} s")
    print(verdict[:60] + "...")
    return 0 if median < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
