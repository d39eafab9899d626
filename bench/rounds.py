"""Benchmark of planned rounds' compliance on the review pages.

Seeds (in a temporary SQLite database, or an empty --database-url) 20 routes of 40 checkpoints each,
planned with 3 rounds a night, and 30 nights of patrols that walk most of them (a check-in at
nearly every expected visit, some skips, some rounds left unwalked): about 70,000 check-ins.
A second, small set-up (1 route of 5 checkpoints, 1 night) is measured beside it. Prints, in
one run: the median server time of Natten (with its compliance section), a route's last 30
nights, and the night's rounds CSV (target <= 150 ms each), the big/small ratio, and the SQL
statement count of each page for both set-ups (the same: it does not grow with nights or
routes).

    .venv/bin/python bench/rounds.py [--runs 15] [--database-url URL]

Server time is measured in-process through the WSGI test client: routing, queries, the
compliance rules, template rendering and the response body; no network.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

TARGET_MS = 150.0
PASSWORD = "bench-password-1"
LAST_NIGHT = date(2026, 11, 23)
NIGHTS = 30
ROUTES, CHECKPOINTS, ROUNDS = 20, 40, 3


def make_app(tmp: Path, name: str, database_url: str | None):
    from patrol import create_app
    from patrol.migrate import upgrade_database

    url = database_url or "sqlite:///" + str(tmp / f"{name}.sqlite3")
    upgrade_database(url)
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "DATABASE_URL": url,
            "PHOTO_DIR": str(tmp / "photos"),
            "PASSWORD_HASH_TIME_COST": 1,
            "PASSWORD_HASH_MEMORY_KIB": 1024,
            "SESSION_COOKIE_SECURE": False,
        },
        instance_path=tmp / f"instance-{name}",
    )


def seed(app, routes: int, checkpoints: int, nights: int, rng: random.Random) -> dict:
    """Routes with plans, and nights of patrols that walk them (bulk inserts)."""
    from patrol.auth.models import User
    from patrol.auth.passwords import hash_password
    from patrol.db import db
    from patrol.rounds.models import RoundSkip, Route, RouteCheckpoint, Schedule
    from patrol.rounds.queries import plan_of
    from patrol.rounds.rules import expected_rounds
    from patrol.shifts.models import CheckIn, Shift
    from patrol.sites.demo import seed_demo
    from patrol.sites.models import Area, Checkpoint, Organization, Property

    with app.app_context():
        seed_demo()
        for user in db.session.scalars(sa.select(User)):
            user.password_hash = hash_password(PASSWORD)
        guard = db.session.scalar(sa.select(User).where(User.username == "guard"))
        org = db.session.scalar(sa.select(Organization))
        area = Area(name="Bench area")
        db.session.add(area)
        db.session.flush()
        first_night = LAST_NIGHT - timedelta(days=nights - 1)
        schedules = []
        for r in range(routes):
            prop = Property(
                area_id=area.id, organization_id=org.id, name=f"Fastighet {r}", address="x"
            )
            db.session.add(prop)
            db.session.flush()
            cps = [
                Checkpoint(
                    property_id=prop.id,
                    label=f"Punkt {r}-{c}",
                    short_code=f"B{r:02d}{c:02d}",
                    lat=55.58 + r * 0.001 + c * 0.00005,
                    lon=13.01,
                )
                for c in range(checkpoints)
            ]
            db.session.add_all(cps)
            db.session.flush()
            route = Route(area_id=area.id, name=f"Runda {r:02d}", expected_minutes=45)
            db.session.add(route)
            db.session.flush()
            schedule = Schedule(
                route_id=route.id,
                valid_from=first_night,
                weekdays=list(range(7)),
                window_start=clock(19, 30),
                window_end=clock(4, 0),
                rounds_per_night=ROUNDS,
                tolerance_minutes=15,
            )
            schedule.checkpoints = [
                RouteCheckpoint(position=i + 1, checkpoint_id=cp.id) for i, cp in enumerate(cps)
            ]
            db.session.add(schedule)
            schedules.append(schedule)
        db.session.commit()
        plans = [plan_of(s) for s in schedules]
        shifts, checkins, skips = [], [], []
        for n in range(nights):
            night = first_night + timedelta(days=n)
            for plan in plans:
                shift_id = uuid.uuid4()
                rounds = expected_rounds(plan, night)
                shifts.append(
                    {
                        "id": shift_id,
                        "guard_id": guard.id,
                        "started_at": rounds[0].opens,
                        "ended_at": rounds[-1].closes,
                        "night": night,
                        "received_at": rounds[-1].closes,
                        "flags": [],
                    }
                )
                for r in rounds:
                    if rng.random() < 0.1:
                        continue  # a round left unwalked
                    at = r.opens + timedelta(minutes=5)
                    for cp in r.checkpoint_ids:
                        at += timedelta(seconds=rng.randint(20, 60))
                        if rng.random() < 0.02:
                            skips.append(
                                {
                                    "id": uuid.uuid4(),
                                    "shift_id": shift_id,
                                    "route_id": plan.route_id,
                                    "checkpoint_id": cp,
                                    "reason_code": "locked",
                                    "occurred_at": at,
                                    "received_at": at,
                                    "flags": [],
                                }
                            )
                        elif rng.random() < 0.97:
                            checkins.append(
                                {
                                    "id": uuid.uuid4(),
                                    "shift_id": shift_id,
                                    "checkpoint_id": cp,
                                    "method": "qr",
                                    "occurred_at": at,
                                    "received_at": at,
                                    "flags": [],
                                }
                            )
        db.session.execute(sa.insert(Shift), shifts)
        for i in range(0, len(checkins), 5000):
            db.session.execute(sa.insert(CheckIn), checkins[i : i + 5000])
        if skips:
            db.session.execute(sa.insert(RoundSkip), skips)
        db.session.commit()
        route_id = db.session.scalar(sa.select(Route.id).where(Route.area_id == area.id).limit(1))
    return {"route_id": route_id, "checkins": len(checkins), "skips": len(skips)}


def login(app):
    client = app.test_client()
    token = client.get("/api/v1/me").json["csrf_token"]
    response = client.post(
        "/login", data={"username": "supervisor", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.status_code
    return client


def measure(app, client, url: str, runs: int) -> tuple[float, float, int]:
    """(median wall milliseconds, median CPU milliseconds of this process, SQL statements of
    one request). CPU time shows the server's own work when other programs share the cores;
    with SQLite in-process it includes the database's work too."""
    from patrol.db import engine_of

    engine = engine_of(app)
    client.get(url)  # warm-up: template compilation, caches
    statements = []

    def count(*_args):
        statements.append(1)

    sa.event.listen(engine, "before_cursor_execute", count)
    response = client.get(url)
    sa.event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, (url, response.status_code)
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        response.get_data()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(times), statistics.median(cpu), len(statements)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database-url", help="default: temporary SQLite files")
    args = parser.parse_args()
    from patrol.db import set_clock

    morning = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
    with tempfile.TemporaryDirectory(prefix="rounds-bench-") as tmp:
        apps = {}
        for name, routes, cps, nights in (
            ("big", ROUTES, CHECKPOINTS, NIGHTS),
            ("small", 1, 5, 1),
        ):
            # --database-url holds the big set-up; the small one is always a SQLite file.
            app = make_app(Path(tmp), name, args.database_url if name == "big" else None)
            started = time.perf_counter()
            data = seed(app, routes, cps, nights, random.Random(7))
            set_clock(app, morning)
            apps[name] = (app, login(app), data, time.perf_counter() - started)
        big_app, _, big_data, big_s = apps["big"]
        print(
            f"big: {ROUTES} routes x {CHECKPOINTS} checkpoints x {ROUNDS} rounds, {NIGHTS} nights:"
            f" {big_data['checkins']} check-ins, {big_data['skips']} skips (seeded in {big_s:.1f} s);"
            f" small: 1 route x 5 checkpoints, 1 night; database "
            f"{big_app.config['DATABASE_URL'].split(':')[0]}"
        )
        pages = {
            "Natten": "/review/nights/{night}",
            "route 30 nights": "/review/routes/{route}",
            "rounds CSV": "/review/nights/{night}/rounds.csv",
        }
        print(
            f"\n{'page':<17}{'big ms':>9}{'small ms':>10}{'big/small':>11}{'vs 150 ms':>11}"
            f"{'big CPU':>9}{'small CPU':>11}{'SQL big':>9}{'SQL small':>10}"
        )
        for name, pattern in pages.items():
            results = {}
            for which in ("big", "small"):
                app, client, data, _ = apps[which]
                url = pattern.format(night=LAST_NIGHT.isoformat(), route=data["route_id"])
                results[which] = measure(app, client, url, args.runs)
            (big_ms, big_cpu, big_sql) = results["big"]
            (small_ms, small_cpu, small_sql) = results["small"]
            print(
                f"{name:<17}{big_ms:>9.1f}{small_ms:>10.1f}{big_ms / small_ms:>10.2f}x"
                f"{big_ms / TARGET_MS:>10.2f}x{big_cpu:>9.1f}{small_cpu:>11.1f}"
                f"{big_sql:>9}{small_sql:>10}"
            )
        print(
            f"(medians of {args.runs} requests each, ms; the night of {LAST_NIGHT}, at 07:00;"
            f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )


if __name__ == "__main__":
    main()
