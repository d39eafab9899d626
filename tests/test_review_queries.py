"""The night overview, the shift log and the report list run a fixed number of SQL statements:
a night of 2,000 reports costs as many as a night of 10 (no query per shift or report).
Statements are counted with an SQLAlchemy event listener on the app's engine."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import pytest
import sqlalchemy as sa

from patrol.db import db, engine_of
from tests.support.review import login_page_client
from tests.support.synthetic import seed_night

SMALL, BIG, ONE_BIG_SHIFT = date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22)


@contextmanager
def counted(engine):
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def nights(seeded):
    with seeded.app_context():
        small = seed_night(SMALL, shifts=2, checkins=20, reports=10, photos=10, seed=1)
        big = seed_night(BIG, shifts=40, checkins=5000, reports=2000, photos=4000, seed=2)
        one = seed_night(ONE_BIG_SHIFT, shifts=1, checkins=300, reports=2000, photos=2000, seed=3)
    return {"small": small, "big": big, "one": one}


def statements_for(app, client, url: str) -> int:
    client.get(url)  # warm: the first request may load the user and compile templates
    engine = engine_of(app)
    with counted(engine) as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def test_overview_shift_log_and_list_cost_the_same_for_10_and_2000_reports(seeded, nights):
    boss = login_page_client(seeded, "supervisor")
    with seeded.app_context():
        counts = dict(
            db.session.execute(
                sa.text(
                    "SELECT s.night, count(r.id) FROM shifts s JOIN reports r "
                    "ON r.shift_id = s.id GROUP BY s.night"
                )
            ).all()
        )
    assert {str(k): v for k, v in counts.items()} == {
        "2026-11-20": 10,
        "2026-11-21": 2000,
        "2026-11-22": 2000,
    }

    overview_small = statements_for(seeded, boss, f"/review/nights/{SMALL}")
    overview_big = statements_for(seeded, boss, f"/review/nights/{BIG}")
    assert overview_small == overview_big, (overview_small, overview_big)

    log_small = statements_for(seeded, boss, f"/review/shifts/{nights['small'][0]}")
    log_big = statements_for(seeded, boss, f"/review/shifts/{nights['one'][0]}")
    assert log_small == log_big, (log_small, log_big)

    list_small = statements_for(seeded, boss, f"/review/reports?from={SMALL}&to={SMALL}")
    list_big = statements_for(seeded, boss, f"/review/reports?from={BIG}&to={BIG}")
    assert list_small == list_big, (list_small, list_big)

    # And the counts are small in absolute terms too. Natten's budget covers its own overview
    # plus what other features add to it: planned rounds' compliance and the safety panels
    # (resident information, walks), each a fixed number of statements; every desk page adds
    # the status line's (the worker and each outbox: one statement each) and the menu's count
    # of hand-overs not read.
    assert overview_big <= 19 and log_big <= 17 and list_big <= 15, (
        overview_big,
        log_big,
        list_big,
    )
    # The big shift log really shows its 2,000 reports.
    page = boss.get(f"/review/shifts/{nights['one'][0]}").get_data(as_text=True)
    assert page.count('class="entry report') == 2000
