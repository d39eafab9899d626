#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine and runs the whole suite:
# a virtualenv in .venv with the app and its test extras, and Debian's chromium,
# webkit2gtk-driver and xvfb for the browser tests (apt-get, when they are missing).
# Extra arguments go to pytest.
# With TEST_DATABASE_URL set, every database test runs on PostgreSQL as well as SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
if [ ! -x /usr/bin/chromium ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi
# WebKit, the iPhone's engine family: WebKitWebDriver with WebKitGTK's MiniBrowser on a
# virtual display (tests/browser/test_guard_webkit.py).
if [ ! -x /usr/bin/WebKitWebDriver ] || ! command -v Xvfb >/dev/null; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq webkit2gtk-driver xvfb xauth >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'

.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest "$@"
