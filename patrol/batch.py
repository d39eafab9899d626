"""POST /api/v1/batch: many record PUTs in one request (architecture §5, "Batches").

A phone coming up from a basement with thirty records would otherwise pay one round trip per
record. The batch carries up to MAX_ENTRIES of the same PUTs the server takes one by one, each
with the phone's id for it and its URL, in order. The session and the CSRF token are checked
once, for the batch (security.py, before any entry). Each entry is then

- matched against the URL map like a request of its own, and refused (400, that entry only)
  unless it is one of the sync routes: a PUT under /api/v1/ to a record's UUID whose body is
  a JSON object (never a photo, never an SOS or an alarm, which go alone, never an admin or
  review route, never another batch);
- dispatched to the very view that serves the single PUT (no second implementation), in a
  request context of its own with the batch's headers and the entry's body;
- applied in its own SAVEPOINT of the batch's one transaction: the view's commit releases it,
  a refusal rolls back to it, so a refused entry leaves nothing behind and the others stay;
- answered with the status and the body its own PUT would have had.

The transaction is committed once, after the last entry, before the answer: an entry answered
2xx is durable. If that commit fails, the whole batch answers 503 and the phone sends it again;
every entry is idempotent under its UUID, exactly like the single PUTs.
"""

from __future__ import annotations

import io
import json
import logging

from flask import Blueprint, Flask, current_app, g, jsonify, request
from flask.ctx import RequestContext
from flask.globals import session as flask_session
from flask_babel import gettext
from flask_login import current_user
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from patrol.db import db
from patrol.errors import ApiError
from patrol.openapi import documented
from patrol.sync import json_body

log = logging.getLogger("patrol.errors")

MAX_ENTRIES = 50
MAX_URL_CHARS = 300

bp = Blueprint("batch", __name__)


class BatchEntryIn(Schema):
    """One PUT: the phone's id for the entry (echoed in the answer), its URL and its body."""

    class Meta:
        unknown = EXCLUDE

    id = fields.UUID(required=True)
    method = fields.String(load_default="PUT", validate=validate.OneOf(["PUT"]))
    url = fields.String(required=True, validate=validate.Length(min=1, max=MAX_URL_CHARS))
    body = fields.Dict(required=True)


class BatchIn(Schema):
    class Meta:
        unknown = EXCLUDE

    entries = fields.List(
        fields.Nested(BatchEntryIn),
        required=True,
        validate=validate.Length(min=1, max=MAX_ENTRIES),
    )

    @validates_schema
    def distinct_ids(self, data, **_):
        ids = [entry["id"] for entry in data.get("entries", [])]
        if len(set(ids)) != len(ids):
            raise ValidationError("Each entry of a batch needs its own id.", "entries")


class BatchResultOut(Schema):
    """What the entry's own PUT would have answered: its status and its JSON body."""

    id = fields.UUID(required=True)
    url = fields.String(required=True)
    status = fields.Integer(required=True)
    body = fields.Dict(allow_none=True)
    retry_after = fields.Integer(allow_none=True)


class BatchOut(Schema):
    results = fields.List(fields.Nested(BatchResultOut), required=True)


BATCH_IN_SCHEMA = BatchIn()
BATCH_OUT_SCHEMA = BatchOut()


def sync_endpoint(app: Flask, endpoint: str) -> bool:
    """True for the routes a batch may carry: a JSON record PUT under /api/v1/ (documented with
    a request schema), not marked `alone`, not the batch itself. Routes that later issues add
    the same way are batchable without a list to keep."""
    if endpoint == "batch.post_batch" or endpoint.startswith(("admin", "review")):
        return False
    view = app.view_functions.get(endpoint)
    doc = getattr(view, "openapi", None)
    if view is None or doc is None or doc.get("request") is None:
        return False
    if getattr(view, "patrol_sync_alone", False):
        return False
    rules = [r for r in app.url_map.iter_rules(endpoint) if "PUT" in (r.methods or ())]
    return any(r.rule.startswith("/api/v1/") and "<uuid:" in r.rule for r in rules)


