"""gunicorn settings for the systemd unit (deploy/nattpatrull-web.service).

The app is meant to be reached only through nginx, so it binds to loopback or a unix socket:
`PATROL_BIND` (default `127.0.0.1:8000`; `unix:/run/nattpatrull/gunicorn.sock` works too).
A wildcard address (`0.0.0.0`, `::`) is refused at start: it would make the app reachable
around nginx. With several app hosts, bind each to the private address nginx reaches it by.
"""

import ipaddress
import os

bind = [os.environ.get("PATROL_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("PATROL_WORKERS", "4"))
timeout = 60
graceful_timeout = 30
# No access log: its lines hold raw paths (a sticker's /c/<token> is a secret) and query
# strings. The app writes one line per request with the route's rule instead (patrol/logs.py).
accesslog = None
errorlog = "-"


def _not_wildcard(address: str) -> None:
    if address.startswith("unix:"):
        return
    host = address.rsplit(":", 1)[0].strip("[]") if ":" in address else address
    try:
        wildcard = host == "" or ipaddress.ip_address(host).is_unspecified
    except ValueError:
        wildcard = False  # a host name such as localhost
    if not wildcard:
        return
    raise SystemExit(
        f"PATROL_BIND={address}: bind to 127.0.0.1:PORT or unix:/run/nattpatrull/gunicorn.sock; "
        "nginx is the only way in (README, Drift / Operations)"
    )


for _address in bind:
    _not_wildcard(_address)


def child_exit(server, worker):
    """A worker process that ended leaves its gauges behind in the metrics folder
    (prometheus_client's multiprocess mode): mark it dead so they stop counting."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
