#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine and runs the whole suite:
# a virtualenv in .venv with the app and its test extras, Debian's chromium for the browser
# tests and Debian's nginx for the two-host test (apt-get, when missing). Extra arguments go
# to pytest.
# With TEST_DATABASE_URL set, every database test runs on PostgreSQL as well as SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  # Only the binary is used (tests/support/hosts.py starts it in the foreground on loopback).
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'

.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest "$@"
