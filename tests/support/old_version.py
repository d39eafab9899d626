"""Run an older version of the app, as it was committed, to store rows the way it stored them
(tests/test_upgrades.py). `git archive` of the commit into a folder, then this module's SCRIPT
runs there with this virtualenv's Python: that version's own migrations, demo data and sync API
(through its Flask test client) write the database and the photo folder."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path

from tests.support.app import TEST_PASSWORD

ROOT = Path(__file__).resolve().parent.parent.parent
PASSWORD = TEST_PASSWORD  # every user of the old version gets the tests password

# Runs inside the old tree: only what every version since the first has (create_app with
# overrides, upgrade_database in patrol.db or patrol.migrate, seed_demo, hash_password, the
# session API and the sync PUTs of architecture §5).
SCRIPT = r"""
import base64, hashlib, io, json, sys, uuid
import sqlalchemy as sa
from PIL import Image
from patrol import create_app

url, photo_dir, password = sys.argv[1:4]
app = create_app({
    "DATABASE_URL": url, "PHOTO_DIR": photo_dir, "SECRET_KEY": "upgrade-test", "TESTING": True,
    "SESSION_COOKIE_SECURE": False, "PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 1024,
})
try:
    from patrol.migrate import upgrade_database
except ImportError:
    from patrol.db import upgrade_database
from patrol.auth.passwords import hash_password
from patrol.db import db
from patrol.sites.demo import seed_demo

with app.app_context():
    upgrade_database(url)
    seed_demo()
    db.session.execute(sa.text("UPDATE users SET password_hash = :h"), {"h": hash_password(password)})
    db.session.commit()
    token, checkpoint_id, property_id = db.session.execute(sa.text(
        "SELECT token, id, property_id FROM checkpoints ORDER BY id LIMIT 1")).one()
    heads = sorted(db.session.scalars(sa.text("SELECT version_num FROM alembic_version")))

client = app.test_client()
csrf = client.get("/api/v1/me").get_json()["csrf_token"]
answer = client.post("/api/v1/session", json={"username": "guard", "password": password},
                     headers={"X-CSRFToken": csrf})
assert answer.status_code in (200, 201), answer.get_data(as_text=True)
csrf = client.get("/api/v1/me").get_json()["csrf_token"]
H = {"X-CSRFToken": csrf}

def put(path, **kw):
    answer = client.put(path, headers={**H, **kw.pop("headers", {})}, **kw)
    assert answer.status_code in (200, 201), (path, answer.status_code, answer.get_data(as_text=True))

ids = {k: str(uuid.uuid4()) for k in ("shift", "checkin", "report", "photo")}
started = "2026-11-10T19:40:00+01:00"
put(f"/api/v1/shifts/{ids['shift']}", json={"started_at": started, "ended_at": None, "note": None})
put(f"/api/v1/checkins/{ids['checkin']}", json={
    "shift_id": ids["shift"], "checkpoint_token": token, "method": "qr",
    "occurred_at": "2026-11-11T00:30:00+01:00", "lat": 55.59, "lon": 13.01, "accuracy_m": 9})
put(f"/api/v1/reports/{ids['report']}", json={
    "shift_id": ids["shift"], "property_id": property_id, "checkpoint_id": checkpoint_id,
    "category": "lighting", "level": "preventive", "description": "Trasig lampa, plan 3",
    "occurred_at": "2026-11-11T00:35:00+01:00", "lat": None, "lon": None, "accuracy_m": None,
    "photo_ids": [ids["photo"]]})
buffer = io.BytesIO()
Image.new("RGB", (320, 240), (200, 120, 40)).save(buffer, "JPEG", quality=85)
image = buffer.getvalue()
digest = base64.b64encode(hashlib.sha256(image).digest()).decode()
put(f"/api/v1/reports/{ids['report']}/photos/{ids['photo']}", data=image,
    headers={"Content-Type": "image/jpeg", "Content-Digest": f"sha-256=:{digest}:"})
put(f"/api/v1/shifts/{ids['shift']}", json={"started_at": started,
    "ended_at": "2026-11-11T04:02:00+01:00", "note": "Lugn natt."})
print(json.dumps({"ids": ids, "heads": heads, "photo_sha256": hashlib.sha256(image).hexdigest(),
                  "checkpoint_id": checkpoint_id, "property_id": property_id}))
"""


def extract(commit: str, folder: Path) -> Path:
    """The tree of `commit` (from this repository's history) in `folder`."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit], cwd=ROOT, capture_output=True, check=True
    ).stdout
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def store_a_night(commit: str, folder: Path, database_url: str, photo_dir: Path) -> dict:
    """Migrate `database_url` with the code of `commit` and sync one guard's night into it
    through that version's API; returns the ids and the migration heads it reached."""
    tree = extract(commit, folder / "tree")
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, database_url, str(photo_dir), PASSWORD],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin", "HOME": str(folder)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise AssertionError(f"version {commit} failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])
