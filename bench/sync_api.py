"""Sync API throughput next to a bare Flask baseline, both under gunicorn with 2 workers.

    python bench/sync_api.py [--seconds 4] [--rounds 3] [--clients 4] [--database-url URL]

Prints, measured side by side in one run (rounds alternate app and baseline so that the
machine's noise hits both alike):
  - check-in PUTs/s vs a bare Flask JSON endpoint       (target ratio >= 0.5)
  - 300 KB photo uploads/s vs a raw-body sink endpoint  (target ratio >= 0.6)
The app runs on a fresh SQLite database in a temporary folder unless --database-url is given.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import io
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(target: str, port: int, env: dict) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", target],
        cwd=ROOT,
        env=env,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"gunicorn {target} did not start")


class Client:
    """One keep-alive-free HTTP/1.1 client per thread (gunicorn's sync workers close)."""

    def __init__(self, port: int, headers: dict | None = None):
        self.port = port
        self.headers = headers or {}

    def request(self, method: str, path: str, body: bytes, headers: dict) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers={**self.headers, **headers})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()


def throughput(make_request, clients: int, seconds: float) -> float:
    """Requests per second with `clients` threads calling make_request() for `seconds`."""
    stop = time.perf_counter() + seconds
    done = [0] * clients
    errors: list[str] = []

    def loop(index: int) -> None:
        while time.perf_counter() < stop:
            status = make_request()
            if status not in (200, 201):
                errors.append(str(status))
                return
            done[index] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"unexpected answers: {errors[:5]}")
    return sum(done) / (time.perf_counter() - started)


def photo_300kb() -> bytes:
    """A 1600x1200 JPEG of about 300 KB with no metadata, like the phone's canvas output."""
    from PIL import Image, ImageFilter

    rng = random.Random(7)
    noise = Image.frombytes("RGB", (400, 300), bytes(rng.getrandbits(8) for _ in range(360000)))
    image = noise.resize((1600, 1200)).filter(ImageFilter.GaussianBlur(1.2))
    for quality in range(90, 30, -5):
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality)
        if out.tell() <= 320_000:
            return out.getvalue()
    return out.getvalue()


