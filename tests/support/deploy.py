"""The files in deploy/ as a test uses them: the systemd units with the install prefix of this
checkout, the nginx site on loopback ports with a self-signed certificate, and the `ExecStart`
line of the web unit as an argument list. Every substitution must match, so a change to the
shape of a deploy file breaks the tests instead of being tested around."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
DEPLOY = ROOT / "deploy"
APP_DIR = "/srv/nattpatrull/app"
VENV_DIR = "/srv/nattpatrull/venv"


def replace_exactly(text: str, old: str, new: str, what: str) -> str:
    if old not in text:
        raise AssertionError(f"{what}: expected {old!r} in the deploy file")
    return text.replace(old, new)


def local_unit(name: str) -> str:
    """A unit file with this checkout and its virtualenv in place of /srv/nattpatrull."""
    text = (DEPLOY / name).read_text()
    text = replace_exactly(text, VENV_DIR, str(Path(sys.executable).parent.parent), name)
    return replace_exactly(text, APP_DIR, str(ROOT), name)


def unit_setting(unit_text: str, key: str) -> str:
    values = [
        line.split("=", 1)[1].strip()
        for line in unit_text.splitlines()
        if line.strip().startswith(f"{key}=")
    ]
    if len(values) != 1:
        raise AssertionError(f"expected one {key}= line, found {values}")
    return values[0]


def exec_start(name: str) -> list[str]:
    return shlex.split(unit_setting(local_unit(name), "ExecStart"))


def environment_example() -> dict[str, str]:
    """deploy/env.example as systemd's EnvironmentFile= reads it (KEY=VALUE, # comments)."""
    values = {}
    for line in (DEPLOY / "env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, value = line.split("=", 1)
            values[key] = value[1:-1] if value[:1] == value[-1:] == '"' else value
    return values


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "fullchain.pem", folder / "privkey.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


MAIN_CONF = """\
{user}
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/site.conf;
}}
"""


def nginx_site(folder: Path, *, http_port: int, https_port: int, app_port: int) -> Path:
    """deploy/nginx-nattpatrull.conf on loopback ports in front of `app_port`, with a
    self-signed certificate, inside Debian's stock mime types; returns the main nginx.conf."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = self_signed_certificate(folder)
    name = "nginx-nattpatrull.conf"
    site = (DEPLOY / name).read_text()
    site = replace_exactly(site, "listen 80;", f"listen 127.0.0.1:{http_port};", name)
    site = replace_exactly(site, "listen [::]:80;\n", "", name)
    site = replace_exactly(
        site, "listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;", name
    )
    site = replace_exactly(site, "listen [::]:443 ssl http2;\n", "", name)
    site = replace_exactly(
        site, "/etc/letsencrypt/live/patrull.example.se/fullchain.pem", str(cert), name
    )
    site = replace_exactly(
        site, "/etc/letsencrypt/live/patrull.example.se/privkey.pem", str(key), name
    )
    site = replace_exactly(site, "server 127.0.0.1:8000 ", f"server 127.0.0.1:{app_port} ", name)
    site = replace_exactly(site, f"{APP_DIR}/static/", f"{ROOT}/static/", name)
    site = replace_exactly(site, "/var/www/letsencrypt", str(folder / "acme"), name)
    (folder / "site.conf").write_text(site)
    # nginx started as root switches its worker to `nobody`, who may not read a temp folder.
    user = "user root;" if os.geteuid() == 0 else ""
    conf = folder / "nginx.conf"
    conf.write_text(MAIN_CONF.format(user=user, folder=folder))
    return conf
