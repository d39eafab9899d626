"""Entry point: `flask --app app run` and `gunicorn app:app` both load this."""

from patrol import create_app

app = create_app()
