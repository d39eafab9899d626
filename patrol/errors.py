"""Error answers: JSON under /api/ (architecture §5a), a plain Swedish/English page elsewhere.

Every 4xx/5xx from /api/ is `{"error": code, "message": text in the user's language}` plus
`"errors": {field: [messages]}` on 422. Nothing ever shows a stack trace to a user.
"""

from __future__ import annotations

import logging
import re

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext, lazy_gettext
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# Default messages by status, in the user's language.
STATUS_MESSAGES = {
    400: lazy_gettext("The request could not be understood."),
    401: lazy_gettext("You are not logged in. Log in again; nothing you recorded is lost."),
    403: lazy_gettext("You are not allowed to do this."),
    404: lazy_gettext("Not found."),
    405: lazy_gettext("That method is not allowed here."),
    409: lazy_gettext("A different record with the same id already exists."),
    413: lazy_gettext("Too large."),
    415: lazy_gettext("Not an accepted image type. Send a JPEG, PNG or WebP photo."),
    422: lazy_gettext("Some fields are not valid."),
    429: lazy_gettext("Too many attempts. Wait a moment and try again."),
    500: lazy_gettext("Something went wrong on the server. Your entry stays queued."),
}

STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation",
    429: "too_many_requests",
}

# Marshmallow's own field messages, marked for translation so they reach the Swedish catalog.
_MARSHMALLOW_MESSAGES = (
    lazy_gettext("Missing data for required field."),
    lazy_gettext("Field may not be null."),
    lazy_gettext("Not a valid UUID."),
    lazy_gettext("Not a valid datetime."),
    lazy_gettext("Not a valid number."),
    lazy_gettext("Not a valid integer."),
    lazy_gettext("Not a valid string."),
    lazy_gettext("Not a valid list."),
    lazy_gettext("Not a valid boolean."),
    lazy_gettext("Invalid input type."),
    lazy_gettext("Invalid value."),
    lazy_gettext("Unknown field."),
    lazy_gettext("Not a valid aware datetime."),
)


def N_(message: str) -> str:
    """Marks a string for the catalog; it is translated later, where it is used."""
    return message


# Marshmallow's messages with values in them, matched by pattern and translated with the values.
_PATTERNS = (
    (
        re.compile(r"^Must be one of: (?P<choices>.*)\.$"),
        N_("Must be one of: %(choices)s."),
    ),
    (
        re.compile(
            r"^Must be greater than or equal to (?P<min>\S+) and less than or equal to (?P<max>\S+)\.$"
        ),
        N_("Must be between %(min)s and %(max)s."),
    ),
    (
        re.compile(r"^Must be greater than or equal to (?P<min>\S+)\.$"),
        N_("Must be at least %(min)s."),
    ),
    (
        re.compile(r"^Must be less than or equal to (?P<max>\S+)\.$"),
        N_("Must be at most %(max)s."),
    ),
    (
        re.compile(r"^Length must be between (?P<min>\d+) and (?P<max>\d+)\.$"),
        N_("Must be %(min)s to %(max)s characters long."),
    ),
    (
        re.compile(r"^Longer than maximum length (?P<max>\d+)\.$"),
        N_("Longer than %(max)s characters."),
    ),
    (
        re.compile(r"^Shorter than minimum length (?P<min>\d+)\.$"),
        N_("Shorter than %(min)s characters."),
    ),
)


def translate_message(message: str) -> str:
    """A field message in the user's language (exact catalog entry or a known pattern)."""
    for pattern, template in _PATTERNS:
        match = pattern.match(message)
        if match:
            return gettext(template, **match.groupdict())
    return gettext(message)


class ApiError(Exception):
    """An answer with a status, a machine-readable code and a message for the user."""

    def __init__(
        self,
        status: int,
        message: str | None = None,
        *,
        code: str | None = None,
        errors: dict | None = None,
        headers: dict | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code or STATUS_CODES.get(status, "error")
        self.message = message
        self.errors = errors
        self.headers = headers or {}


def field_error(field: str, message: str) -> ApiError:
    """A 422 about one field."""
    return ApiError(422, errors={field: [message]})


def flatten_errors(messages, prefix: str = "") -> dict[str, list[str]]:
    """Marshmallow's nested messages as {"photo_ids.0": [...]} with translated texts."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for field, texts in flatten_errors(value, name).items():
                flat.setdefault(field, []).extend(texts)
    elif isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            flat[prefix or "_schema"] = [translate_message(m) for m in messages]
        else:
            for index, value in enumerate(messages):
                flat.update(flatten_errors(value, f"{prefix}.{index}"))
    else:
        flat[prefix or "_schema"] = [translate_message(str(messages))]
    return flat


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, code: str, message, errors=None, headers=None):
    body = {"error": code, "message": str(message)}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def page_error(status: int, message):
    return render_template("error.html", status=status, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def handle_api_error(error: ApiError):
        message = error.message or STATUS_MESSAGES.get(error.status, "")
        if wants_json():
            return json_error(error.status, error.code, message, error.errors, error.headers)
        response = page_error(error.status, message)
        return response

    @app.errorhandler(ValidationError)
    def handle_validation_error(error: ValidationError):
        return json_error(422, "validation", STATUS_MESSAGES[422], flatten_errors(error.messages))

    @app.errorhandler(CSRFError)
    def handle_csrf_error(_error: CSRFError):
        message = gettext("The security token is missing or old. Reload and try again.")
        if wants_json():
            return json_error(403, "csrf", message)
        return page_error(403, message)

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException):
        status = error.code or 500
        message = STATUS_MESSAGES.get(status, error.description)
        if wants_json():
            response = json_error(status, STATUS_CODES.get(status, "error"), message)
            for name in ("Retry-After", "Allow"):
                if error.get_headers() and name in dict(error.get_headers()):
                    response.headers[name] = dict(error.get_headers())[name]
            return response
        return page_error(status, message)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        # The route's rule, never the path (a sticker's /c/<token> is a secret), and the
        # request id that the request's own log line and its answer carry.
        rule = request.url_rule.rule if request.url_rule is not None else "-"
        log.exception(
            "unhandled error",
            extra={
                "fields": {
                    "request_id": g.get("request_id"),
                    "method": request.method,
                    "route": rule,
                }
            },
        )
        if wants_json():
            return json_error(500, "server_error", STATUS_MESSAGES[500])
        return page_error(500, STATUS_MESSAGES[500])
