"""Logs a person can read at 03:00 (issue Operations, point 4).

One line per request on the `patrol.requests` logger: time, request id, user id, method, the
route's rule (never the raw path: `/c/<token>` holds a sticker's secret, and query strings may
hold anything), status and duration. `PATROL_LOG_FORMAT=json` writes one JSON object per line
(for a log shipper), `text` (the default) `key=value` pairs. The request id is the client's
`X-Request-ID` when it is a plain token (nginx sets one, deploy/nginx-nattpatrull.conf), else a
new one; it is echoed in the answer, so a guard's failed sync and the server's line meet.

Never logged: bodies, headers, cookies, query strings, paths. Unhandled errors are logged once
with their traceback by `patrol.errors`, with the same request id.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, request

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
requests_log = logging.getLogger("patrol.requests")
jobs_log = logging.getLogger("patrol.jobs")


class LineFormatter(logging.Formatter):
    """A record's `fields` (a dict) as one JSON object or `key=value` pairs, after the time."""

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind
        # (whole second, its text): a line per request formats the date once a second.
        self._second: tuple[int, str] = (-1, "")

    def time_text(self, created: float) -> str:
        """`created` as ISO 8601 UTC to the millisecond, as datetime.isoformat writes it."""
        moment = datetime.fromtimestamp(created, UTC)
        second = int(created)
        cached, text = self._second
        if cached != second:
            text = moment.strftime("%Y-%m-%dT%H:%M:%S")
            self._second = (second, text)
        return f"{text}.{moment.microsecond // 1000:03d}+00:00"

    def format(self, record: logging.LogRecord) -> str:
        fields = {
            "time": self.time_text(record.created),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            fields["traceback"] = self.formatException(record.exc_info)
        if self.kind == "json":
            return json.dumps(fields, ensure_ascii=False, default=str)
        text = " ".join(
            f"{key}={json.dumps(value, ensure_ascii=False) if value.__class__ is str and (' ' in value or not value) else value}"
            for key, value in fields.items()
            if key != "traceback"
        )
        return text + ("\n" + fields["traceback"] if "traceback" in fields else "")


def request_id() -> str | None:
    return g.get("request_id")


def init_app(app: Flask) -> None:
    kind = str(app.config.get("LOG_FORMAT") or "text").lower()
    if kind not in ("text", "json"):
        raise RuntimeError(f"PATROL_LOG_FORMAT must be text or json, not {kind!r}")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LineFormatter(kind))
    for logger in (requests_log, jobs_log, logging.getLogger("patrol.errors")):
        # One handler per logger, whichever app was made last in this process (tests make many).
        logger.handlers = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False

    @app.before_request
    def start_request() -> None:
        g.request_started = time.perf_counter()
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex

    @app.after_request
    def log_request(response):
        rule = request.url_rule.rule if request.url_rule is not None else "-"
        # The user only if this request loaded it (no extra query for a static file).
        user = g.get("_login_user")
        fields = {
            "request_id": g.get("request_id"),
            "user": getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None,
            "method": request.method,
            "route": rule,
            "status": response.status_code,
            "ms": round(
                (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000, 1
            ),
        }
        if g.get("request_id"):
            response.headers["X-Request-ID"] = g.request_id
        if requests_log.isEnabledFor(logging.INFO):
            # The record made directly: `info()` would look for its caller in the stack on
            # every request, for a file and line this line never shows.
            requests_log.handle(
                requests_log.makeRecord(
                    requests_log.name, logging.INFO, "", 0, "request", (), None,
                    extra={"fields": fields},
                )
            )  # fmt: skip
        if "patrol_metrics" in app.extensions:
            app.extensions["patrol_metrics"](
                rule, request.method, response.status_code, fields["ms"]
            )
        return response


def log_job(name: str, outcome: str, **details) -> None:
    """One line per worker job run (the worker's drains and scheduled jobs call it)."""
    jobs_log.info("job", extra={"fields": {"job": name, "outcome": outcome, **details}})
