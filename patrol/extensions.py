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
    """Swedish unless English was chosen: on this device (cookie set by the language switch or
    `?lang=`), else as the logged-in user's preferred language (set by the admin)."""
    from flask import current_app
    from flask_login import current_user

    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    if not chosen and current_user and current_user.is_authenticated:
        chosen = getattr(current_user, "language", None)
    return chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"]
