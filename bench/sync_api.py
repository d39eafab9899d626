"""Sync API throughput next to a bare Flask baseline, both under gunicorn with 2 workers.

    python bench/sync_api.py [--seconds 4] [--rounds 3] [--clients 4] [--database-url URL]
                             [--before REF [--before-database-url URL]]

Prints, measured side by side in one run (rounds alternate app and yardsticks so that the
machine's noise hits them alike):
  - check-in PUTs/s vs a bare Flask JSON endpoint       (target ratio >= 0.5)
  - 300 KB photo uploads/s vs a raw-body sink endpoint  (target ratio >= 0.4)
  - both again vs the floor (bench/floor_app.py): the least an authenticated, CSRF-checked,
    durable write costs in this stack (session row SELECT, INSERT, COMMIT; for a photo also
    the file's write, fsync and rename); what the app adds on top of that is its own code
The app runs on a fresh SQLite database in a temporary folder unless --database-url is given.
With --before REF (a git commit, e.g. main), that commit's app is exported to a temporary
folder and served beside this one on its own database (--before-database-url for PostgreSQL;
it is emptied), and every round measures it too: before and after, side by side in one run.
"""

from __future__ import annotations

import argparse
import base64
import functools
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    target: str, port: int, env: dict, cwd: Path = ROOT, workers: int = 2
) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [
            str(gunicorn),
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            target,
        ],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(cwd)},
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


