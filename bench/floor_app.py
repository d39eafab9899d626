"""The floor: the least an authenticated, durable sync write can cost in this stack.

bench/sync_api.py compares the app with a bare Flask JSON endpoint and a raw-body sink. Those
yardsticks do no work the contract requires, so they say how far the app is from receiving
bytes, not how far it is from what it must do. This app does only what every sync PUT must
do whatever its code looks like, with the same libraries and the same durability:

  - the signed cookie session, and Flask-Login's user loaded by one indexed SELECT of the
    server-side session row (logout means logout);
  - Flask-WTF's CSRF check;
  - for a record: the JSON body, one Core INSERT, COMMIT;
  - for a photo: the body, its SHA-256, the file written, fsynced, renamed into place and its
    folder fsynced, one INSERT, COMMIT.

It checks nothing else: no schema, no ownership, no checkpoint, no idempotency, no image
check. The engine comes from `patrol.db.make_engine`, so SQLite runs with the app's pragmas
(WAL, synchronous=FULL) and PostgreSQL with its pool settings.

Served by gunicorn beside the app (`bench.floor_app:app`) with the app's environment:
PATROL_DATABASE_URL, or a SQLite file in PATROL_INSTANCE_PATH; photos in PATROL_PHOTO_DIR.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, jsonify, request, session
from flask_login import LoginManager, UserMixin, login_required, login_user
from flask_wtf.csrf import CSRFProtect, generate_csrf

from bench.floor import floor_photos, floor_records, floor_sessions, metadata, write_durably
from patrol.db import make_engine

INSTANCE = Path(os.environ.get("PATROL_INSTANCE_PATH", "/tmp/patrol-floor"))
PHOTO_DIR = Path(os.environ.get("PATROL_PHOTO_DIR", INSTANCE / "photos")) / "floor"
URL = os.environ.get("PATROL_DATABASE_URL") or f"sqlite:///{INSTANCE / 'floor.sqlite3'}"

INSTANCE.mkdir(parents=True, exist_ok=True)
PHOTO_DIR.mkdir(parents=True, exist_ok=True)
engine = make_engine(URL)
# The other gunicorn worker may create them at the same moment.
with contextlib.suppress(sa.exc.DBAPIError):
    metadata.create_all(engine)

SESSION_ROW = sa.select(floor_sessions.c.user_id).where(
    floor_sessions.c.id == sa.bindparam("sid"), floor_sessions.c.user_id == sa.bindparam("uid")
)
INSERT_RECORD = sa.insert(floor_records)
INSERT_PHOTO = sa.insert(floor_photos)

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ.get("PATROL_SECRET_KEY", "floor") * 4
app.config["SESSION_REFRESH_EACH_REQUEST"] = False
login_manager = LoginManager(app)
csrf = CSRFProtect(app)


class FloorUser(UserMixin):
    def __init__(self, user_id: int):
        self.id = user_id


@login_manager.user_loader
def load_user(user_id: str):
    sid = session.get("sid")
    if not sid or not user_id.isdigit():
        return None
    with engine.connect() as conn:
        found = conn.scalar(SESSION_ROW, {"sid": sid, "uid": int(user_id)})
    return FloorUser(found) if found is not None else None


@app.post("/floor/session")
@csrf.exempt
def log_in():
    """A session for user 1 (the bench has no password to check); returns the CSRF token."""
    sid = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(sa.insert(floor_sessions), {"id": sid, "user_id": 1})
    login_user(FloorUser(1))
    session["sid"] = sid
    return jsonify(csrf_token=generate_csrf())


@app.put("/floor/records/<uuid:record_id>")
@login_required
def put_record(record_id):
    body = request.get_json()
    with engine.begin() as conn:
        conn.execute(INSERT_RECORD, {"id": record_id, "body": body})
    return jsonify(id=str(record_id)), 201


@app.put("/floor/photos/<uuid:photo_id>")
@login_required
def put_photo(photo_id):
    data = request.get_data(cache=False)
    digest = hashlib.sha256(data).hexdigest()
    write_durably(PHOTO_DIR / f"{photo_id}.jpg", data)
    with engine.begin() as conn:
        conn.execute(INSERT_PHOTO, {"id": photo_id, "sha256": digest, "size": len(data)})
    return jsonify(id=str(photo_id), sha256=digest), 201
