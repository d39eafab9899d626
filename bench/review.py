"""Benchmark of the supervisor's review pages on a big night.

Seeds (in a temporary SQLite database, or --database-url) a night of 40 shifts, 5,000
check-ins, 2,000 reports and 4,000 photo rows, plus a small night of 10 reports to compare
with, and a night of 200 reports with 400 real small JPEG photos for the PDF. Then prints, in
one run: the median server time of the night overview, a shift log and the report list
(target <= 150 ms each), their SQL statement counts (the same for both nights), and the time
to build the PDF "Nattrapport" of the 200-report night.

    /work/venv/bin/python bench/review.py [--runs 15] [--database-url URL]

Server time is measured in-process through the WSGI test client: routing, queries, template
rendering and the response body; no network.

    bench/review.py --years 3 --database-url URL --reset

instead fills a district's three years of nights and times every desk page against one
night, side by side; then one year's purge and `backup` (bench/years.py). With --keep (and
no --reset) a database filled before is timed again as it is, without the purge.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

BIG, SMALL, PDF_NIGHT = date(2026, 11, 21), date(2026, 11, 20), date(2026, 11, 22)
TARGET_MS = 150.0
PASSWORD = "bench-password-1"


def make_app(tmp: Path, database_url: str | None):
    from patrol import create_app
    from patrol.migrate import upgrade_database

    url = database_url or "sqlite:///" + str(tmp / "bench.sqlite3")
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
            "TESTS_SKIP_SECOND_FACTOR_SETUP": True,  # the supervisor signs in with a password
        },
        instance_path=tmp / "instance",
    )


def seed(app) -> dict:
    from patrol.auth.models import User
    from patrol.auth.passwords import hash_password
    from patrol.db import db
    from patrol.sites.demo import seed_demo
    from tests.support.synthetic import seed_night

    with app.app_context():
        seed_demo()
        for user in db.session.scalars(sa.select(User)):
            user.password_hash = hash_password(PASSWORD)
        db.session.commit()
        started = time.perf_counter()
        big = seed_night(BIG, shifts=40, checkins=5000, reports=2000, photos=4000, seed=2)
        seeded_s = time.perf_counter() - started
        small = seed_night(SMALL, shifts=2, checkins=25, reports=10, photos=20, seed=1)
        started = time.perf_counter()
        seed_night(
            PDF_NIGHT, shifts=8, checkins=400, reports=200, photos=400, photo_files=True, seed=3
        )
        pdf_seed_s = time.perf_counter() - started
        counts = {
            table: db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))
            for table in ("shifts", "checkins", "reports", "photos")
        }
    return {
        "big": big,
        "small": small,
        "seed_s": seeded_s,
        "pdf_seed_s": pdf_seed_s,
        "rows": counts,
    }


def login(app):
    client = app.test_client()
    token = client.get("/api/v1/me").json["csrf_token"]
    response = client.post(
        "/login", data={"username": "supervisor", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.status_code
    return client


def measure(app, client, url: str, runs: int) -> tuple[float, int]:
    """(median milliseconds, SQL statements of one request)."""
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
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        response.get_data()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), len(statements)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--pdf-runs", type=int, default=3)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument(
        "--years",
        type=int,
        help="instead: a district's N years of nights against one night (see bench/years.py)",
    )
    parser.add_argument(
        "--reset",
        action="store_true",
        help="with --years and --database-url: empty that PostgreSQL database first",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="with --years and --database-url: use the databases as an earlier --keep run "
        "filled them (fill only when empty; no purge, no backup), to time pages again",
    )
    args = parser.parse_args()
    if args.years:
        from bench.years import run_years

        run_years(args, make_app, PASSWORD)
        return

    with tempfile.TemporaryDirectory(prefix="review-bench-") as tmp:
        app = make_app(Path(tmp), args.database_url)
        data = seed(app)
        client = login(app)
        rows = data["rows"]
        print(
            f"seeded: {rows['shifts']} shifts, {rows['checkins']} check-ins, "
            f"{rows['reports']} reports, {rows['photos']} photo rows "
            f"(big night in {data['seed_s']:.1f} s; PDF night with JPEG files in "
            f"{data['pdf_seed_s']:.1f} s); database {app.config['DATABASE_URL'].split(':')[0]}"
        )
        print(
            "big night: 40 shifts, 5,000 check-ins, 2,000 reports, 4,000 photos; "
            "small night: 2 shifts, 25 check-ins, 10 reports"
        )
        pages = {
            "night overview": (f"/review/nights/{BIG}", f"/review/nights/{SMALL}"),
            "shift log": (f"/review/shifts/{data['big'][0]}", f"/review/shifts/{data['small'][0]}"),
            "report list": (
                f"/review/reports?from={BIG}&to={BIG}",
                f"/review/reports?from={SMALL}&to={SMALL}",
            ),
        }
        print(
            f"\n{'page':<16}{'big ms':>9}{'small ms':>10}{'big/small':>11}"
            f"{'vs 150 ms':>11}{'SQL big':>9}{'SQL small':>10}"
        )
        for name, (big_url, small_url) in pages.items():
            big_ms, big_sql = measure(app, client, big_url, args.runs)
            small_ms, small_sql = measure(app, client, small_url, args.runs)
            print(
                f"{name:<16}{big_ms:>9.1f}{small_ms:>10.1f}{big_ms / small_ms:>10.2f}x"
                f"{big_ms / TARGET_MS:>10.2f}x{big_sql:>9}{small_sql:>10}"
            )
        with app.app_context():
            from patrol.db import db

            n = db.session.scalar(
                sa.text(
                    "SELECT count(*) FROM reports r JOIN shifts s ON s.id = r.shift_id "
                    "WHERE s.night = :night"
                ),
                {"night": PDF_NIGHT},
            )
        times = []
        size = 0
        for _ in range(args.pdf_runs):
            started = time.perf_counter()
            response = client.get(f"/review/nights/{PDF_NIGHT}.pdf")
            body = response.get_data()
            times.append(time.perf_counter() - started)
            assert response.status_code == 200 and body.startswith(b"%PDF")
            size = len(body)
        images = body.count(b"/Subtype /Image")
        print(
            f"\nPDF Nattrapport, {n} reports with {images} embedded photos: "
            f"median {statistics.median(times) * 1000:.0f} ms over {args.pdf_runs} runs, "
            f"{size / 1024:.0f} KiB"
        )
        print(
            f"(medians of {args.runs} requests each; shift log = the first shift of each night: "
            f"big 50 reports + 125 check-ins, small 5 + 13)"
        )


if __name__ == "__main__":
    main()