def prepare_app(tmp: Path, database_url: str | None, code: Path = ROOT) -> dict:
    """Migrate and seed a database with the app in `code`; returns the environment for
    gunicorn. A PostgreSQL database is emptied first."""
    env = {
        **os.environ,
        "PATROL_INSTANCE_PATH": str(tmp / "instance"),
        "PATROL_SECRET_KEY": "bench-secret",
        "PATROL_PHOTO_DIR": str(tmp / "photos"),
        "PATROL_ENV": "development",
        "PYTHONPATH": str(code),
    }
    if database_url:
        env["PATROL_DATABASE_URL"] = database_url
        import sqlalchemy as sa

        engine = sa.create_engine(database_url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
    flask = Path(sys.executable).with_name("flask")
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run(
            [str(flask), "--app", "app", *command],
            cwd=code,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return env


def export_commit(ref: str, target: Path) -> Path:
    """The tree of commit `ref` of this repository, written to `target`."""
    target.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def cookie_and_token(port: int, method: str, path: str, body=None, headers=None) -> dict:
    """One request; the session cookie it sets and the CSRF token in its JSON answer, as the
    headers of the next requests."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = json.loads(response.read())["csrf_token"]
    conn.close()
    return {"Cookie": cookie, "X-CSRFToken": token}


def login(port: int) -> dict:
    anonymous = cookie_and_token(port, "GET", "/api/v1/me")
    body = json.dumps({"username": "guard", "password": "nattpatrull"})
    headers = {"Content-Type": "application/json", **anonymous}
    return cookie_and_token(port, "POST", "/api/v1/session", body, headers)


def login_floor(port: int) -> dict:
    """A session on the floor app (bench/floor_app.py)."""
    return cookie_and_token(port, "POST", "/floor/session")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--photo-store", default="files", choices=("files", "database"))
    parser.add_argument("--before", default=None, help="git commit to measure beside this tree")
    parser.add_argument("--before-database-url", default=None)
    args = parser.parse_args()
    if args.before and bool(args.database_url) != bool(args.before_database_url):
        parser.error("--before on PostgreSQL needs --before-database-url (a second database)")

    with tempfile.TemporaryDirectory(prefix="patrol-bench-") as tmpdir:
        tmp = Path(tmpdir)
        servers = []
        try:
            envs = {"after": prepare_app(tmp / "after", args.database_url)}
            env = envs["after"]
            env["PATROL_PHOTO_STORE"] = args.photo_store  # this tree only (older ones: files)
            ports = {"after": free_port(), "bare": free_port()}
            servers.append(start_gunicorn("app:app", ports["after"], env))
            servers.append(start_gunicorn("bench.baseline_app:app", ports["bare"], env))
            ports["floor"] = free_port()
            servers.append(start_gunicorn("bench.floor_app:app", ports["floor"], env))
            if args.before:
                code = export_commit(args.before, tmp / "before-code")
                envs["before"] = prepare_app(tmp / "before", args.before_database_url, code)
                ports["before"] = free_port()
                servers.append(start_gunicorn("app:app", ports["before"], envs["before"], code))
            run(args, ports, envs)
        finally:
            for process in servers:
                process.terminate()
                process.wait(timeout=20)


class AppUnderTest:
    """One served app, logged in as the guard, with an open shift and photo slots."""

    def __init__(self, port: int, token: str, property_id: int):
        self.client = Client(port, login(port))
        self.token = token
        self.property_id = property_id
        self.shift_id = str(uuid.uuid4())
        status, _ = self.client.request(
            "PUT",
            f"/api/v1/shifts/{self.shift_id}",
            json.dumps({"started_at": SHIFT_STARTED}).encode(),
            JSON_HEADERS,
        )
        assert status == 201, status
        self.slots: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def checkin(self) -> int:
        body = checkin_body(self.shift_id, self.token)
        return self.client.request("PUT", f"/api/v1/checkins/{uuid.uuid4()}", body, JSON_HEADERS)[0]

    def add_reports(self, count: int) -> None:
        """Reports with six photo slots each, made before the clock starts."""
        for _ in range(count):
            report_id = str(uuid.uuid4())
            photo_ids = [str(uuid.uuid4()) for _ in range(6)]
            body = {
                "shift_id": self.shift_id,
                "property_id": self.property_id,
                "category": "graffiti",
                "level": "preventive",
                "occurred_at": RECORDED_AT,
                "photo_ids": photo_ids,
            }
            status, _ = self.client.request(
                "PUT", f"/api/v1/reports/{report_id}", json.dumps(body).encode(), JSON_HEADERS
            )
            assert status == 201, status
            self.slots.extend((report_id, pid) for pid in photo_ids)

    def photo(self, photo: bytes, headers: dict) -> int:
        with self.lock:
            report_id, photo_id = self.slots.pop()
        return self.client.request(
            "PUT", f"/api/v1/reports/{report_id}/photos/{photo_id}", photo, headers
        )[0]


JSON_HEADERS = {"Content-Type": "application/json"}
# A shift open now, as a guard's is while the phone sends: every write then also marks the
# open shift heard (the silence alarm), as it does on a real night.
_NOW = datetime.now(UTC)
SHIFT_STARTED = (_NOW - timedelta(hours=1)).isoformat()
RECORDED_AT = (_NOW - timedelta(minutes=30)).isoformat()


def checkin_body(shift_id: str, token: str) -> bytes:
    return json.dumps(
        {
            "shift_id": shift_id,
            "checkpoint_token": token,
            "method": "qr",
            "occurred_at": RECORDED_AT,
            "lat": 55.5871,
            "lon": 13.0147,
            "accuracy_m": 9.0,
        }
    ).encode()


def run(args, ports: dict, envs: dict) -> None:
    import sqlalchemy as sa

    def demo_ids(env: dict) -> tuple[str, int]:
        """A checkpoint token and a property id of that app's demo seed (tokens are random)."""
        url = env.get("PATROL_DATABASE_URL") or "sqlite:///" + env["PATROL_INSTANCE_PATH"] + (
            "/patrol.sqlite3"
        )
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            token = conn.scalar(sa.text("SELECT token FROM checkpoints ORDER BY id LIMIT 1"))
            property_id = conn.scalar(sa.text("SELECT id FROM properties ORDER BY id LIMIT 1"))
        engine.dispose()
        return token, property_id

    apps = {
        name: AppUnderTest(ports[name], *demo_ids(envs[name]))
        for name in ("after", "before")
        if name in ports
    }
    bare = Client(ports["bare"])
    floor = Client(ports["floor"], login_floor(ports["floor"]))

    def bare_json() -> int:
        return bare.request(
            "PUT", f"/json/{uuid.uuid4()}", checkin_body("x", "token"), JSON_HEADERS
        )[0]

    photo = photo_300kb()
    photo_headers = {
        "Content-Type": "image/jpeg",
        "Content-Digest": "sha-256=:"
        + base64.b64encode(hashlib.sha256(photo).digest()).decode()
        + ":",
    }

    def base_sink() -> int:
        return bare.request("PUT", f"/sink/{uuid.uuid4()}", photo, photo_headers)[0]

    def floor_record() -> int:
        body = checkin_body(str(uuid.uuid4()), "token")
        return floor.request("PUT", f"/floor/records/{uuid.uuid4()}", body, JSON_HEADERS)[0]

    def floor_photo() -> int:
        return floor.request("PUT", f"/floor/photos/{uuid.uuid4()}", photo, photo_headers)[0]

    print(
        f"sync API vs bare Flask, gunicorn -w 2, {args.clients} clients, "
        f"{args.rounds} rounds x {args.seconds:.0f} s each, photo {len(photo) // 1024} KB, "
        f"{args.photo_store} photo store" + (f", before = {args.before}" if args.before else "")
    )
    ratios: dict[str, list[float]] = {}
    last_photo_rate: dict[str, float] = {}
    for round_no in range(1, args.rounds + 1):
        checkins = {
            name: throughput(a.checkin, args.clients, args.seconds) for name, a in apps.items()
        }
        b = throughput(bare_json, args.clients, args.seconds)
        photos = {}
        for name, a in apps.items():
            # Enough photo slots for the fastest plausible round: photos can outrun check-ins
            # on a noisy machine, so also twice the last round's photo rate.
            fastest = max(checkins[name], 2 * last_photo_rate.get(name, 0.0), 200.0)
            a.add_reports(int(fastest * args.seconds / 6) + 10)
            photos[name] = throughput(
                functools.partial(a.photo, photo, photo_headers), args.clients, args.seconds
            )
        last_photo_rate.update(photos)
        d = throughput(base_sink, args.clients, args.seconds)
        fr = throughput(floor_record, args.clients, args.seconds)
        fp = throughput(floor_photo, args.clients, args.seconds)
        parts = [
            f"round {round_no}: bare JSON {b:7.1f}/s, raw sink {d:6.1f}/s, "
            f"floor record {fr:6.1f}/s = {fr / b:.2f}, floor photo {fp:6.1f}/s = {fp / d:.2f}"
        ]
        ratios.setdefault("floor record/bare", []).append(fr / b)
        ratios.setdefault("floor photo/sink", []).append(fp / d)
        for name in apps:
            ratios.setdefault(f"check-in {name}", []).append(checkins[name] / b)
            ratios.setdefault(f"photo {name}", []).append(photos[name] / d)
            ratios.setdefault(f"check-in {name}/floor", []).append(checkins[name] / fr)
            ratios.setdefault(f"photo {name}/floor", []).append(photos[name] / fp)
            parts.append(
                f"{name}: check-in {checkins[name]:7.1f}/s = {checkins[name] / b:.2f}, "
                f"photo {photos[name]:6.1f}/s = {photos[name] / d:.2f}"
            )
        print(" | ".join(parts))
    for name, values in ratios.items():
        if name.endswith("floor") or name.startswith("floor"):
            note = "(1.00 = nothing on top of the floor)" if name.endswith("floor") else ""
        else:
            note = "(target >= " + ("0.5)" if name.startswith("check-in") else "0.4)")
        print(f"{name + ' ratio':26s} (median): {statistics.median(values):.2f}  {note}")


if __name__ == "__main__":
    main()
