"""The purge goes in bounded transactions (issue 25, point 4): each batch of rows commits on its
own, so a year of expired data never holds a lock the phones' sync waits on; and a purge that
stops half-way resumes where it was, with nothing done twice or left half done."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from patrol.db import db, engine_of, set_clock
from patrol.privacy.models import PurgeRun
from patrol.privacy.rules import purge
from patrol.reports.models import Photo, Report
from patrol.reports.storage import photo_store
from tests.support.history import NightSize, seed_history

FIRST = date(2025, 1, 10)
SIZE = NightSize(shifts=2, checkins=20, reports=6, photos=5, sos=1)
NIGHTS = 3


class Stop(Exception):
    pass


@pytest.fixture
def old_nights(seeded):
    """Three nights long past every retention period; photos with their files."""
    with seeded.app_context():
        seed_history(FIRST, NIGHTS, size=SIZE, photo_files=(FIRST,), seed=5)
    set_clock(seeded, datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    return seeded


def seen_from_outside(app) -> dict[str, int]:
    """What another connection sees: only what has been committed."""
    with engine_of(app).connect() as conn:
        return {
            "positions": conn.scalar(sa.text("SELECT count(*) FROM checkins WHERE lat IS NOT NULL"))
            + conn.scalar(sa.text("SELECT count(*) FROM reports WHERE lat IS NOT NULL"))
            + conn.scalar(sa.text("SELECT count(*) FROM sos_alerts WHERE lat IS NOT NULL")),
            "photos": conn.scalar(sa.text("SELECT count(*) FROM photos")),
        }


def test_each_batch_commits_on_its_own_and_no_batch_is_larger_than_asked(old_nights):
    app = old_nights
    before = seen_from_outside(app)
    # 3 nights: 60 check-ins (51 with a position), 18 reports with one, 3 SOS; 15 photos.
    assert before == {"positions": 60 - 9 + 18 + 3, "photos": 15}
    batches: list[tuple[str, int, dict]] = []

    def on_batch(kind: str, n: int) -> None:
        batches.append((kind, n, seen_from_outside(app)))

    with app.app_context():
        keys = list(db.session.scalars(sa.select(Photo.storage_key)))
        assert sum(photo_store().exists(key) for key in keys) == 5  # the first night's files
        outcomes = {o.kind: o.count for o in purge(batch_size=10, on_batch=on_batch)}
    assert outcomes["photos"] == 15 and outcomes["positions"] == 72
    assert all(n <= 10 for _, n, _ in batches)
    photo_batches = [(n, seen) for kind, n, seen in batches if kind == "photos"]
    position_batches = [(n, seen) for kind, n, seen in batches if kind == "positions"]
    # 15 photos in batches of 10 and 5; positions per table (51 + 18 + 3): 6 + 2 + 1 batches.
    assert [n for n, _ in photo_batches] == [10, 5]
    assert [n for n, _ in position_batches] == [10, 10, 10, 10, 10, 1, 10, 8, 3]
    # Every batch was visible to another connection as soon as it was done: committed.
    assert [seen["photos"] for _, seen in photo_batches] == [5, 0]
    left = [seen["positions"] for _, seen in position_batches]
    assert left == [62, 52, 42, 32, 22, 21, 11, 3, 0]
    with app.app_context():
        # Each photo's files went with its batch, and the reports no longer promise them.
        assert all(not r.photo_ids for r in db.session.scalars(sa.select(Report)))
        assert not any(photo_store().exists(key) for key in keys)
        runs = {r.kind: r.count for r in db.session.scalars(sa.select(PurgeRun))}
    assert runs["photos"] == 15 and runs["positions"] == 72


def test_a_purge_that_stops_half_way_resumes_where_it_was(old_nights):
    app = old_nights
    done: list[int] = []

    def crash_after_three(kind: str, n: int) -> None:
        if kind == "positions":
            done.append(n)
            if len(done) == 3:
                raise Stop  # the host goes down after the third batch of positions

    with app.app_context(), pytest.raises(Stop):
        purge(batch_size=10, on_batch=crash_after_three)
    # Photos were finished; three whole batches of positions are gone, the rest is untouched.
    assert seen_from_outside(app) == {"positions": 72 - 30, "photos": 0}
    with app.app_context():
        db.session.rollback()
        again = {o.kind: o.count for o in purge(batch_size=10)}
        assert again["photos"] == 0 and again["positions"] == 42
        still = {o.kind: o.count for o in purge(dry_run=True)}
    assert still["positions"] == 0 and still["photos"] == 0
    assert seen_from_outside(app) == {"positions": 0, "photos": 0}
