"""Translations: Swedish by default, English on request (Flask-Babel).

Source strings are English; each feature package keeps its Swedish catalog in
`<package>/translations/sv/LC_MESSAGES/messages.po`. Compiled `.mo` files are build output,
not committed: `create_app` compiles any that are missing or older than their `.po`, and
`flask --app app translations` does it by hand (and can list untranslated strings).
"""

from __future__ import annotations

import logging
from pathlib import Path

import click
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, request
from flask_babel import get_locale, ngettext

from patrol.extensions import LANGUAGE_COOKIE, babel, select_locale

# Wall-clock formatting lives with the night rule in patrol.nights; re-exported for templates.
from patrol.nights import TIME_ZONE_NAME, local_time  # noqa: F401

PACKAGE_DIR = Path(__file__).resolve().parent
log = logging.getLogger(__name__)


def translation_dirs() -> list[Path]:
    return sorted(p for p in PACKAGE_DIR.glob("**/translations") if p.is_dir())


def compile_catalogs(force: bool = False) -> list[Path]:
    """Compile every stale .po to .mo; returns the files written."""
    written = []
    for po_path in PACKAGE_DIR.glob("**/translations/*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        try:
            tmp = mo_path.with_suffix(".mo.tmp")
            with tmp.open("wb") as mo_file:
                write_mo(mo_file, catalog)
            tmp.replace(mo_path)
            written.append(mo_path)
        except OSError as error:  # a read-only install: run `flask translations` at build
            log.warning("cannot compile %s: %s", po_path, error)
    return written


def untranslated() -> list[tuple[Path, str]]:
    """(catalog, msgid) for every message without a Swedish translation."""
    missing = []
    for po_path in PACKAGE_DIR.glob("**/translations/sv/LC_MESSAGES/*.po"):
        with po_path.open("rb") as po_file:
            for message in read_po(po_file):
                if message.id and not message.string:
                    missing.append((po_path, str(message.id)))
    return missing


def span_text(seconds: float) -> str:
    """A length of time as a person reads it: "40 s", "12 min", "3 h 5 min", "4 days 2 h".
    A phone whose clock fell back to 1970 is decades off: "20 000 minutes" says nothing."""
    seconds = int(abs(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 48 * 3600:
        hours, rest = divmod(seconds, 3600)
        return f"{hours} h {rest // 60} min"
    days, rest = divmod(seconds, 86400)
    return ngettext("%(num)d day", "%(num)d days", days) + f" {rest // 3600} h"


def init_app(app: Flask) -> None:
    compile_catalogs()
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(str(p) for p in translation_dirs())
    app.config["BABEL_DEFAULT_TIMEZONE"] = TIME_ZONE_NAME
    babel.init_app(app, locale_selector=select_locale)
    # Templates format times with `|sthlm('HH:mm')` or Flask-Babel's `|datetimeformat`: both
    # go through local_time.
    app.jinja_env.filters["sthlm"] = local_time
    app.jinja_env.filters["datetimeformat"] = local_time
    # A signed length of time: `{{ seconds|span }}` -> "−2 dygn 0 h", "12 min".
    app.jinja_env.filters["span"] = lambda seconds: (
        ("−" if seconds < 0 else "") + span_text(seconds)
    )

    @app.after_request
    def remember_language(response):
        chosen = request.args.get("lang")
        if chosen in app.config["LANGUAGES"] and request.cookies.get(LANGUAGE_COOKIE) != chosen:
            response.set_cookie(
                LANGUAGE_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=False
            )
        return response

    @app.context_processor
    def language_context():
        return {"current_language": str(get_locale() or "sv")}

    @app.cli.command("translations", help="Compile the .po catalogs; list untranslated strings.")
    def translations_cmd() -> None:
        for path in compile_catalogs(force=True):
            click.echo(f"compiled {path.relative_to(PACKAGE_DIR.parent)}")
        for path, msgid in untranslated():
            click.echo(f"untranslated in {path.relative_to(PACKAGE_DIR.parent)}: {msgid!r}")
