"""Cross-cutting request security: who may call what, CSRF in the right order, headers,
and draining refused request bodies.

Order of checks on a state-changing API request (architecture §5a): not logged in -> 401 first, then
the CSRF token (403 with "error": "csrf"), then the route's role check and the view's own
ownership checks.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from patrol.errors import ApiError
from patrol.extensions import csrf, login_manager

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def local_path(target: str | None, fallback: str) -> str:
    """`target` when it is a path on this site, else `fallback`: a `next=` parameter must never
    send a user to another site (an open redirect), nor carry a control character (CR/LF would
    split the Location header)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    if any(ord(c) < 32 or ord(c) == 127 for c in target):
        return fallback
    parts = urlsplit(target)
    return fallback if parts.scheme or parts.netloc else target


def public(view: Callable) -> Callable:
    """Mark an API view that anonymous users may call (login, /me, the OpenAPI document)."""
    view.patrol_public = True
    return view


def roles_required(*roles: str) -> Callable:
    """Allow only logged-in users with one of these roles (401 if logged out, 403 otherwise)."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                raise ApiError(401)
            if current_user.role not in roles:
                raise ApiError(403)
            return view(*args, **kwargs)

        wrapped.patrol_roles = roles
        return wrapped

    return decorate


def require_owner_or_reviewer(owner_id: int) -> None:
    """A guard's own record, or any record for supervisors and admins; 403 otherwise."""
    if owner_id != current_user.id and not current_user.is_reviewer:
        raise ApiError(403)


def reviewer_page_check():
    """For supervisor pages: anonymous visitors go to the login page (the login manager's
    redirect), guards and owners get 403. Returns the redirect, or None to go on."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_reviewer:
        raise ApiError(403)
    return None


def reviewer_page(view: Callable) -> Callable:
    """A page for supervisors and admins (see reviewer_page_check)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        return reviewer_page_check() or view(*args, **kwargs)

    return wrapped


def view_takes_bearer(app: Flask) -> bool:
    """A view of the integration API (patrol.integrations.tokens.bearer): it takes an API token
    only, and checks it itself; the session and CSRF checks do not apply to it."""
    view = app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "patrol_bearer", None))


def _view_is_public(app: Flask) -> bool:
    view = app.view_functions.get(request.endpoint or "")
    return bool(view is None or getattr(view, "patrol_public", False))


class _CountingInput:
    """wsgi.input that remembers how much the app has read."""

    def __init__(self, stream):
        self.stream = stream
        self.consumed = 0

    def read(self, *args):
        data = self.stream.read(*args)
        self.consumed += len(data)
        return data

    def readline(self, *args):
        data = self.stream.readline(*args)
        self.consumed += len(data)
        return data

    def readlines(self, *args):
        lines = self.stream.readlines(*args)
        self.consumed += sum(len(line) for line in lines)
        return lines

    def __iter__(self):
        for line in self.stream:
            self.consumed += len(line)
            yield line


class DrainRequestBody:
    """WSGI middleware: read what the app left unread of a request body.

    When a view refuses an upload early (401, 413) without reading the body, closing the
    socket with unread data makes the kernel send a reset, and the phone sees a broken
    connection instead of the answer (architecture §5a). Reading the rest first avoids that; the cap
    stops a client from holding a worker with an endless body. Only what the Content-Length
    promised is read (or, for chunked bodies, up to the server's end-of-input marker), so a
    fully read body never blocks here.
    """

    CAP = 64 * 1024 * 1024

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        raw = environ.get("wsgi.input")
        counting = None
        if raw is not None and environ.get("REQUEST_METHOD") not in SAFE_METHODS:
            counting = environ["wsgi.input"] = _CountingInput(raw)
        result = self.wsgi_app(environ, start_response)
        if counting is not None:
            self._drain(environ, counting)
        return result

    def _drain(self, environ, counting: _CountingInput) -> None:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length:
            remaining = min(length - counting.consumed, self.CAP)
        elif environ.get("wsgi.input_terminated"):
            remaining = self.CAP  # chunked: the server marks the end of input
        else:
            return
        try:
            while remaining > 0:
                chunk = counting.stream.read(min(65536, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
        except (OSError, ValueError):
            pass


# The headers a client could forge to pass for another address, scheme or host.
FORWARDED_HEADERS = (
    "HTTP_FORWARDED",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
)
# A gunicorn unix socket has no peer address: only processes on the host can connect to it.
UNIX_SOCKET = "unix"


def trusted_networks(value) -> tuple[list, bool]:
    """PATROL_TRUSTED_PROXY_ADDRESSES: addresses or CIDR networks (a comma-separated string or
    a list), and "unix" for a unix socket; (networks, unix socket trusted). A value that is
    not an address refuses to start, rather than trusting nobody or everybody by mistake."""
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value or ())
    networks = []
    for item in items:
        if item == UNIX_SOCKET:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as error:
            raise RuntimeError(
                f"PATROL_TRUSTED_PROXY_ADDRESSES: {item!r} is not an address or network"
            ) from error
    return networks, UNIX_SOCKET in items


class TrustedProxyFix:
    """werkzeug's ProxyFix for requests whose peer is a trusted proxy address; from anyone
    else (the app reached directly) the forwarded headers are dropped, so a forged
    X-Forwarded-For never passes for another address (the login limits count per address)."""

    def __init__(self, wsgi_app, proxies: int, trusted: tuple[list, bool]):
        self.direct = wsgi_app
        self.proxied = ProxyFix(wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
        self.networks, self.unix = trusted

    def trusted(self, peer: str | None) -> bool:
        if not peer:
            return self.unix
        try:
            address = ipaddress.ip_address(peer.split("%", 1)[0])
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def __call__(self, environ, start_response):
        if self.trusted(environ.get("REMOTE_ADDR")):
            return self.proxied(environ, start_response)
        for header in FORWARDED_HEADERS:
            environ.pop(header, None)
        return self.direct(environ, start_response)


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.wsgi_app = DrainRequestBody(app.wsgi_app)
    proxies = int(app.config["TRUSTED_PROXIES"] or 0)
    if proxies:
        # Behind N proxies: request.remote_addr (the login limit per address) and the scheme
        # come from the headers the last N proxies added, when the request came from one of
        # the trusted proxy addresses; without, those headers are ignored.
        app.wsgi_app = TrustedProxyFix(
            app.wsgi_app, proxies, trusted_networks(app.config["TRUSTED_PROXY_ADDRESSES"])
        )

    @app.before_request
    def check_login_then_csrf():
        if request.method in SAFE_METHODS or request.routing_exception is not None:
            return  # unknown URLs answer 404/405 from the router
        if view_takes_bearer(app):
            return  # a bearer token, never a cookie: nothing for CSRF to protect
        api = request.path.startswith("/api/")
        if api and not _view_is_public(app) and not current_user.is_authenticated:
            raise ApiError(401)
        csrf.protect()

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(self), geolocation=(self), microphone=()"
        )
        if app.config["ENV"] == "production":
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        if request.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
