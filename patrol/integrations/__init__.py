"""Nattpatrull inside the owners' own systems (issue 26, points 4-5): API tokens with scopes
for /api/v1/integrations/ (api.py, tokens.py, feeds.py), webhook subscriptions (webhooks.py)
and their admin page /admin/integrations (pages.py). Nothing below imports this package: it
listens to the shared signals (patrol.signals) and registers its webhook target."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from patrol.integrations.api import bp as api_bp
    from patrol.integrations.pages import bp as pages_bp
    from patrol.integrations.webhooks import connect

    app.register_blueprint(api_bp)
    app.register_blueprint(pages_bp)
    connect()  # the signals -> webhook deliveries; the "subscription" target's secrets
