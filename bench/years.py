"""Years of nights stay fast: `bench/review.py --years 3 [--database-url URL --reset]`.

A district (60 properties with two checkpoints each, 6 guards a night) is filled first with one
night awaiting review (tonight's morning: 150 check-ins, 15 reports, 20 photos with real
JPEG files, 2 SOS) and the night before it (reviewed, kept, its work orders open). Every desk
page is timed and its SQL statements counted. Then N years of the same nights are inserted
before them (bulk inserts), and the same pages are timed again in the same process, side by
side: Natten, a shift log, the report list, the work orders, Just nu, the owner's month and
property pages, the day crew's page and the night's PDF. Target: every page <= 100 ms server
time with the same number of statements as at one night.

Then the purge: the clock is set one year back and the purge run (untimed: what expired
before), then the clock is set to now and the purge timed: one year's expired photos,
positions and report texts, in bounded transactions (target <= 60 s). Last, `backup` is
timed into a temporary folder.

PostgreSQL is the database this is meant for (--database-url, with --reset to empty it:
DROP SCHEMA public CASCADE); without a URL a temporary SQLite file is used.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

import sqlalchemy as sa

from patrol.nights import ZONE as STOCKHOLM  # the one home of the time zone

LAST = date(2026, 11, 30)  # the night the supervisor reviews this morning
TARGET_MS = 100.0


def reset_database(url: str) -> None:
    from patrol.db import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def login(app, username: str, password: str):
    client = app.test_client()
    token = client.get("/api/v1/me").json["csrf_token"]
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, (username, response.status_code)
    return client


def statements_of(app, client, url: str) -> int:
    """The SQL statements of one request (after a warm-up request)."""
    from patrol.db import engine_of

    engine = engine_of(app)
    client.get(url).get_data()  # warm-up: templates, caches
    statements: list[int] = []

    def count(*_args):
        statements.append(1)

    sa.event.listen(engine, "before_cursor_execute", count)
    response = client.get(url)
    response.get_data()
    sa.event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, (url, response.status_code)
    return len(statements)


def timed(client, url: str) -> float:
    started = time.perf_counter()
    client.get(url).get_data()
    return (time.perf_counter() - started) * 1000


def second_url(url: str | None, suffix: str) -> str | None:
    """The one-night database beside the years': the same server, NAME + suffix."""
    if not url:
        return None
    parsed = sa.engine.make_url(url)
    name = f"{parsed.database}{suffix}"
    engine = sa.create_engine(parsed.set(database="postgres"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def fill(app, tmp: Path, password: str, years: int, keep: bool = False) -> dict:
    """The district, the morning's night and the night before; then `years` years before
    them when years > 0. Returns the pages to time (client, url). With `keep`, a database
    already filled (by an earlier run with --keep) is used as it is."""
    from patrol.auth.actions import create_user
    from patrol.auth.models import User
    from patrol.auth.passwords import hash_password
    from patrol.db import db
    from patrol.sites.demo import seed_demo
    from patrol.sites.models import Organization, Property
    from tests.support.history import seed_district, seed_history

    started = time.perf_counter()
    with app.app_context():
        if db.session.scalar(sa.text("SELECT count(*) FROM shifts")):
            if keep:
                return filled_pages(app, password)
            raise SystemExit("the database is not empty: give --reset (it is emptied)")
        seed_demo()
        seed_district(60, 6)
        org = db.session.scalar(sa.select(Organization).order_by(Organization.id))
        create_user("agare", password, "owner", "Ägare", organization_id=org.id)
        for user in db.session.scalars(sa.select(User)):
            user.password_hash = hash_password(password)
        db.session.commit()
        prop_id = db.session.scalar(
            sa.select(Property.id).where(Property.organization_id == org.id).order_by(Property.id)
        )
        base = seed_history(
            LAST - timedelta(days=1),
            2,
            unreviewed=(LAST,),
            photo_files=(LAST,),
            open_after=LAST - timedelta(days=14),
            seed=7,
        )
        nights = 365 * years
        if years:
            seed_history(
                LAST - timedelta(days=nights - 1),
                nights - 2,
                open_after=LAST - timedelta(days=14),
                seed=11,
            )
        if app.config["DATABASE_URL"].startswith("postgresql"):
            db.session.commit()
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        rows = {
            t: db.session.scalar(sa.text(f"SELECT count(*) FROM {t}"))
            for t in ("shifts", "checkins", "reports", "photos", "sos_alerts", "work_orders")
        }
    print(
        f"{max(nights, 2)} nights in {time.perf_counter() - started:.0f} s on "
        f"{app.config['DATABASE_URL'].split(':')[0]}: "
        + ", ".join(f"{n} {t}" for t, n in rows.items()),
        flush=True,
    )
    return pages_to_time(app, password, base["shifts"][LAST][0], prop_id)


def filled_pages(app, password: str) -> dict:
    """The pages of a database filled by an earlier run (--keep): the morning's first shift
    and the owner's first property, as `fill` picks them."""
    from patrol.db import db
    from patrol.sites.models import Property

    shift = db.session.scalar(
        sa.text("SELECT id FROM shifts WHERE night = :n ORDER BY started_at, id LIMIT 1"),
        {"n": LAST},
    )
    org = db.session.scalar(sa.text("SELECT organization_id FROM users WHERE username = 'agare'"))
    prop_id = db.session.scalar(
        sa.select(Property.id).where(Property.organization_id == org).order_by(Property.id)
    )
    print(
        f"kept database {app.config['DATABASE_URL'].split('@')[-1]}: not filled again (the "
        "photo files stayed in the first run's temporary folder: the night PDF comes without "
        "its thumbnails and tries to make them; bench/pdf.py times the PDF as it is)"
    )
    return pages_to_time(app, password, shift, prop_id)


def pages_to_time(app, password: str, shift, prop_id: int) -> dict:
    boss = login(app, "supervisor", password)
    owner = login(app, "agare", password)
    crew = login(app, "dagpersonal", password)
    return {
        "Natten": (boss, f"/review/nights/{LAST}"),
        "shift log": (boss, f"/review/shifts/{shift}"),
        "report list": (boss, f"/review/reports?from={LAST}&to={LAST}"),
        "work orders": (boss, "/review/work-orders"),
        "Just nu": (boss, "/review/now"),
        "owner month": (owner, f"/owner/months/{LAST:%Y-%m}"),
        "owner property": (owner, f"/owner/properties/{prop_id}"),
        "owner home": (owner, "/owner/"),
        "crew": (crew, "/crew/"),
        "night PDF": (boss, f"/review/nights/{LAST}.pdf"),
    }


def run_years(args, make_app, password: str) -> None:
    import logging

    from patrol.db import set_clock

    one_url = second_url(args.database_url, "_one")
    if args.database_url and args.reset:
        reset_database(args.database_url)
        reset_database(one_url)
    morning = datetime.combine(LAST + timedelta(days=1), clock_time(7, 30), STOCKHOLM)
    with (
        tempfile.TemporaryDirectory(prefix="years-bench-") as tmp,
        tempfile.TemporaryDirectory(prefix="one-night-bench-") as tmp_one,
    ):
        one_app = make_app(Path(tmp_one), one_url)
        app = make_app(Path(tmp), args.database_url)
        logging.getLogger("patrol.requests").setLevel(logging.WARNING)
        for each in (one_app, app):
            set_clock(each, morning.astimezone(UTC))
        keep = bool(getattr(args, "keep", False) and args.database_url)
        one_pages = fill(one_app, Path(tmp_one), password, 0, keep)
        pages = fill(app, Path(tmp), password, args.years, keep)
        results = {}
        for name, (client, url) in pages.items():
            one_client, one_url_ = one_pages[name]
            sql_one = statements_of(one_app, one_client, one_url_)
            sql_years = statements_of(app, client, url)
            one_ms, years_ms = [], []
            for _ in range(args.runs):  # alternating, so the machine's noise hits both
                one_ms.append(timed(one_client, one_url_))
                years_ms.append(timed(client, url))
            results[name] = (
                statistics.median(one_ms),
                statistics.median(years_ms),
                sql_one,
                sql_years,
            )
        print(
            f"\n{'page':<16}{'1 night ms':>11}{f'{args.years} y ms':>10}{'ratio':>8}"
            f"{'vs 100 ms':>11}{'SQL 1 n':>9}{f'SQL {args.years} y':>9}"
        )
        for name, (ms1, msy, sql1, sqly) in results.items():
            mark = "" if sql1 == sqly else "  <- statements grow"
            print(
                f"{name:<16}{ms1:>11.1f}{msy:>10.1f}{msy / ms1:>7.2f}x"
                f"{msy / TARGET_MS:>10.2f}x{sql1:>9}{sqly:>9}{mark}"
            )
        print(
            f"(medians of {args.runs} requests each, alternating between the two databases; "
            "server time in-process; '1 night' = the morning's night and the night before)",
            flush=True,
        )
        if keep:  # the purge would change what the next run finds
            print("--keep: no purge and no backup (they change the data)")
            return
        purge_and_backup(app, morning.astimezone(UTC), Path(tmp))


def purge_and_backup(app, now: datetime, tmp: Path) -> None:
    from patrol.backup.actions import make_backup
    from patrol.db import db, set_clock
    from patrol.privacy.rules import purge

    set_clock(app, now - timedelta(days=365))
    with app.app_context():
        before = purge()
    set_clock(app, now)
    with app.app_context():
        started = time.perf_counter()
        outcomes = purge()
        purge_s = time.perf_counter() - started
        db.session.close()
    print(
        f"\npurge of one year's expired data: {purge_s:.1f} s (target <= 60 s): "
        + ", ".join(f"{o.kind} {o.count}" for o in outcomes)
        + " (the year before, untimed: "
        + ", ".join(f"{o.kind} {o.count}" for o in before)
        + ")"
    )
    with app.app_context():
        started = time.perf_counter()
        manifest = make_backup(tmp / "backup", progress=lambda _line: None)
        backup_s = time.perf_counter() - started
    size = sum(f["bytes"] for f in manifest["files"])
    print(f"backup: {backup_s:.1f} s, {len(manifest['files'])} files, {size / 1e6:.1f} MB")
