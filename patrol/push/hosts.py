"""Which push endpoints the server may send to.

A subscription's endpoint is a URL the browser hands us; the worker later POSTs to it. Accepting
any URL would let a logged-in user make the server send requests to arbitrary addresses (an
intranet host, a metadata service). So only the browsers' push services are accepted, over
HTTPS, plus the hosts an operator lists in PATROL_PUSH_ALLOWED_HOSTS (comma-separated
`host` or `host:port`; these may use plain HTTP: the tests run a push service on loopback).
"""

from __future__ import annotations

from urllib.parse import urlsplit

# Exact hosts and domain suffixes of the push services of Chrome/Edge/Samsung (Google's FCM),
# Firefox (Mozilla autopush), Safari (Apple) and Edge/Windows (Microsoft WNS).
KNOWN_HOSTS = frozenset(
    {
        "fcm.googleapis.com",
        "android.googleapis.com",
        "updates.push.services.mozilla.com",
        "push.services.mozilla.com",
        "web.push.apple.com",
    }
)
KNOWN_SUFFIXES = (".push.apple.com", ".notify.windows.com", ".push.services.mozilla.com")


def allowed_extra_hosts(config_value: str | None) -> set[str]:
    return {h.strip().lower() for h in (config_value or "").split(",") if h.strip()}


def endpoint_allowed(endpoint: str, extra_hosts: set[str]) -> bool:
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return False
    if not host or parts.username or parts.password:
        return False
    host_port = f"{host}:{port}" if port else host
    if host in extra_hosts or host_port in extra_hosts:
        return parts.scheme in ("https", "http")
    if parts.scheme != "https" or port not in (None, 443):
        return False
    return host in KNOWN_HOSTS or host.endswith(KNOWN_SUFFIXES)
