"""Flask extensions, created unbound here and bound in create_app."""

from flask import request
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()

LANGUAGE_COOKIE = "lang"


def select_locale() -> str:
    """Swedish unless the user chose English (cookie set by the language switch or `?lang=`)."""
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    return chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"]
