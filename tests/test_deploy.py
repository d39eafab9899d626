"""deploy/ is used, not decoration (issue Operations, point 1): the systemd units pass
`systemd-analyze verify`, the nginx site passes `nginx -t`, and the web unit's own `ExecStart`
line serves the app behind the site over TLS and HTTP/2 with gzip, the cache rules and
`/metrics` closed from outside."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import urllib3

from tests.support.deploy import (
    DEPLOY,
    environment_example,
    exec_start,
    local_unit,
    nginx_site,
    unit_setting,
)
from tests.support.hosts import NGINX, free_port, wait_for_port

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]  # starts servers
UNITS = ["nattpatrull-web.service", "nattpatrull-worker.service", "nattpatrull-backup.service"]
SYSTEMD_ANALYZE = shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze"


@pytest.mark.parametrize("unit", UNITS)
def test_unit_passes_systemd_analyze_verify(unit, tmp_path):
    path = tmp_path / unit
    path.write_text(local_unit(unit))
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", str(path)], capture_output=True, text=True, timeout=60
    )
    # verify only warns (exit 0) about unknown keys: any output at all is a finding.
    assert result.returncode == 0 and not result.stdout.strip() and not result.stderr.strip(), (
        result.stdout + result.stderr
    )


@pytest.mark.parametrize("unit", UNITS)
def test_unit_is_hardened_and_restarts(unit):
    text = local_unit(unit)
    assert unit_setting(text, "NoNewPrivileges") == "true"
    assert unit_setting(text, "ProtectSystem") == "strict"
    assert unit_setting(text, "ReadWritePaths").split()[0] == "/var/lib/nattpatrull"
    assert unit_setting(text, "User") == "nattpatrull"
    assert unit_setting(text, "EnvironmentFile") == "/etc/nattpatrull/env"
    if "backup" not in unit:  # a oneshot started by its timer
        assert unit_setting(text, "Restart") in {"on-failure", "always"}
    assert environment_example()["PATROL_INSTANCE_PATH"] == "/var/lib/nattpatrull"


def test_backup_timer_passes_systemd_analyze_verify(tmp_path):
    (tmp_path / "nattpatrull-backup.service").write_text(local_unit("nattpatrull-backup.service"))
    timer = tmp_path / "nattpatrull-backup.timer"
    timer.write_text((DEPLOY / "nattpatrull-backup.timer").read_text())
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", str(timer)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), (
        result.stdout + result.stderr
    )


def test_nginx_site_passes_nginx_t(tmp_path):
    conf = nginx_site(tmp_path, http_port=free_port(), https_port=free_port(), app_port=free_port())
    result = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_gunicorn_refuses_a_wildcard_address(tmp_path):
    command = exec_start("nattpatrull-web.service")
    env = {
        **os.environ,
        "PATROL_BIND": f"0.0.0.0:{free_port()}",
        "PATROL_INSTANCE_PATH": str(tmp_path),
    }
    result = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "PATROL_BIND=0.0.0.0" in result.stderr and "nginx is the only way in" in result.stderr


@pytest.fixture
def served_by_the_unit(tmp_path):
    """gunicorn started with the web unit's ExecStart line and the example environment (made
    local: a SQLite database, this folder), migrated first as the README says; nginx in front
    with the deploy site. Yields the https base URL and the nginx folder."""
    app_port, https_port = free_port(), free_port()
    env = {
        **os.environ,
        **environment_example(),
        "PATROL_SECRET_KEY": "x" * 64,
        "PATROL_DATABASE_URL": f"sqlite:///{tmp_path / 'patrol.sqlite3'}",
        "PATROL_INSTANCE_PATH": str(tmp_path / "instance"),
        "PATROL_PUBLIC_URL": f"https://localhost:{https_port}",
        "PATROL_BIND": f"127.0.0.1:{app_port}",
        "PATROL_WORKERS": "1",
    }
    flask = Path(sys.executable).with_name("flask")
    root = Path(unit_setting(local_unit("nattpatrull-web.service"), "WorkingDirectory"))
    subprocess.run(
        [str(flask), "--app", "app", "db", "upgrade"],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    with open(tmp_path / "gunicorn.log", "wb") as log:
        app = subprocess.Popen(
            exec_start("nattpatrull-web.service"),
            cwd=root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    nginx_folder = tmp_path / "nginx"
    conf = nginx_site(nginx_folder, http_port=free_port(), https_port=https_port, app_port=app_port)
    nginx = subprocess.Popen(
        [NGINX, "-p", str(nginx_folder), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(app_port, app, "gunicorn from the unit's ExecStart")
        wait_for_port(https_port, nginx, "nginx with the deploy site")
        yield f"https://localhost:{https_port}", tmp_path / "gunicorn.log"
    finally:
        for process in (nginx, app):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_the_unit_serves_behind_the_site(served_by_the_unit):
    base, server_log = served_by_the_unit
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    session = requests.Session()
    session.headers["Accept-Encoding"] = "gzip"

    def get(path: str, **kwargs):
        # verify=False per request: REQUESTS_CA_BUNDLE in the environment would override the
        # session's setting, and the certificate is the test's own self-signed one.
        return session.get(base + path, verify=False, timeout=30, **kwargs)

    ready = get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["migrations"]["ok"] is True

    # HTTP/2 over TLS (curl speaks it; requests does not).
    version = subprocess.run(
        ["curl", "-sk", "--http2", "-o", "/dev/null", "-w", "%{http_version}", f"{base}/healthz"],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    assert version.stdout == "2"

    # gzip for static files, HTML and JSON (nginx compresses what the app sends too).
    for path in ["/static/js/app.js", "/login", "/api/v1/openapi.json"]:
        answer = get(path, stream=True)
        assert answer.status_code == 200, path
        assert answer.headers.get("Content-Encoding") == "gzip", path
        raw = answer.raw.read(decode_content=False)
        assert len(gzip.decompress(raw)) > len(raw), path

    # Static files: a digest in the URL is cached for a year, a plain URL is revalidated;
    # the service worker is never cached.
    assert "immutable" in get("/static/css/theme.css?v=abc").headers["Cache-Control"]
    assert get("/static/css/theme.css").headers["Cache-Control"] == "no-cache"
    assert get("/service-worker.js").headers["Cache-Control"] == "no-cache"

    # /metrics is closed from outside.
    assert get("/metrics").status_code == 403

    # The server's log (what the journal keeps) names the route's rule, never a sticker's path.
    assert get("/c/sticker-secret-0123456789abcdef").status_code == 200
    logged = server_log.read_text()
    assert "route=/c/<token>" in logged
    assert "sticker-secret-0123456789abcdef" not in logged


def test_the_operators_command_wrapper_reads_the_environment_file(tmp_path):
    """deploy/nattpatrull-flask sources the environment file with sh, as the README's commands
    use it: the example file must be valid sh too (a value with spaces or <> is quoted)."""
    env_file = tmp_path / "env"
    text = (DEPLOY / "env.example").read_text()
    text += (
        f"\nPATROL_INSTANCE_PATH={tmp_path}\nPATROL_DATABASE_URL=sqlite:///{tmp_path}/db.sqlite3\n"
    )
    env_file.write_text(text)
    root = Path(unit_setting(local_unit("nattpatrull-web.service"), "WorkingDirectory"))
    result = subprocess.run(
        [str(DEPLOY / "nattpatrull-flask"), "version"],
        env={
            "PATH": os.environ["PATH"],
            "NATTPATRULL_ENV_FILE": str(env_file),
            "NATTPATRULL_APP": str(root),
            "NATTPATRULL_VENV": str(Path(sys.executable).parent.parent),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("nattpatrull ")
    assert environment_example()["PATROL_MAIL_FROM"] == "Nattpatrull <nattpatrull@example.se>"
