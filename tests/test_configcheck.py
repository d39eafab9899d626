"""A configuration that would fail later is refused at start (issue 21, point 5): one line
naming the variable and what to set, never a traceback; `check-config` lists them all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from patrol import create_app
from patrol.configcheck import ConfigError, normalise_database_url
from patrol.db import engine_of

ROOT = Path(__file__).resolve().parent.parent
GOOD = {"ENV": "production", "SECRET_KEY": "k" * 40, "PUBLIC_URL": "https://patrull.example.se"}


def make(tmp_path, **config):
    config.setdefault("DATABASE_URL", f"sqlite:///{tmp_path}/c.sqlite3")
    return create_app(config, instance_path=tmp_path / "instance")


@pytest.mark.parametrize(
    "config, named",
    [
        (
            {**GOOD, "ENV": "prod"},
            "PATROL_ENV=prod: set PATROL_ENV=development or PATROL_ENV=production",
        ),
        ({**GOOD, "PUBLIC_URL": None}, "PATROL_PUBLIC_URL is not set"),
        (
            {**GOOD, "PUBLIC_URL": "patrull.example.se"},
            "PATROL_PUBLIC_URL=patrull.example.se: set the full address",
        ),
        ({**GOOD, "PUBLIC_URL": "http://patrull.example.se"}, "production needs https://"),
        ({**GOOD, "SECRET_KEY": "short"}, "PATROL_SECRET_KEY has fewer than 32 characters"),
        ({**GOOD, "DATABASE_URL": "mysql://x@y/z"}, "PATROL_DATABASE_URL is not a database URL"),
    ],
)
def test_a_bad_configuration_is_refused_with_one_line_naming_the_variable(tmp_path, config, named):
    with pytest.raises(ConfigError) as refused:
        make(tmp_path, **config)
    assert len(refused.value.problems) == 1
    assert named in refused.value.problems[0]


def test_a_good_production_configuration_starts_and_plain_http_needs_allow_http(tmp_path):
    engine_of(make(tmp_path, **GOOD)).dispose()
    closed_network = make(tmp_path, **{**GOOD, "PUBLIC_URL": "http://10.0.0.5", "ALLOW_HTTP": "1"})
    engine_of(closed_network).dispose()


def test_postgres_urls_are_read_as_psycopg():
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x") == "sqlite:///x"


def run_flask(tmp_path, *args, **env):
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PATROL_") and k != "TEST_DATABASE_URL"
    }
    environment.update({f"PATROL_{k}": v for k, v in env.items()})
    environment["PATROL_INSTANCE_PATH"] = str(tmp_path / "instance")
    environment.setdefault("PATROL_DATABASE_URL", f"sqlite:///{tmp_path}/c.sqlite3")
    flask = Path(sys.executable).with_name("flask")
    return subprocess.run(
        [str(flask), "--app", "app", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_start_prints_the_problem_never_a_traceback(tmp_path):
    result = run_flask(tmp_path, "version", ENV="prod")
    assert result.returncode != 0
    assert "PATROL_ENV=prod: set PATROL_ENV=development or PATROL_ENV=production" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_config_lists_the_configuration_masked_and_every_problem(tmp_path):
    result = run_flask(
        tmp_path, "check-config", ENV="production", SECRET_KEY="s3cret-but-short", SMTP_PASSWORD="hunter2",
        PUBLIC_URL="patrull.example.se",
    )  # fmt: skip
    assert result.returncode == 1
    assert (
        "SECRET_KEY = *** (set)" in result.stdout and "SMTP_PASSWORD = *** (set)" in result.stdout
    )
    assert "s3cret-but-short" not in result.stdout + result.stderr
    assert "hunter2" not in result.stdout + result.stderr
    assert "2 problem(s)" in result.stderr
    assert "PATROL_SECRET_KEY has fewer than 32 characters" in result.stderr
    assert "PATROL_PUBLIC_URL=patrull.example.se" in result.stderr
    fine = run_flask(
        tmp_path,
        "check-config",
        ENV="production",
        SECRET_KEY="k" * 40,
        PUBLIC_URL="https://p.example.se",
    )
    assert fine.returncode == 0, fine.stderr
    assert "No problems found." in fine.stdout
