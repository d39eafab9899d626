"""Where a sync request's time goes, in process (no sockets): cProfile of N check-in PUTs and
N 300 KB photo PUTs through the Flask test client on a fresh database.

    python bench/profile_request.py [--count 300] [--database-url URL] [--top 25]
                                    [--before REF] [--pyinstrument]

Prints milliseconds per request for each kind, and the functions with the most cumulative
time, so that a change to the hot path can be judged by a profile rather than a guess.
With --before REF the same profile of that commit (exported to a temporary folder) is
printed first, for a side-by-side reading. With --pyinstrument, pyinstrument's sampling
profile (its call tree, less distorted by the profiler than cProfile's) of the same requests is
printed after the breakdown.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import hashlib
import json
import os
import pstats
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# --code DIR: profile the app in DIR (an exported older commit) instead of this tree.
CODE = Path(sys.argv[sys.argv.index("--code") + 1]) if "--code" in sys.argv else ROOT
sys.path.insert(0, str(CODE))

from bench.sync_api import photo_300kb  # noqa: E402


def make_app(tmp: Path, database_url: str | None):
    os.environ["PATROL_INSTANCE_PATH"] = str(tmp / "instance")
    from patrol import create_app

    if (CODE / "patrol" / "migrate.py").exists():
        from patrol.migrate import upgrade_database
    else:  # a commit from before the migration CLI moved out of patrol/db.py
        from patrol.db import upgrade_database

    config = {"SECRET_KEY": "profile", "PHOTO_DIR": str(tmp / "photos")}
    if database_url:
        config["DATABASE_URL"] = database_url
    app = create_app(config)
    with app.app_context():
        import sqlalchemy as sa

        from patrol.db import db

        if database_url:
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade_database()
        from patrol.sites.demo import seed_demo

        seed_demo()
    return app


# (label, file suffix, function name): the parts of a sync request worth naming. Cumulative
# times overlap where one part calls another (the view contains the rest), so read them as
# "time inside", not as a sum.
PARTS = (
    ("whole WSGI request", "flask/app.py", "wsgi_app"),
    ("  open the cookie session", "flask/sessions.py", "open_session"),
    ("  load the user (session -> User)", "flask_login/login_manager.py", "_load_user"),
    ("  CSRF check", "flask_wtf/csrf.py", "protect"),
    ("  the view", "patrol/security.py", "wrapped"),
    ("    JSON body", "werkzeug/wrappers/request.py", "get_json"),
    ("    schema load", "marshmallow/schema.py", "load"),
    ("    own shift (SELECT)", ".py", "own_shift"),
    ("    checkpoint (SELECT)", ".py", "resolve_checkpoint"),
    ("    shift and checkpoint (one SELECT)", ".py", "own_shift_and_checkpoint"),
    ("    put_record (INSERT + COMMIT)", "patrol/sync.py", "put_record"),
    ("      COMMIT in the driver", "sqlalchemy/engine/default.py", "do_commit"),
    ("      heard, in the commit (UPDATE)", "patrol/alarms/actions.py", "heard_in_commit"),
    ("    photo: read and hash the body", "patrol/reports/uploads.py", "read_body"),
    ("      sha256 (as it streams in)", "~", "<method 'update' of '_hashlib.HASH' objects>"),
    ("    photo: check and clean", "patrol/reports/images.py", "clean_photo"),
    ("      decode (Pillow)", "PIL/ImageFile.py", "load"),
    ("      wholeness by structure", "patrol/reports/images.py", "jpeg_is_whole"),
    ("      one walk: metadata + wholeness", "patrol/reports/images.py", "walk_jpeg"),
    ("      thumbnail", "patrol/reports/images.py", "make_thumbnail"),
    ("    store_photo (store, INSERT, COMMIT)", "patrol/reports/uploads.py", "store_photo"),
    ("    photo store save", "patrol/reports/storage.py", "save"),
    ("      fsync", "~", "<built-in method posix.fsync>"),
    ("    response dump", "marshmallow/schema.py", "dump"),
    ("  after_request + save session", "flask/app.py", "process_response"),
    ("    heard, alone (after_request)", "patrol/alarms/actions.py", "heard_after_request"),
    ("    request log line", "patrol/logs.py", "log_request"),
    ("  app context teardown", "flask/ctx.py", "pop"),
)


def print_breakdown(stats: pstats.Stats, count: int) -> None:
    """Milliseconds per request inside each named part (profiled, so inflated alike)."""
    for label, suffix, name in PARTS:
        total = sum(
            entry[3]
            for (filename, _line, function), entry in stats.stats.items()
            if function == name and filename.endswith(suffix)
        )
        if total:
            print(f"{label:40s} {total / count * 1000:7.2f} ms")


def bare_client():
    """The yardstick app of bench/sync_api.py, through the same kind of test client."""
    from bench.baseline_app import app as baseline

    return baseline.test_client()


def floor_client(tmp: Path, database_url: str | None):
    """bench/floor_app.py (the least an authenticated durable write costs), logged in, on the
    same database; returns (client, CSRF headers)."""
    os.environ["PATROL_PHOTO_DIR"] = str(tmp / "photos")
    if database_url:
        os.environ["PATROL_DATABASE_URL"] = database_url
    from bench.floor_app import app as floor

    client = floor.test_client()
    token = client.post("/floor/session").json["csrf_token"]
    return client, {"X-CSRFToken": token}


def best_batch_ms(count: int, *calls) -> list[float]:
    """Milliseconds per request of each call, each the best of 10 batches taken in turn: on a
    shared machine the best batch is the one least disturbed by others."""
    batch = max(count // 10, 1)
    best = [float("inf")] * len(calls)
    for _ in range(10):
        for index, function in enumerate(calls):
            started = time.perf_counter()
            for _ in range(batch):
                function()
            best[index] = min(best[index], (time.perf_counter() - started) / batch * 1000)
    return best


def login(client) -> str:
    token = client.get("/api/v1/me").json["csrf_token"]
    response = client.post(
        "/api/v1/session",
        json={"username": "guard", "password": "nattpatrull"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200, response.json
    return response.json["csrf_token"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--top", type=int, default=0, help="also print the top N functions")
    parser.add_argument("--before", default=None, help="git commit to profile first")
    parser.add_argument("--pyinstrument", action="store_true", help="also a sampling profile")
    parser.add_argument(
        "--quick", action="store_true", help="only the timings (no cProfile breakdown)"
    )
    parser.add_argument("--code", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.before:
        import subprocess

        from bench.sync_api import export_commit

        with tempfile.TemporaryDirectory(prefix="patrol-before-") as before:
            code = export_commit(args.before, Path(before) / "code")
            print(f"##### before: {args.before}")
            sys.stdout.flush()
            command = [sys.executable, __file__, "--code", str(code), "--count", str(args.count)]
            if args.database_url:
                command += ["--database-url", args.database_url]
            if args.quick:
                command.append("--quick")
            subprocess.run(command, check=True, env={**os.environ, "PYTHONPATH": str(code)})
        print("##### after: this tree")

    with tempfile.TemporaryDirectory(prefix="patrol-profile-") as tmpdir:
        app = make_app(Path(tmpdir), args.database_url)
        client = app.test_client()
        headers = {"X-CSRFToken": login(client)}
        import sqlalchemy as sa

        from patrol.db import db
        from patrol.sites.models import Checkpoint, Property

        with app.app_context():
            token = db.session.scalar(sa.select(Checkpoint.token).order_by(Checkpoint.id))
            property_id = db.session.scalar(sa.select(Property.id).order_by(Property.id))
        shift_id = str(uuid.uuid4())
        response = client.put(
            f"/api/v1/shifts/{shift_id}",
            json={"started_at": "2026-11-23T20:00:00+01:00"},
            headers=headers,
        )
        assert response.status_code == 201
        checkin = json.dumps(
            {
                "shift_id": shift_id,
                "checkpoint_token": token,
                "method": "qr",
                "occurred_at": "2026-11-23T21:00:00+01:00",
                "lat": 55.5871,
                "lon": 13.0147,
                "accuracy_m": 9.0,
            }
        )
        json_headers = {**headers, "Content-Type": "application/json"}

        def put_checkin():
            r = client.put(f"/api/v1/checkins/{uuid.uuid4()}", data=checkin, headers=json_headers)
            assert r.status_code == 201, r.json

        photo = photo_300kb()
        photo_headers = {
            **headers,
            "Content-Type": "image/jpeg",
            "Content-Digest": f"sha-256=:{base64.b64encode(hashlib.sha256(photo).digest()).decode()}:",
        }
        slots = []
        for _ in range((3 * args.count + 10) // 6 + 1):
            report_id, photo_ids = str(uuid.uuid4()), [str(uuid.uuid4()) for _ in range(6)]
            r = client.put(
                f"/api/v1/reports/{report_id}",
                json={
                    "shift_id": shift_id,
                    "property_id": property_id,
                    "category": "graffiti",
                    "level": "preventive",
                    "occurred_at": "2026-11-23T21:30:00+01:00",
                    "photo_ids": photo_ids,
                },
                headers=headers,
            )
            assert r.status_code == 201, r.json
            slots += [(report_id, p) for p in photo_ids]

        def put_photo():
            report_id, photo_id = slots.pop()
            r = client.put(
                f"/api/v1/reports/{report_id}/photos/{photo_id}", data=photo, headers=photo_headers
            )
            assert r.status_code == 201, r.json

        bare = bare_client()

        def bare_json():
            assert (
                bare.put(f"/json/{uuid.uuid4()}", data=checkin, headers=json_headers).status_code
                == 201
            )

        def bare_sink():
            assert (
                bare.put(f"/sink/{uuid.uuid4()}", data=photo, headers=photo_headers).status_code
                == 201
            )

        # An older commit (--before) may predate the floor: then its run prints none.
        has_floor = (CODE / "bench" / "floor_app.py").exists()
        floor, floor_headers = (
            floor_client(Path(tmpdir), args.database_url) if has_floor else (None, {})
        )

        def floor_put(kind: str, data: bytes, content_type: str):
            headers = {**floor_headers, "Content-Type": content_type}
            r = floor.put(f"/floor/{kind}/{uuid.uuid4()}", data=data, headers=headers)
            assert r.status_code == 201, r.data

        def floor_record():
            floor_put("records", checkin, "application/json")

        def floor_photo():
            floor_put("photos", photo, "image/jpeg")

        kinds = (
            ("check-in PUT", put_checkin, bare_json, "bare JSON", floor_record),
            ("photo PUT (300 KB)", put_photo, bare_sink, "raw sink", floor_photo),
        )
        for name, call, yardstick, yardstick_name, least in kinds:
            call()  # warm up
            yardstick()
            if floor is not None:
                least()
                ours, theirs, floor_ms = best_batch_ms(args.count, call, yardstick, least)
            else:
                (ours, theirs), floor_ms = best_batch_ms(args.count, call, yardstick), None
            if args.quick:
                print(
                    f"=== {name}: {ours:.2f} ms; floor {floor_ms or float('nan'):.2f} ms; "
                    f"floor / app = {(floor_ms or float('nan')) / ours:.2f}"
                )
                continue
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.count):
                call()
            profiler.disable()
            print(
                f"\n=== {name}: {ours:.2f} ms per request (unprofiled, best of 10 batches of "
                f"{args.count // 10}); {yardstick_name} in process: {theirs:.2f} ms; "
                + (f"floor (bench/floor_app.py): {floor_ms:.2f} ms" if floor_ms else "no floor")
                + " ==="
            )
            stats = pstats.Stats(profiler)
            print_breakdown(stats, args.count)
            if args.top:
                stats.sort_stats("cumulative").print_stats(args.top)
            if args.pyinstrument:
                from pyinstrument import Profiler

                sampler = Profiler(interval=0.0002)
                sampler.start()
                for _ in range(args.count):
                    call()
                sampler.stop()
                print(sampler.output_text(unicode=False, color=False, show_all=False))


if __name__ == "__main__":
    main()
