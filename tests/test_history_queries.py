"""Every desk page costs the same number of SQL statements with one night behind it as with
weeks of nights (issue 25, point 4): nothing reads the whole history, nothing runs a statement
per night, shift, report or work order. Natten, the shift log and the report list are also
pinned against a night's size in tests/test_review_queries.py; here the history grows under
each page: Natten, a shift log, the report list, the work orders (open, done, all), Just nu,
the owner's home, month and property pages, the day crew's page and the night's PDF."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time

import sqlalchemy as sa

from patrol.auth.actions import create_user
from patrol.db import db, set_clock
from patrol.nights import ZONE
from patrol.reports.models import Report
from patrol.sites.models import Property
from tests.support.app import TEST_PASSWORD
from tests.support.history import NightSize, seed_history
from tests.support.review import login_page_client
from tests.test_review_queries import statements_for

LAST = date(2026, 11, 30)
SIZE = NightSize(shifts=3, checkins=40, reports=15, photos=8, sos=2)
MORE = 45  # nights of history added under the pages


def test_each_desk_page_costs_the_same_with_one_night_and_with_weeks_behind_it(seeded):
    app = seeded
    set_clock(
        app,
        datetime.combine(LAST + timedelta(days=1), clock_time(7, 30), ZONE).astimezone(UTC),
    )
    with app.app_context():
        create_user("crew", TEST_PASSWORD, "crew", "Dagpersonal")
        # The morning's night, and two before it: one whose work orders are done, one whose
        # are open (so that no list starts empty: an empty list skips its statements).
        first = seed_history(
            LAST - timedelta(days=2),
            3,
            size=SIZE,
            unreviewed=(LAST,),
            photo_files=(LAST,),
            open_after=LAST - timedelta(days=2),
            seed=3,
        )
        owner_org = db.session.scalar(
            sa.text("SELECT organization_id FROM users WHERE username = 'owner'")
        )
        prop = db.session.scalar(
            sa.select(Property.id)
            .where(Property.organization_id == owner_org)
            .order_by(Property.id)
        )
    shift = first["shifts"][LAST][0]
    boss = login_page_client(app, "supervisor")
    owner = login_page_client(app, "owner")
    crew = login_page_client(app, "crew")
    pages = {
        "Natten": (boss, f"/review/nights/{LAST}"),
        "shift log": (boss, f"/review/shifts/{shift}"),
        "report list": (boss, f"/review/reports?from={LAST}&to={LAST}"),
        "open work orders": (boss, "/review/work-orders"),
        "done work orders": (boss, "/review/work-orders?status=done"),
        "all work orders": (boss, "/review/work-orders?status=all"),
        "Just nu": (boss, "/review/now"),
        "owner home": (owner, "/owner/"),
        "owner month": (owner, f"/owner/months/{LAST:%Y-%m}"),
        "owner property": (owner, f"/owner/properties/{prop}"),
        "crew": (crew, "/crew/"),
        "night PDF": (boss, f"/review/nights/{LAST}.pdf"),
    }
    one_night = {name: statements_for(app, c, url) for name, (c, url) in pages.items()}

    with app.app_context():
        more = seed_history(
            LAST - timedelta(days=MORE + 2),
            MORE,
            size=SIZE,
            open_after=LAST - timedelta(days=14),
            seed=4,
        )
        orders = dict(
            db.session.execute(
                sa.text("SELECT status, count(*) FROM work_orders GROUP BY status")
            ).all()
        )
    assert len(more["shifts"]) == MORE
    # Open work orders from the last two weeks, done ones from before: both lists grew.
    assert orders["open"] > 10 and orders["done"] > 10, orders
    with_history = {name: statements_for(app, c, url) for name, (c, url) in pages.items()}
    assert with_history == one_night

    # The owner's property page loads the 50 reports it shows, not the property's history.
    with app.app_context():
        approved_here = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Report)
            .where(Report.property_id == prop, Report.review_status == "reviewed")
        )
        orders_here = db.session.scalar(
            sa.text("SELECT count(*) FROM work_orders WHERE property_id = :p"), {"p": prop}
        )
    assert approved_here > 50 + orders_here, (approved_here, orders_here)
    loaded: list[int] = []

    def count(_target, _context):
        loaded.append(1)

    sa.event.listen(Report, "load", count)
    try:
        page = owner.get(f"/owner/properties/{prop}")
    finally:
        sa.event.remove(Report, "load", count)
    assert page.status_code == 200
    assert page.get_data(as_text=True).count('href="/owner/reports/') >= 50
    # The 50 shown, and the reports of the property's work orders listed above them.
    assert len(loaded) <= 50 + orders_here, (len(loaded), approved_here, orders_here)


def test_done_and_all_work_orders_come_a_page_at_a_time_newest_first(seeded):
    """After years the done work orders are thousands: the done and all lists are paged like
    the report list (50 a page, newest first); the open list, the print and the CSV stay
    whole."""
    import re

    from patrol.review.models import WorkOrder
    from patrol.review.pages import PAGE_SIZE

    app = seeded
    set_clock(
        app,
        datetime.combine(LAST + timedelta(days=1), clock_time(7, 30), ZONE).astimezone(UTC),
    )
    with app.app_context():
        seed_history(
            LAST - timedelta(days=39),
            40,
            size=SIZE,
            unreviewed=(LAST,),
            open_after=LAST - timedelta(days=12),
            seed=5,
        )
        made = dict(db.session.execute(sa.select(WorkOrder.id, WorkOrder.created_at)).all())
        done = set(db.session.scalars(sa.select(WorkOrder.id).where(WorkOrder.status == "done")))
    assert PAGE_SIZE < len(done) < 2 * PAGE_SIZE < len(made), (len(done), len(made))
    boss = login_page_client(app, "supervisor")

    def shown(url: str) -> tuple[list[int], str]:
        response = boss.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        return [int(n) for n in re.findall(r'<li id="order-(\d+)"', page)], page

    first, page_one = shown("/review/work-orders?status=done")
    second, page_two = shown("/review/work-orders?status=done&page=2")
    assert len(first) == PAGE_SIZE and len(second) == len(done) - PAGE_SIZE
    assert set(first) | set(second) == done and not set(first) & set(second)
    # newest first: every order on page 2 was made before every order on page 1
    assert max(made[o] for o in second) <= min(made[o] for o in first)
    assert f"{len(done)} arbetsordrar · nyaste först · sida 1 av 2" in page_one
    assert 'rel="next" href="/review/work-orders?status=done&amp;page=2"' in page_one
    assert 'rel="prev" href="/review/work-orders?status=done"' in page_two
    assert 'rel="next"' not in page_two

    everything, page_all = shown("/review/work-orders?status=all")
    pages = -(-len(made) // PAGE_SIZE)
    assert len(everything) == PAGE_SIZE and f"sida 1 av {pages}" in page_all
    last, _ = shown(f"/review/work-orders?status=all&page={pages}")
    assert len(last) == len(made) - (pages - 1) * PAGE_SIZE
    beyond, _ = shown(f"/review/work-orders?status=all&page={pages + 1}")
    assert beyond == []
    open_ones, page_open = shown("/review/work-orders")
    assert len(open_ones) == len(made) - len(done) and "sida" not in page_open
    for bad in ("0", "abc", "-1"):
        response = boss.get(f"/review/work-orders?status=done&page={bad}")
        assert response.status_code == 400
        assert "Sidan måste vara ett heltal från 1." in response.get_data(as_text=True)

    # The property filter stays in the pager's links; print and CSV stay whole.
    with app.app_context():
        prop = db.session.scalar(
            sa.select(WorkOrder.property_id)
            .group_by(WorkOrder.property_id)
            .order_by(sa.func.count().desc(), WorkOrder.property_id)
            .limit(1)
        )
        here = db.session.scalar(sa.select(sa.func.count()).where(WorkOrder.property_id == prop))
    one_place, page_place = shown(f"/review/work-orders?status=all&property={prop}")
    assert len(one_place) == min(here, PAGE_SIZE)
    printed = boss.get("/review/work-orders/print?status=done").get_data(as_text=True)
    assert printed.count('<li class="wo-sheet') == len(done)
    assert f"{len(done)} arbetsordrar" in printed
    csv = boss.get(
        f"/review/export.csv?what=work-orders&from={LAST - timedelta(days=39)}&to={LAST}"
    ).get_data(as_text=True)
    assert len(csv.strip().splitlines()) == len(made) + 1
