"""The OpenAPI 3 document at /api/v1/openapi.json, generated from the marshmallow schemas.

Views declare what they take and give with `@documented(...)`; the document is built from the
app's URL map, so a route cannot be added to the API without appearing here.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Flask, current_app, jsonify

from patrol.fields import MAX_ROW_ID
from patrol.security import public

bp = Blueprint("openapi", __name__)

_CONVERTER = re.compile(r"<(?:(?P<conv>[a-z]+):)?(?P<name>\w+)>")


def documented(
    *,
    summary: str,
    request=None,
    request_content: dict | None = None,
    responses: dict | None = None,
) -> Callable:
    """Attach OpenAPI facts to a view. `request` is a marshmallow schema class for a JSON body;
    `request_content` a raw `content` object (photo bytes); `responses` maps status to a
    schema class or None."""

    def decorate(view: Callable) -> Callable:
        view.openapi = {
            "summary": summary,
            "request": request,
            "request_content": request_content,
            "responses": responses or {},
        }
        return view

    return decorate


PATH_SCHEMAS = {
    "uuid": {"type": "string", "format": "uuid"},
    "int": {"type": "integer", "minimum": 1, "maximum": MAX_ROW_ID},
}
# The phone's clock with every sync request (a skewed clock flags the records, architecture §5a).
CLIENT_TIME_HEADER = {
    "name": "X-Client-Time",
    "in": "header",
    "required": False,
    "description": "The phone's clock (ISO 8601 with a zone) when it sent the request",
    "schema": {"type": "string", "format": "date-time"},
}
# RFC 9530: the SHA-256 of the uploaded bytes, base64 between colons.
CONTENT_DIGEST_HEADER = {
    "name": "Content-Digest",
    "in": "header",
    "required": True,
    "description": "sha-256=:<base64 of the SHA-256 of the body>:",
    "schema": {"type": "string", "pattern": "^sha-256=:[A-Za-z0-9+/]{43}=:$"},
}


def security(view, method: str) -> list[dict]:
    """Public reads need nothing; every other request the session cookie, and every state
    change (the login included: its token lives in the anonymous session) the CSRF header.
    The integration routes take an API token (`Authorization: Bearer`) and nothing else."""
    if getattr(view, "patrol_bearer", None):
        return [{"bearerToken": []}]  # the scope is in the operation's description
    if method in ("GET", "HEAD"):
        return [] if getattr(view, "patrol_public", False) else [{"sessionCookie": []}]
    return [{"sessionCookie": [], "csrfToken": []}]


def build_spec(app: Flask) -> dict:
    spec = APISpec(
        title="Nattpatrull API",
        version="1",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Sync contract between the guard's phone and the server."},
    )
    error = {
        "type": "object",
        "properties": {
            "error": {"type": "string"},
            "message": {"type": "string"},
            "errors": {"type": "object", "additionalProperties": {"type": "array"}},
        },
        "required": ["error", "message"],
    }
    spec.components.schema("Error", error)
    # How to authenticate: the session cookie from POST /api/v1/session, and on every state
    # change the CSRF token from GET /api/v1/me in X-CSRFToken (architecture §5a).
    spec.components.security_scheme(
        "sessionCookie",
        {"type": "apiKey", "in": "cookie", "name": app.config["SESSION_COOKIE_NAME"]},
    )
    spec.components.security_scheme(
        "csrfToken", {"type": "apiKey", "in": "header", "name": "X-CSRFToken"}
    )
    # The integration routes (/api/v1/integrations/): an API token made on /admin/integrations,
    # with the scope each operation names (docs/integrations.md).
    spec.components.security_scheme(
        "bearerToken",
        {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token (np_...) with the scope the operation names",
        },
    )
    paths: dict[str, dict] = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        doc = getattr(view, "openapi", None)
        if doc is None:
            continue
        path = _CONVERTER.sub(lambda m: "{" + m.group("name") + "}", rule.rule)
        parameters = [
            {
                "name": m.group("name"),
                "in": "path",
                "required": True,
                "schema": PATH_SCHEMAS.get(m.group("conv") or "", {"type": "string"}),
            }
            for m in _CONVERTER.finditer(rule.rule)
        ]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operation: dict = {"summary": doc["summary"], "responses": {}}
            operation["security"] = security(view, method)
            scope = getattr(view, "patrol_bearer", None)
            if scope:
                operation["description"] = f"Needs an API token with the scope `{scope}`."
            headers = []
            if method == "PUT" and not getattr(view, "patrol_bearer", None):
                headers.append(CLIENT_TIME_HEADER)
            if doc["request_content"]:
                headers.append(CONTENT_DIGEST_HEADER)
            if parameters or headers:
                operation["parameters"] = parameters + headers
            if doc["request"] is not None:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": doc["request"]}},
                }
            elif doc["request_content"]:
                operation["requestBody"] = {"required": True, "content": doc["request_content"]}
            for status, schema in doc["responses"].items():
                entry: dict = {"description": str(status)}
                if schema is not None:
                    entry["content"] = {"application/json": {"schema": schema}}
                operation["responses"][str(status)] = entry
            operation["responses"]["default"] = {
                "description": "error",
                "content": {"application/json": {"schema": "Error"}},
            }
            paths.setdefault(path, {})[method.lower()] = operation
    for path in sorted(paths):
        spec.path(path=path, operations=paths[path])
    return spec.to_dict()


@bp.get("/api/v1/openapi.json")
@public
def openapi_document():
    return jsonify(build_spec(current_app))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
