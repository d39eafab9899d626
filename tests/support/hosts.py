"""Several app hosts behind nginx on loopback, as the README's "More than one server" sets
them up: gunicorn processes with their own instance folders, one shared secret key, one
database, the database photo store, and Debian's nginx in front with
PATROL_TRUSTED_PROXIES=1. Each host runs in its own process group, so a test can SIGKILL a
whole host (master and workers) at once.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout} s")


class AppHost:
    """One app host: `gunicorn -w 2 app:app` with its own instance folder."""

    def __init__(self, name: str, folder: Path, env: dict):
        self.name = name
        self.folder = folder
        self.env = {**env, "PATROL_INSTANCE_PATH": str(folder / "instance")}
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> AppHost:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        log = open(self.folder / f"{self.name}.log", "ab")  # noqa: SIM115 (closed with the process)
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                "app:app",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for_port(self.port, self.process, f"app host {self.name}")
        self.wait_until_ready()
        return self

    def wait_until_ready(self, timeout: float = 60) -> None:
        """Until the host's /readyz answers 200 (database, migrations, photo store), as a
        load balancer would wait before sending it traffic."""
        deadline = time.monotonic() + timeout
        answer = None
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/readyz")
                response = connection.getresponse()
                answer = (response.status, response.read()[:500])
                connection.close()
                if answer[0] == 200:
                    return
            except OSError as error:
                answer = (None, str(error))
            time.sleep(0.2)
        raise RuntimeError(f"app host {self.name} not ready within {timeout} s: {answer}")

    def in_request(self) -> bool:
        """Whether a connection to this host is open (nginx opens one per proxied request),
        from the kernel's table of TCP sockets: the host is in the middle of a request."""
        local = f"0100007F:{self.port:04X}"
        with open("/proc/net/tcp") as table:
            next(table)
            return any(
                fields[1] == local and fields[3] == "01"  # ESTABLISHED
                for fields in (line.split() for line in table)
            )

    def kill(self) -> None:
        """SIGKILL the whole host: master and workers, mid-request or not."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


NGINX_CONF = """\
{user}
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    types {{ text/html html; }}
    upstream patrol {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 20m;
        location / {{
            proxy_pass http://patrol;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $http_host;
            # A host that dies mid-request: the sync API's PUTs are idempotent, so nginx may
            # send the same request to the next host (the server answers 201 or 200).
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries 2;
            proxy_connect_timeout 2s;
        }}
    }}
}}
"""


class Nginx:
    """Debian's nginx in the foreground, balancing over the given hosts round-robin."""

    def __init__(self, folder: Path, hosts: list[AppHost]):
        self.folder = folder
        self.hosts = hosts
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def config(self) -> str:
        servers = "\n".join(
            f"        server 127.0.0.1:{host.port} max_fails=1 fail_timeout=30s;"
            for host in self.hosts
        )
        # nginx started as root switches its worker to `nobody`, who may not write here.
        user = "user root;" if os.geteuid() == 0 else ""
        return NGINX_CONF.format(user=user, folder=self.folder, servers=servers, port=self.port)

    def start(self) -> Nginx:
        self.folder.mkdir(parents=True, exist_ok=True)
        conf = self.folder / "nginx.conf"
        conf.write_text(self.config())
        self.process = subprocess.Popen(
            [NGINX, "-p", str(self.folder), "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.folder / "nginx-stderr.log", "ab"),  # noqa: SIM115
            start_new_session=True,
        )
        wait_for_port(self.port, self.process, "nginx")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"
