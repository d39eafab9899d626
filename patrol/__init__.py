"""Nattpatrull: the server a night patrol's phones sync into.

`create_app` reads as the table of contents: configuration, database, languages, security,
then one blueprint per feature.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from patrol.config import ROOT


def create_app(
    overrides: dict | None = None,
    instance_path: str | Path | None = None,
    defer_config_problems: bool = False,
) -> Flask:
    """The app. `instance_path` (else PATROL_INSTANCE_PATH, else ./instance) holds the SQLite
    database, the photos, the development secret key and the VAPID key. A configuration problem
    raises `patrol.configcheck.ConfigError` (a plain exit message), unless
    `defer_config_problems` (`flask --app app check-config` lists them instead)."""
    app = Flask(
        __name__,
        instance_path=str(
            instance_path or os.environ.get("PATROL_INSTANCE_PATH") or ROOT / "instance"
        ),
        static_folder=str(ROOT / "static"),
        template_folder=str(ROOT / "templates"),
    )
    load_config(app, overrides, defer_config_problems)

    from patrol import assets, configcheck, i18n, logs, metrics, migrate, openapi, params, security
    from patrol.db import db
    from patrol.errors import register_error_handlers

    configcheck.init_app(app)  # `flask --app app check-config`
    db.init_app(app)
    migrate.init_app(app)  # flask db upgrade / revision
    i18n.init_app(app)
    security.init_app(app)
    logs.init_app(app)  # one line per request (PATROL_LOG_FORMAT), request ids
    metrics.init_app(app)  # /metrics for Prometheus, from PATROL_METRICS_ALLOW only
    assets.init_app(app)  # ?v=<digest> on static URLs: cached a year, revalidated without
    params.init_app(app)  # ASCII, column-bounded <int:...>; no NUL in query strings or forms
    register_error_handlers(app)

    from patrol import (
        admin,
        alarms,
        auth,
        backup,
        batch,
        drills,
        evidence,
        guard,
        handover,
        health,
        incidents,
        integrations,
        mail,
        owners,
        privacy,
        push,
        reports,
        review,
        rounds,
        safety,
        schedule,
        shifts,
        sites,
        webhooks,
    )

    health.init_app(app)  # /healthz, /readyz (probes the features register), `version`
    auth.init_app(app)  # login page, session API, users, create-user
    sites.init_app(app)  # areas, properties, checkpoints; /api/v1/sites; seed-demo
    shifts.init_app(app)  # shifts and check-ins
    reports.init_app(app)  # reports and photos
    guard.init_app(app)  # the guard's offline-first PWA: shell, service worker, manifest
    review.init_app(app)  # supervisor's morning: Natten, shift logs, work orders, exports
    push.init_app(app)  # push notifications: acute alerts, extra rounds, SOS; push-worker
    rounds.init_app(app)  # planned rounds: routes, skips, compliance, Just nu, /admin/routes
    evidence.init_app(app)  # signed night records, evidence.zip, police record, public keys
    handover.init_app(app)  # the shift's hand-over: photos, "Läst", /review/handovers
    safety.init_app(app)  # disturbance cases, resident information (/review/cases, ...)
    incidents.init_app(app)  # threat and violence incidents' follow-up (/review/incidents)
    drills.init_app(app)  # alarm drills (/review/drills) and the phone's answers
    privacy.init_app(app)  # retention periods, `purge`, `export-person`
    schedule.init_app(app)  # scheduled jobs claimed once across hosts; the `worker` command
    admin.init_app(app)  # operator's set-up: sites, users, QR stickers, CSV import, audit
    mail.init_app(app)  # the mail outbox, sent over SMTP by the worker with retries
    webhooks.init_app(app)  # signed webhooks (alarm receiver, integrations) through the outbox
    alarms.init_app(app)  # alone at night: silence, "Jag är OK" timers, escalation of alarms
    owners.init_app(app)  # owners' portal /owner/, the morning emails, the day crew's /crew/
    integrations.init_app(app)  # API tokens, /api/v1/integrations/, webhooks, /admin/integrations
    backup.init_app(app)  # `backup`, `backup --verify`, `restore`: database, photos, manifest
    batch.init_app(app)  # POST /api/v1/batch: many record PUTs, each to its own view
    openapi.init_app(app)  # /api/v1/openapi.json from the schemas above
    return app


def load_config(app: Flask, overrides: dict | None, defer_problems: bool = False) -> None:
    """Defaults, then PATROL_* variables, then `overrides`; then the configuration is checked
    (patrol.configcheck): a problem stops the start with one line naming the variable, unless
    `defer_problems` (for `flask --app app check-config`, which lists them)."""
    from patrol.config import Defaults
    from patrol.configcheck import ConfigError, check, normalise_database_url

    app.config.from_object(Defaults)
    app.config.from_prefixed_env("PATROL")
    app.config.update(overrides or {})
    app.config["DATABASE_URL"] = normalise_database_url(app.config.get("DATABASE_URL"))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    problems = check(app.config)
    app.config["CONFIG_PROBLEMS"] = problems
    if problems and not defer_problems:
        raise ConfigError(problems)
    production = app.config["ENV"] == "production"
    if not app.config.get("SECRET_KEY") or problems:
        # Development (or only listing the problems): a key kept in the instance folder.
        app.config["SECRET_KEY"] = app.config.get("SECRET_KEY") or _development_secret(
            Path(app.instance_path)
        )
    if problems and any(p.startswith("PATROL_DATABASE_URL") for p in problems):
        app.config["DATABASE_URL"] = "sqlite://"  # only to list the problems; nothing is stored
    # Unless PATROL_SESSION_COOKIE_SECURE (or a test) decided, the session cookie travels
    # only over HTTPS in production.
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = production


def _development_secret(instance: Path) -> str:
    """A random key kept in the instance folder, so sessions survive a restart."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
