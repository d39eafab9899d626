"""A configuration that would fail later is refused at start (issue 21, point 5).

`check(config)` returns every problem as one line naming the variable and what to set. At start,
`create_app` raises `ConfigError` with those lines (`app.py` turns it into a plain exit message,
never a traceback); `flask --app app check-config` prints the effective configuration with the
secrets masked, then every problem, and exits non-zero on one.

`postgres://` and `postgresql://` URLs (what many hosting panels print) are read as
`postgresql+psycopg://`, the driver the app uses.
"""

from __future__ import annotations

import sys
from urllib.parse import urlsplit

import click
import sqlalchemy as sa
from flask import Flask, current_app

ENVIRONMENTS = ("development", "production")
SECRET_NAMES = ("SECRET_KEY", "PASSWORD", "PRIVATE_KEY", "SECRET")
MIN_SECRET_KEY_LENGTH = 32


class ConfigError(SystemExit):
    """The app cannot start with this configuration. A SystemExit, so that `flask` and
    gunicorn print its lines and stop instead of a traceback."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(
            "Nattpatrull cannot start with this configuration:\n"
            + "\n".join(f"  - {p}" for p in problems)
            + "\n(`flask --app app check-config` lists the effective configuration.)"
        )


def normalise_database_url(url: str | None) -> str | None:
    """`postgres://…` and `postgresql://…` as `postgresql+psycopg://…`."""
    if not url:
        return url
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def truthy(value) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def check(config) -> list[str]:
    """Every problem of `config` (a Flask config after the environment was read)."""
    problems = []
    env = str(config.get("ENV") or "")
    if env not in ENVIRONMENTS:
        problems.append(f"PATROL_ENV={env}: set PATROL_ENV=development or PATROL_ENV=production.")
    production = env == "production"

    url = config.get("DATABASE_URL")
    if url:
        try:
            parsed = sa.engine.make_url(url)
            if parsed.get_backend_name() not in ("sqlite", "postgresql"):
                raise ValueError(parsed.get_backend_name())
        except (sa.exc.ArgumentError, ValueError):
            problems.append(
                "PATROL_DATABASE_URL is not a database URL the app can use: set "
                "postgresql+psycopg://USER@HOST/DATABASE (or sqlite:///PATH for one host)."
            )

    secret = config.get("SECRET_KEY")
    if production and not secret:
        problems.append(
            "PATROL_SECRET_KEY is not set: production needs one (python3 -c 'import secrets; "
            "print(secrets.token_hex(32))')."
        )
    elif production and len(str(secret)) < MIN_SECRET_KEY_LENGTH:
        problems.append(
            f"PATROL_SECRET_KEY has fewer than {MIN_SECRET_KEY_LENGTH} characters: set a longer "
            "one (python3 -c 'import secrets; print(secrets.token_hex(32))')."
        )

    if production and truthy(config.get("TESTS_SKIP_SECOND_FACTOR_SETUP", "")):
        problems.append(
            "PATROL_TESTS_SKIP_SECOND_FACTOR_SETUP is for the test suite only: remove it "
            "(production always asks admins for a second factor)."
        )

    store = config.get("PHOTO_STORE") or "files"
    if store not in ("files", "database", "s3"):
        problems.append(
            f"PATROL_PHOTO_STORE={store}: set files (one host), database or s3 (several hosts)."
        )
    elif store == "s3":
        for setting, example in (
            ("S3_ENDPOINT", "http://127.0.0.1:8333"),
            ("S3_BUCKET", "nattpatrull-photos"),
        ):
            if not config.get(setting):
                problems.append(
                    f"PATROL_{setting} is not set: PATROL_PHOTO_STORE=s3 needs it "
                    f"(e.g. PATROL_{setting}={example})."
                )

    public = config.get("PUBLIC_URL")
    allow_http = truthy(config.get("ALLOW_HTTP", ""))
    if public:
        parts = urlsplit(str(public))
        schemes = ("https", "http") if allow_http else ("https",)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(
                f"PATROL_PUBLIC_URL={public}: set the full address with its scheme, e.g. "
                "https://patrull.example.se."
            )
        elif production and parts.scheme not in schemes:
            problems.append(
                f"PATROL_PUBLIC_URL={public}: production needs https:// (plain http:// only on a "
                "closed network, with PATROL_ALLOW_HTTP=1)."
            )
    elif production:
        problems.append(
            "PATROL_PUBLIC_URL is not set: production needs the address the phones reach the "
            "server by (QR codes, email links), e.g. PATROL_PUBLIC_URL=https://patrull.example.se."
        )
    return problems


def masked(key: str, value) -> str:
    if value and any(part in key for part in SECRET_NAMES):
        return "*** (set)"
    if key == "DATABASE_URL" and value:
        try:
            return sa.engine.make_url(value).render_as_string(hide_password=True)
        except sa.exc.ArgumentError:
            return str(value)
    return repr(value)


@click.command("check-config", help="Print the effective configuration and every problem.")
def check_config_command() -> None:
    config = current_app.config
    click.echo("Effective configuration (PATROL_ variables over patrol/config.py):")
    for key in sorted(k for k in config if k.isupper() and k != "CONFIG_PROBLEMS"):
        if key.startswith(
            ("SESSION_", "WTF_", "BABEL_", "PASSWORD_HASH_", "TEMPLATES_", "EXPLAIN_")
        ):
            continue
        click.echo(f"  {key} = {masked(key, config[key])}")
    problems = config.get("CONFIG_PROBLEMS") or []
    if not problems:
        click.echo("No problems found.")
        return
    click.echo(f"{len(problems)} problem(s):", err=True)
    for problem in problems:
        click.echo(f"  - {problem}", err=True)
    sys.exit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(check_config_command)
