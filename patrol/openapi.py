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
                "schema": {"type": "string", "format": "uuid"}
                if m.group("conv") == "uuid"
                else {"type": "string"},
            }
            for m in _CONVERTER.finditer(rule.rule)
        ]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operation: dict = {"summary": doc["summary"], "responses": {}}
            if parameters:
                operation["parameters"] = parameters
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