def _refused(status: int, message: str) -> tuple[int, dict]:
    return status, {"error": "batch_entry", "message": message}


def _entry_environ(url: str, data: bytes) -> dict:
    """The batch request's environ (cookies, X-Client-Time, X-CSRFToken, the peer) with the
    entry's method, path and JSON body."""
    environ = dict(request.environ)
    environ.update(
        {
            "REQUEST_METHOD": "PUT",
            "PATH_INFO": url,
            "QUERY_STRING": "",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(data)),
            "wsgi.input": io.BytesIO(data),
        }
    )
    environ.pop("HTTP_CONTENT_DIGEST", None)
    return environ


def _answer(rv) -> tuple[int, dict | None, int | None]:
    response = current_app.make_response(rv)
    body = response.get_json(silent=True)
    retry_after = response.headers.get("Retry-After")
    return (
        response.status_code,
        body if isinstance(body, dict) else None,
        int(retry_after) if retry_after and retry_after.isdigit() else None,
    )


def _apply(connection, entry: dict) -> dict:
    """One entry in its own request context and savepoint; its answer as a dict."""
    app = current_app._get_current_object()
    url = entry["url"]
    result = {"id": entry["id"], "url": url, "body": None, "retry_after": None}
    if not url.startswith("/api/v1/") or "?" in url or "#" in url:
        result["status"], result["body"] = _refused(
            400, gettext("A batch carries only the phone's record PUTs.")
        )
        return result
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _args = adapter.match(url, method="PUT")
    except HTTPException:
        endpoint = None
    if endpoint is None or not sync_endpoint(app, endpoint):
        result["status"], result["body"] = _refused(
            400, gettext("A batch carries only the phone's record PUTs.")
        )
        return result
    data = json.dumps(entry["body"]).encode("utf-8")
    ctx = RequestContext(
        app, _entry_environ(url, data), session=flask_session._get_current_object()
    )
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    g.db_session = session
    ctx.push()
    try:
        try:
            rv = app.view_functions[request.endpoint](**request.view_args)
            session.commit()  # releases the entry's savepoint (a no-op if the view committed)
        except Exception as error:  # the entry's own refusal, answered as its PUT would be
            session.rollback()
            rv = app.handle_user_exception(error)
        result["status"], result["body"], result["retry_after"] = _answer(rv)
    finally:
        session.close()
        ctx.pop()
    return result


@bp.post("/api/v1/batch")
@documented(
    request=BatchIn,
    responses={200: BatchOut},
    summary="Up to 50 record PUTs in one request, each answered as its own PUT would be",
)
def post_batch():
    if not current_user.is_authenticated:  # security.py answered 401 already; said again here
        raise ApiError(401)
    data = BATCH_IN_SCHEMA.load(json_body())
    entries = [{**entry, "id": str(entry["id"])} for entry in data["entries"]]
    outer = g.get("db_session")
    results: list[dict] = []
    connection = db.engine.connect()
    try:
        transaction = connection.begin()
        if connection.dialect.name == "sqlite":
            # pysqlite begins a transaction only before its first INSERT, and a SAVEPOINT
            # outside one is a transaction of its own whose RELEASE commits: an explicit BEGIN
            # keeps every entry's savepoint inside the batch's one transaction (one commit).
            connection.exec_driver_sql("BEGIN")
        try:
            for entry in entries:
                results.append(_apply(connection, entry))
            transaction.commit()
        except SQLAlchemyError:
            log.exception("batch commit failed")
            raise ApiError(503, headers={"Retry-After": "5"}) from None
    finally:
        connection.close()
        if outer is not None:
            g.db_session = outer
        else:
            g.pop("db_session", None)
    return jsonify(BATCH_OUT_SCHEMA.dump({"results": results}))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
