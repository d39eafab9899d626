#!/usr/bin/env bash
# Installs the app in .venv and runs it at http://localhost:5000 on SQLite in ./instance:
# applies the migrations, seeds the demo data when the database is empty, prints the logins.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/venv.sh
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .

export FLASK_APP=app
.venv/bin/flask db upgrade
.venv/bin/flask seed-demo --if-empty
exec .venv/bin/flask run --host 0.0.0.0 --port "${PORT:-5000}"
