"""Open-loop load: N guards syncing at a fixed arrival rate against gunicorn.

    python bench/load.py [--guards 100] [--seconds 60] [--rate 200] [--workers 4]
                         [--database-url URL] [--photo-store database|files]

Each simulated guard logs in and starts a shift before the clock starts. Then requests are
sent at a fixed rate (open loop: a request's start time is fixed in advance, so a slow
server cannot lower its own load, and its latency counts from that planned time, queueing
in the client included). Each request is one guard's next record: a check-in, a report
with one photo slot, or that photo (only after the report's answer); about 10 % are a record
sent again with the same id and content (the phone lost the answer), which must answer 200.

Prints requests per second achieved, p50/p95/p99 latency per kind and overall, errors, and
checks in the database that every acknowledged id is there exactly once (rows equal distinct
ids: 0 lost, 0 duplicated). The run is bounded: T seconds of arrivals, then at most 30 s to
finish what is in flight. PostgreSQL unless --database-url says otherwise (default:
TEST_DATABASE_URL, emptied first).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.sync_api import free_port, photo_300kb, prepare_app, start_gunicorn  # noqa: E402

JSON = {"Content-Type": "application/json"}
DRAIN_SECONDS = 30


def request(port, method, path, body=b"", headers=None, timeout=60):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read(), response.getheader("Set-Cookie")
    finally:
        conn.close()


class Guard:
    """One simulated phone: its session, its shift, and what it has sent."""

    def __init__(self, port: int, username: str, token: str, property_id: int):
        self.port = port
        self.token = token
        self.property_id = property_id
        self.lock = threading.Lock()
        status, body, cookie = request(port, "GET", "/api/v1/me")
        cookie = cookie.split(";")[0]
        csrf = json.loads(body)["csrf_token"]
        status, body, new_cookie = request(
            port,
            "POST",
            "/api/v1/session",
            json.dumps({"username": username, "password": "load-password"}).encode(),
            {**JSON, "Cookie": cookie, "X-CSRFToken": csrf},
        )
        assert status == 200, (status, body)
        self.headers = {
            "Cookie": new_cookie.split(";")[0],
            "X-CSRFToken": json.loads(body)["csrf_token"],
        }
        self.shift_id = str(uuid.uuid4())
        status, body, _ = self.put(
            f"/api/v1/shifts/{self.shift_id}",
            json.dumps({"started_at": "2026-11-23T19:30:00+01:00"}).encode(),
            JSON,
        )
        assert status == 201, (status, body)
        self.sent: list[tuple[str, str, bytes, dict]] = []  # (kind, path, body, headers) acked
        self.photo_slots: list[tuple[str, str]] = []  # (report id, photo id) after the report

    def put(self, path, body, headers):
        return request(self.port, "PUT", path, body, {**self.headers, **headers})

    def next_request(self, rng: random.Random, photo: tuple[bytes, dict]):
        """(kind, path, body, headers, on_success) for this guard's next record."""
        with self.lock:
            if self.sent and rng.random() < 0.10:
                kind, path, body, headers = rng.choice(self.sent)
                return "resend " + kind, path, body, headers, None
            if self.photo_slots and rng.random() < 0.6:
                report_id, photo_id = self.photo_slots.pop()
                path = f"/api/v1/reports/{report_id}/photos/{photo_id}"
                return "photo", path, photo[0], photo[1], None
        if rng.random() < 0.2:
            report_id, photo_id = str(uuid.uuid4()), str(uuid.uuid4())
            body = {
                "shift_id": self.shift_id,
                "property_id": self.property_id,
                "category": "graffiti",
                "level": "preventive",
                "description": "Klotter på porten.",
                "occurred_at": "2026-11-23T22:00:00+01:00",
                "photo_ids": [photo_id],
            }

            def after_report():
                with self.lock:
                    self.photo_slots.append((report_id, photo_id))

            return (
                "report",
                f"/api/v1/reports/{report_id}",
                json.dumps(body).encode(),
                JSON,
                (after_report),
            )
        body = {
            "shift_id": self.shift_id,
            "checkpoint_token": self.token,
            "method": "qr",
            "occurred_at": "2026-11-23T21:00:00+01:00",
            "lat": 55.5871,
            "lon": 13.0147,
            "accuracy_m": 9.0,
        }
        return "check-in", f"/api/v1/checkins/{uuid.uuid4()}", json.dumps(body).encode(), JSON, None


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def create_guards(url: str, count: int) -> None:
    """Guards load1..loadN with one password hash (hashing it N times is not the point)."""
    import sqlalchemy as sa

    from patrol.auth.passwords import hash_password

    os.environ.setdefault("PATROL_INSTANCE_PATH", tempfile.mkdtemp(prefix="patrol-load-"))
    from patrol import create_app

    app = create_app(
        {"DATABASE_URL": url, "PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 1024}
    )
    with app.app_context():
        from patrol.auth.models import User
        from patrol.db import db, engine_of

        password_hash = hash_password("load-password")
        db.session.execute(
            sa.insert(User),
            [
                {
                    "username": f"load{i}",
                    "display_name": f"Väktare {i}",
                    "password_hash": password_hash,
                    "role": "guard",
                }
                for i in range(1, count + 1)
            ],
        )
        db.session.commit()
    engine_of(app).dispose()


def database_check(url: str, acked: dict[str, set[str]]) -> list[str]:
    """Lines saying, per table, acknowledged ids vs rows (0 lost, 0 duplicated expected)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    lines, ok = [], True
    with engine.connect() as conn:
        for table, ids in acked.items():
            rows = conn.scalar(sa.text(f"SELECT count(*) FROM {table}"))
            distinct = conn.scalar(sa.text(f"SELECT count(DISTINCT id) FROM {table}"))
            stored = {
                str(uuid.UUID(str(i))) for i in conn.scalars(sa.text(f"SELECT id FROM {table}"))
            }
            lost = len(ids - stored)
            duplicated = rows - distinct
            ok = ok and lost == 0 and duplicated == 0
            lines.append(
                f"  {table:9s} acknowledged ids {len(ids):6d} | rows {rows:6d} | distinct ids "
                f"{distinct:6d} | lost {lost} | duplicated {duplicated}"
            )
    engine.dispose()
    lines.append("  database check: " + ("OK" if ok else "FAILED"))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guards", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, default=200, help="requests per second offered")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--photo-store", default="database", choices=("database", "files"))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    url = args.database_url
    if not url:
        parser.error("--database-url (PostgreSQL) or TEST_DATABASE_URL is needed")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]

    with tempfile.TemporaryDirectory(prefix="patrol-load-") as tmpdir:
        env = prepare_app(Path(tmpdir), url)
        env["PATROL_PHOTO_STORE"] = args.photo_store
        # Cheap password hashes, so that logging in 100 guards (before the clock starts)
        # does not rehash each with the production cost.
        env["PATROL_PASSWORD_HASH_TIME_COST"] = "1"
        env["PATROL_PASSWORD_HASH_MEMORY_KIB"] = "1024"
        create_guards(url, args.guards)
        port = free_port()
        server = start_gunicorn("app:app", port, env, workers=args.workers)
        try:
            run(args, port, url)
        finally:
            server.terminate()
            server.wait(timeout=30)


def run(args, port: int, url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        token = conn.scalar(sa.text("SELECT token FROM checkpoints ORDER BY id LIMIT 1"))
        property_id = conn.scalar(sa.text("SELECT id FROM properties ORDER BY id LIMIT 1"))
    engine.dispose()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=16) as pool:
        guards = list(
            pool.map(
                lambda i: Guard(port, f"load{i}", token, property_id), range(1, args.guards + 1)
            )
        )
    print(
        f"open-loop load: {args.guards} guards logged in with shifts started in "
        f"{time.perf_counter() - started:.1f} s; offering {args.rate:.0f} requests/s for "
        f"{args.seconds:.0f} s against gunicorn -w {args.workers} ({args.photo_store} photo store)"
    )
    data = photo_300kb()
    photo = (
        data,
        {
            "Content-Type": "image/jpeg",
            "Content-Digest": f"sha-256=:{base64.b64encode(hashlib.sha256(data).digest()).decode()}:",
        },
    )
    rng = random.Random(args.seed)
    results: list[tuple[str, int, float]] = []  # (kind, status, seconds from planned start)
    acked: dict[str, set[str]] = {"checkins": set(), "reports": set(), "photos": set()}
    results_lock = threading.Lock()
    tables = {"check-in": "checkins", "report": "reports", "photo": "photos"}

    def send(guard: Guard, planned: float, item) -> None:
        kind, path, body, headers, on_success = item
        try:
            status = guard.put(path, body, headers)[0]
        except OSError as error:
            status = -1
            print(f"  {kind} {path}: {error}", file=sys.stderr)
        latency = time.perf_counter() - planned
        ok = status in ((200,) if kind.startswith("resend") else (201,))
        with results_lock:
            results.append((kind, status, latency))
            if ok and not kind.startswith("resend"):
                acked[tables[kind]].add(path.rsplit("/", 1)[1])
        if ok:
            if on_success:
                on_success()
            if not kind.startswith("resend"):
                with guard.lock:
                    guard.sent.append((kind, path, body, headers))

    total = int(args.rate * args.seconds)
    futures = []
    pool = ThreadPoolExecutor(max_workers=512)
    begin = time.perf_counter()
    for k in range(total):
        planned = begin + k / args.rate
        delay = planned - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        guard = guards[k % len(guards)]
        futures.append(pool.submit(send, guard, planned, guard.next_request(rng, photo)))
    arrivals_end = time.perf_counter()
    done, not_done = wait(futures, timeout=DRAIN_SECONDS)
    elapsed = time.perf_counter() - begin
    pool.shutdown(wait=False, cancel_futures=True)

    with results_lock:
        finished = list(results)
    by_kind = defaultdict(list)
    for kind, _status, latency in finished:
        by_kind[kind].append(latency * 1000)
    errors = defaultdict(int)
    for kind, status, _latency in finished:
        expected = 200 if kind.startswith("resend") else 201
        if status != expected:
            errors[f"{kind} -> {status}"] += 1
    print(
        f"offered {total} requests in {arrivals_end - begin:.1f} s ({total / (arrivals_end - begin):.0f}/s); "
        f"finished {len(finished)} in {elapsed:.1f} s ({len(finished) / elapsed:.0f}/s); "
        f"unfinished after {DRAIN_SECONDS} s drain: {len(not_done)}"
    )
    everything = [latency * 1000 for _kind, _status, latency in finished]
    for kind, values in sorted(by_kind.items()) + [("all", everything)]:
        print(
            f"  {kind:16s} n={len(values):6d}  p50 {percentile(values, 50):7.1f} ms  "
            f"p95 {percentile(values, 95):7.1f} ms  p99 {percentile(values, 99):7.1f} ms"
            + (f"  mean {statistics.mean(values):7.1f} ms" if values else "")
        )
    print(f"  errors: {sum(errors.values())}" + (f" {dict(errors)}" if errors else ""))
    for line in database_check(url, acked):
        print(line)


if __name__ == "__main__":
    main()
