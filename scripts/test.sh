#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine and runs the whole suite:
# a virtualenv in .venv with the app and its test extras (python3-venv from apt-get when
# Debian's python3 lacks it), and Debian's chromium for the browser tests (apt-get, when
# missing). Extra arguments go to pytest.
# With TEST_DATABASE_URL set, every database test runs on PostgreSQL as well as SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/venv.sh  # .venv, with Debian's python3-venv installed when missing
if [ ! -x /usr/bin/chromium ]; then
  apt_install chromium fonts-dejavu-core
fi

.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'

.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest "$@"
