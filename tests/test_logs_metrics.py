"""Logs a person can read at 03:00, and metrics (issue Operations, point 4): one line per
request with its request id and the route's rule, never a secret; /metrics from allowed
addresses only, with requests, sync PUTs by kind and outcome, and the status probes."""

from __future__ import annotations

import io
import json
import logging

import pytest

from patrol import logs
from tests.support.app import TEST_PASSWORD
from tests.support.review import sync_shift


@pytest.fixture
def log_lines(app):
    """Everything the request, job and error loggers write during the test, as text."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.LineFormatter(app.config["LOG_FORMAT"]))
    loggers = [logs.requests_log, logs.jobs_log, logging.getLogger("patrol.errors")]
    saved = [list(logger.handlers) for logger in loggers]
    for logger in loggers:
        logger.handlers = [handler]
    yield stream
    for logger, handlers in zip(loggers, saved, strict=True):
        logger.handlers = handlers


def test_a_whole_night_logs_one_line_per_request_and_no_secret(seeded, api_as, places, log_lines):
    seeded.config["LOG_FORMAT"] = "text"
    guard = api_as("guard")
    ids = sync_shift(guard, places)
    # The sticker's secret path is requested too.
    guard.client.get(f"/c/{places['cp1_token']}")
    text = log_lines.getvalue()
    lines = text.splitlines()
    assert len(lines) >= 10
    assert any(
        "route=/api/v1/checkins/<uuid:checkin_id>" in line and "status=201" in line
        for line in lines
    )
    assert any("route=/c/<token>" in line for line in lines)
    session_cookie = guard.client.get_cookie("patrol_session").value
    secrets = {
        "password": TEST_PASSWORD,
        "session cookie": session_cookie,
        "csrf token": guard.csrf,
        "sticker token": places["cp1_token"],
        "report description": "Trasig lampa i trapphuset",
        "photo id": ids["photo"],
    }
    for what, value in secrets.items():
        assert value not in text, f"the log holds the {what}"
    # A base64 run of a photo's bytes would be long; none is there.
    assert max(len(word) for word in text.split()) < 200


def test_json_lines_and_the_request_id_is_echoed(app, client, log_lines):
    app.config["LOG_FORMAT"] = "json"
    log_lines.truncate(0)
    for handler in logs.requests_log.handlers:
        handler.setFormatter(logs.LineFormatter("json"))
    answer = client.get("/healthz", headers={"X-Request-ID": "proxy-abc.123"})
    assert answer.headers["X-Request-ID"] == "proxy-abc.123"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id; with <spaces>"})
    assert (
        made.headers["X-Request-ID"] != "bad id; with <spaces>"
        and len(made.headers["X-Request-ID"]) == 32
    )
    first, second = (json.loads(line) for line in log_lines.getvalue().strip().splitlines())
    assert first["request_id"] == "proxy-abc.123"
    assert first["route"] == "/healthz" and first["status"] == 200 and first["method"] == "GET"
    assert isinstance(first["ms"], float) and first["user"] is None
    assert second["request_id"] == made.headers["X-Request-ID"]


def test_an_unhandled_error_is_logged_once_with_its_traceback_and_request_id(
    app, client, log_lines
):
    @app.get("/boom/<token>")
    def boom(token):
        raise RuntimeError("kaboom")

    from patrol.security import public

    public(app.view_functions["boom"])
    answer = client.get("/boom/secret-sticker-token", headers={"X-Request-ID": "req-1"})
    assert answer.status_code == 500
    text = log_lines.getvalue()
    assert text.count("RuntimeError: kaboom") == 1
    assert "request_id=req-1" in text and "route=/boom/<token>" in text
    assert "secret-sticker-token" not in text


def test_metrics_count_requests_and_sync_puts_and_read_the_probes(seeded, api_as, places):
    guard = api_as("guard")
    sync_shift(guard, places)
    answer = seeded.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert 'patrol_sync_puts_total{kind="checkins",outcome="created"}' in text
    assert 'patrol_sync_puts_total{kind="photos",outcome="created"}' in text
    assert (
        'patrol_requests_total{method="PUT",route="/api/v1/shifts/<uuid:shift_id>",status="201"}'
        in text
    )
    assert "patrol_request_duration_seconds_bucket{" in text
    assert 'patrol_check_ok{check="database"} 1.0' in text
    assert 'patrol_check_ok{check="migrations"} 1.0' in text
    assert 'patrol_check_open{check="alarms"} 0.0' in text  # SOS alerts not acknowledged
    assert 'patrol_check_waiting{check="outbox_mail"}' in text


def test_metrics_only_from_allowed_addresses(app):
    client = app.test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 403
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    app.extensions["patrol_metrics_allow"] = (__import__("ipaddress").ip_network("10.0.0.0/8"),)
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
