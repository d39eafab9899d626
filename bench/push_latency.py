"""Time from an acute report's commit to its push request reaching the push service.

    python bench/push_latency.py [--count 100] [--postgres postgresql+psycopg://...]

For each mode, one `flask --app app push-worker` process runs against a fresh database; the
bench PUTs acute reports one by one through the real API (test client), notes the moment each
report's transaction commits (SQLAlchemy after_commit) and the moment the loopback push service
receives the encrypted request, and prints the median and 90th percentile of the difference.
Modes side by side in one run: SQLite with the default 1 s poll, SQLite polling every 0.1 s,
and (with --postgres or TEST_DATABASE_URL) PostgreSQL, where NOTIFY wakes the worker at commit.
Reports are spaced by a random 0-1 s so that they land at random points of the poll cycle.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from patrol import create_app  # noqa: E402
from patrol.db import engine_of  # noqa: E402
from patrol.migrate import upgrade_database  # noqa: E402
from patrol.push.keys import b64url  # noqa: E402
from patrol.signals import report_created  # noqa: E402
from tests.support.push_service import LoopbackPushService, Subscriber  # noqa: E402

PASSWORD = "bench-password"
SUBJECT = "mailto:bench@nattpatrull.example"


def reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def run_mode(name: str, database_url: str, poll: float, count: int, workdir: Path) -> list[float]:
    vapid = b64url(
        ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value.to_bytes(32, "big")
    )
    service = LoopbackPushService().start()
    config = {
        "ENV": "development",
        "SECRET_KEY": "bench",
        "DATABASE_URL": database_url,
        "PHOTO_DIR": str(workdir / "photos"),
        "PASSWORD_HASH_TIME_COST": 1,
        "PASSWORD_HASH_MEMORY_KIB": 1024,
        "VAPID_PRIVATE_KEY": vapid,
        "VAPID_SUBJECT": SUBJECT,
        "PUSH_ALLOWED_HOSTS": f"127.0.0.1:{service.port}",
    }
    if database_url.startswith("postgresql"):
        reset_postgres(database_url)
    upgrade_database(database_url)
    app = create_app(config, instance_path=workdir / f"instance-{name}")
    with app.app_context():
        from patrol.auth.models import User
        from patrol.auth.passwords import hash_password
        from patrol.db import db
        from patrol.sites.demo import seed_demo
        from patrol.sites.models import Property

        seed_demo()
        for user in db.session.scalars(sa.select(User)):
            user.password_hash = hash_password(PASSWORD)
        db.session.commit()
        property_id = db.session.scalar(sa.select(Property.id).order_by(Property.id))

    def login(username):
        client = app.test_client()
        token = client.get("/api/v1/me").json["csrf_token"]
        answer = client.post(
            "/api/v1/session",
            json={"username": username, "password": PASSWORD},
            headers={"X-CSRFToken": token},
        )
        return client, {"X-CSRFToken": answer.json["csrf_token"]}

    guard, guard_headers = login("guard")
    supervisor, supervisor_headers = login("supervisor")
    subscriber = Subscriber(service)
    assert (
        supervisor.post(
            "/api/v1/push/subscriptions", json=subscriber.to_json(), headers=supervisor_headers
        ).status_code
        == 201
    )
    shift_id = str(uuid.uuid4())
    started = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    guard.put(f"/api/v1/shifts/{shift_id}", json={"started_at": started}, headers=guard_headers)

    # Commit time of each acute report: its id is noted by report_created (inside the
    # transaction) and stamped by the session's after_commit.
    in_flight: list[str] = []
    committed: dict[str, float] = {}

    def note(report):
        in_flight.append(str(report.id))

    def stamp(_session):
        now = time.time()
        while in_flight:
            committed[in_flight.pop()] = now

    report_created.connect(note)
    sa.event.listen(Session, "after_commit", stamp)

    env = dict(os.environ)
    env.update(
        PATROL_ENV="development",
        PATROL_SECRET_KEY="bench",
        PATROL_INSTANCE_PATH=str(workdir / f"worker-{name}"),
        PATROL_DATABASE_URL=database_url,
        PATROL_VAPID_PRIVATE_KEY=vapid,
        PATROL_VAPID_SUBJECT=SUBJECT,
        PATROL_PUSH_ALLOWED_HOSTS=f"127.0.0.1:{service.port}",
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "push-worker", "--poll", str(poll)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    latencies = []
    try:
        assert "running" in worker.stdout.readline()
        for n in range(count):
            time.sleep(random.uniform(0, 1.0))
            report_id = str(uuid.uuid4())
            body = {
                "shift_id": shift_id,
                "property_id": property_id,
                "category": "fire_smoke",
                "level": "acute",
                "description": f"bench {n}",
                "occurred_at": datetime.now(UTC).isoformat(),
            }
            answer = guard.put(f"/api/v1/reports/{report_id}", json=body, headers=guard_headers)
            assert answer.status_code == 201, answer.json
            deadline = time.monotonic() + 10
            while len(service.received()) <= n:
                if time.monotonic() > deadline:
                    raise RuntimeError("push not received within 10 s")
                time.sleep(0.001)
            request = service.received()[n]
            assert subscriber.decrypt(request)["id"] == report_id
            latencies.append(request.received_at - committed[report_id])
    finally:
        report_created.disconnect(note)
        sa.event.remove(Session, "after_commit", stamp)
        worker.send_signal(signal.SIGINT)
        output, _ = worker.communicate(timeout=30)
        if worker.returncode not in (0, -signal.SIGINT, 130):
            print(output, file=sys.stderr)
        service.stop()
        engine_of(app).dispose()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        modes = [
            ("sqlite, poll 1 s", "sqlite:///" + str(workdir / "a.sqlite3"), 1.0),
            ("sqlite, poll 0.1 s", "sqlite:///" + str(workdir / "b.sqlite3"), 0.1),
        ]
        if args.postgres:
            modes.append(("postgresql, NOTIFY (poll 1 s)", args.postgres, 1.0))
        results = {}
        for name, url, poll in modes:
            results[name] = run_mode(name.split(",")[0] + str(poll), url, poll, args.count, workdir)
    base = statistics.median(results[modes[0][0]])
    print(f"commit -> push request at the push service, {args.count} acute reports per mode")
    for name, values in results.items():
        values = sorted(values)
        median = statistics.median(values)
        p90 = values[int(0.9 * (len(values) - 1))]
        print(
            f"  {name:32s} median {median * 1000:7.1f} ms  p90 {p90 * 1000:7.1f} ms"
            f"  max {values[-1] * 1000:7.1f} ms  (x{median / base:.3f} of the first)"
        )


if __name__ == "__main__":
    main()