def prepare_app(tmp: Path, database_url: str | None) -> dict:
    """Migrate and seed a database; returns the environment for gunicorn."""
    env = {
        **os.environ,
        "PATROL_INSTANCE_PATH": str(tmp / "instance"),
        "PATROL_SECRET_KEY": "bench-secret",
        "PATROL_PHOTO_DIR": str(tmp / "photos"),
        "PATROL_ENV": "development",
    }
    if database_url:
        env["PATROL_DATABASE_URL"] = database_url
    flask = Path(sys.executable).with_name("flask")
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run(
            [str(flask), "--app", "app", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return env


def login(port: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/api/v1/me")
    response = conn.getresponse()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = json.loads(response.read())["csrf_token"]
    conn.close()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps({"username": "guard", "password": "nattpatrull"})
    conn.request(
        "POST",
        "/api/v1/session",
        body=body,
        headers={"Content-Type": "application/json", "X-CSRFToken": token, "Cookie": cookie},
    )
    response = conn.getresponse()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = json.loads(response.read())["csrf_token"]
    conn.close()
    return {"Cookie": cookie, "X-CSRFToken": token}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="patrol-bench-") as tmpdir:
        tmp = Path(tmpdir)
        env = prepare_app(tmp, args.database_url)
        app_port, base_port = free_port(), free_port()
        app_server = start_gunicorn("app:app", app_port, env)
        base_server = start_gunicorn("bench.baseline_app:app", base_port, env)
        try:
            run(args, app_port, base_port, env)
        finally:
            for process in (app_server, base_server):
                process.terminate()
                process.wait(timeout=20)


def run(args, app_port: int, base_port: int, env: dict) -> None:
    import sqlalchemy as sa

    session = login(app_port)
    app = Client(app_port, session)
    base = Client(base_port)
    json_headers = {"Content-Type": "application/json"}

    shift_id = str(uuid.uuid4())
    status, _ = app.request(
        "PUT",
        f"/api/v1/shifts/{shift_id}",
        json.dumps({"started_at": "2026-11-23T20:00:00+01:00"}).encode(),
        json_headers,
    )
    assert status == 201, status
    from patrol import create_app
    from patrol.db import db, engine_of
    from patrol.sites.models import Checkpoint, Property

    os.environ.update({k: v for k, v in env.items() if k.startswith("PATROL_")})
    flask_app = create_app()
    with flask_app.app_context():
        token = db.session.scalar(sa.select(Checkpoint.token).order_by(Checkpoint.id))
        property_id = db.session.scalar(sa.select(Property.id).order_by(Property.id))
    engine_of(flask_app).dispose()

    def checkin_body() -> bytes:
        return json.dumps(
            {
                "shift_id": shift_id,
                "checkpoint_token": token,
                "method": "qr",
                "occurred_at": "2026-11-23T21:00:00+01:00",
                "lat": 55.5871,
                "lon": 13.0147,
                "accuracy_m": 9.0,
            }
        ).encode()

    def app_checkin() -> int:
        return app.request("PUT", f"/api/v1/checkins/{uuid.uuid4()}", checkin_body(), json_headers)[
            0
        ]

    def base_json() -> int:
        return base.request("PUT", f"/json/{uuid.uuid4()}", checkin_body(), json_headers)[0]

    photo = photo_300kb()
    photo_headers = {
        "Content-Type": "image/jpeg",
        "Content-Digest": "sha-256=:"
        + base64.b64encode(hashlib.sha256(photo).digest()).decode()
        + ":",
    }
    # Reports with six photo slots each, made before the clock starts.
    slots: list[tuple[str, str]] = []
    slots_lock = threading.Lock()

    def add_reports(count: int) -> None:
        for _ in range(count):
            report_id = str(uuid.uuid4())
            photo_ids = [str(uuid.uuid4()) for _ in range(6)]
            body = {
                "shift_id": shift_id,
                "property_id": property_id,
                "category": "graffiti",
                "level": "preventive",
                "occurred_at": "2026-11-23T21:30:00+01:00",
                "photo_ids": photo_ids,
            }
            status, _ = app.request(
                "PUT", f"/api/v1/reports/{report_id}", json.dumps(body).encode(), json_headers
            )
            assert status == 201, status
            slots.extend((report_id, pid) for pid in photo_ids)

    def app_photo() -> int:
        with slots_lock:
            report_id, photo_id = slots.pop()
        return app.request(
            "PUT", f"/api/v1/reports/{report_id}/photos/{photo_id}", photo, photo_headers
        )[0]

    def base_sink() -> int:
        return base.request("PUT", f"/sink/{uuid.uuid4()}", photo, photo_headers)[0]

    print(
        f"sync API vs bare Flask, gunicorn -w 2, {args.clients} clients, "
        f"{args.rounds} rounds x {args.seconds:.0f} s each, photo {len(photo) // 1024} KB"
    )
    checkin_ratios, photo_ratios = [], []
    for round_no in range(1, args.rounds + 1):
        a = throughput(app_checkin, args.clients, args.seconds)
        b = throughput(base_json, args.clients, args.seconds)
        # Enough photo slots for the fastest plausible round.
        add_reports(int(max(a, 50) * args.seconds / 6) + 10)
        c = throughput(app_photo, args.clients, args.seconds)
        d = throughput(base_sink, args.clients, args.seconds)
        checkin_ratios.append(a / b)
        photo_ratios.append(c / d)
        print(
            f"round {round_no}: check-in {a:7.1f}/s vs bare JSON {b:7.1f}/s = {a / b:.2f} | "
            f"photo {c:6.1f}/s vs raw sink {d:6.1f}/s = {c / d:.2f}"
        )
    print(f"check-in ratio (median): {statistics.median(checkin_ratios):.2f}  (target >= 0.5)")
    print(f"photo ratio    (median): {statistics.median(photo_ratios):.2f}  (target >= 0.6)")


if __name__ == "__main__":
    main()
