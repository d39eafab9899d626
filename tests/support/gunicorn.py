"""The app under gunicorn with several worker processes, for tests that need real workers (the
login limit across workers, the fuzzer against a live server)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from patrol.config import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """`gunicorn -w WORKERS app:app` on a free loopback port, configured like an operator does
    it (PATROL_* environment variables), on the database the test's app uses."""

    def __init__(self, app, tmp_path: Path, workers: int = 2, **env: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ)
        self.env.update(
            PATROL_ENV="development",
            PATROL_SECRET_KEY=app.config["SECRET_KEY"],
            PATROL_INSTANCE_PATH=str(tmp_path / "gunicorn-instance"),
            PATROL_DATABASE_URL=app.config["DATABASE_URL"],
            PATROL_PHOTO_DIR=app.config["PHOTO_DIR"],
            PATROL_PASSWORD_HASH_TIME_COST=str(app.config["PASSWORD_HASH_TIME_COST"]),
            PATROL_PASSWORD_HASH_MEMORY_KIB=str(app.config["PASSWORD_HASH_MEMORY_KIB"]),
            PATROL_TESTS_SKIP_SECOND_FACTOR_SETUP=str(
                app.config.get("TESTS_SKIP_SECOND_FACTOR_SETUP", False)
            ).lower(),
            **env,
        )
        self.workers = workers
        self.process: subprocess.Popen | None = None
        self.log = tmp_path / "gunicorn.log"

    def __enter__(self) -> Gunicorn:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "-w",
                str(self.workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "120",
                "app:app",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            try:
                if requests.get(self.url + "/api/v1/me", timeout=10).status_code == 200:
                    return self
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start: {self.log.read_text()[-2000:]}")

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
