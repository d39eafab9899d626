"""The app's version (pyproject.toml), as `flask --app app version`, `/readyz`, the desk's footer
and the service worker show it. The service worker's cache name stays the digest of what it
precaches (a deployment must reach the phones even without a version bump); the version is
beside it for people to read."""

from __future__ import annotations

from functools import cache
from importlib import metadata


@cache
def app_version() -> str:
    try:
        return metadata.version("nattpatrull")
    except metadata.PackageNotFoundError:  # run from a checkout without `pip install -e .`
        return "unknown"
