"""`GET /metrics` in Prometheus' text format (issue Operations, point 4).

Requests by route (the rule, never the path) and status with their durations, the sync API's
PUTs by kind and outcome, and every number the status probes report (backlogs and their oldest
entry's age, the worker's last run, alarms open: whatever the features register in
`patrol.status`), read at scrape time. Under gunicorn, `PROMETHEUS_MULTIPROC_DIR` (the web
unit sets it to its runtime folder, emptied at each start) makes the counters add up across
worker processes (prometheus_client's multiprocess mode); without it, one process's counters.

Only addresses in `PATROL_METRICS_ALLOW` (comma-separated addresses or networks; default
loopback) may read it; nginx denies it from outside as well.
"""

from __future__ import annotations

import ipaddress
import os

from flask import Blueprint, Flask, Response, abort, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

from patrol.security import public
from patrol.status import collect

bp = Blueprint("metrics", __name__)

REQUESTS = Counter(
    "patrol_requests", "HTTP requests by route and status", ["method", "route", "status"]
)
DURATION = Histogram(
    "patrol_request_duration_seconds",
    "Request duration by route",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SYNC_PUTS = Counter(
    "patrol_sync_puts", "Sync API PUTs by record kind and outcome", ["kind", "outcome"]
)

OUTCOMES = {201: "created", 200: "repeated", 409: "conflict", 401: "logged_out"}


def sync_kind(rule: str) -> str | None:
    """The record kind of a sync PUT's rule (`/api/v1/checkins/<uuid:...>` -> "checkins")."""
    if not rule.startswith("/api/v1/"):
        return None
    if "/photos/" in rule:
        return "photos"
    return rule.removeprefix("/api/v1/").split("/", 1)[0]


def observe(rule: str, method: str, status: int, ms: float) -> None:
    REQUESTS.labels(method, rule, str(status)).inc()
    DURATION.labels(method, rule).observe(ms / 1000)
    if method == "PUT" and (kind := sync_kind(rule)):
        outcome = OUTCOMES.get(status) or ("refused" if status < 500 else "failed")
        SYNC_PUTS.labels(kind, outcome).inc()


class ProbeCollector:
    """The status probes as gauges: `patrol_check_ok{check}` and every numeric detail as
    `patrol_check_<detail>{check}`."""

    def collect(self):
        results = collect()
        ok = GaugeMetricFamily("patrol_check_ok", "1 when the check passes", labels=["check"])
        numbers: dict[str, GaugeMetricFamily] = {}
        for name, result in results.items():
            ok.add_metric([name], 1 if result.ok else 0)
            for key, value in result.details.items():
                if isinstance(value, bool) or not isinstance(value, int | float):
                    continue
                family = numbers.setdefault(
                    key,
                    GaugeMetricFamily(
                        f"patrol_check_{key}", f"{key} reported by a check", labels=["check"]
                    ),
                )
                family.add_metric([name], value)
        yield ok
        yield from numbers.values()


def allowed(address: str | None) -> bool:
    networks = current_app.extensions["patrol_metrics_allow"]
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in networks)


@bp.get("/metrics")
@public
def metrics():
    if not allowed(request.remote_addr):
        abort(403)
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    probes = CollectorRegistry()
    probes.register(ProbeCollector())
    body = generate_latest(registry) + generate_latest(probes)
    return Response(body, mimetype=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


def init_app(app: Flask) -> None:
    allow = str(app.config.get("METRICS_ALLOW") or "127.0.0.1,::1")
    try:
        app.extensions["patrol_metrics_allow"] = [
            ipaddress.ip_network(part.strip(), strict=False)
            for part in allow.split(",")
            if part.strip()
        ]
    except ValueError as error:
        raise RuntimeError(
            f"PATROL_METRICS_ALLOW: {error} (addresses or networks, comma-separated)"
        ) from error
    app.extensions["patrol_metrics"] = observe
    app.register_blueprint(bp)
