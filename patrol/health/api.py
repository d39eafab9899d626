"""`/healthz` and `/readyz`: for nginx, a load balancer, systemd and an operator's curl.

`/healthz` answers 200 as long as the process serves requests; it touches nothing else, so a
database outage never makes a load balancer kill every app host at once. `/readyz` runs every
registered probe (patrol.status) and answers 503 when a blocking one fails (this host cannot
serve), else 200 ("ready", or "degraded" when the worker or an outbox is behind), with JSON that
names what is wrong. Both are public: they show counts and ages, never content.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from patrol.security import public
from patrol.status import collect
from patrol.version import app_version

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz():
    response = jsonify({"status": "ok", "version": app_version()})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/readyz")
@public
def readyz():
    results = collect()
    ready = all(result.ok for result in results.values() if result.blocking)
    healthy = all(result.ok for result in results.values())
    body = {
        "status": "ready" if healthy else ("degraded" if ready else "not ready"),
        "version": app_version(),
        "checks": {
            name: {
                "ok": result.ok,
                "blocking": result.blocking,
                **({"problem": result.problem} if result.problem else {}),
                **result.details,
            }
            for name, result in results.items()
        },
    }
    response = jsonify(body)
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response
