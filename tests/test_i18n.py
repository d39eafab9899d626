"""Every user-visible string has a Swedish translation, and the catalogs are up to date."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from patrol.i18n import PACKAGE_DIR, untranslated

ROOT = PACKAGE_DIR.parent
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "_l": None,
    "N_": None,
    "ValidationError": None,
}
METHODS = [("**.py", "python"), ("**.html", "jinja2")]


def catalog_ids(po_path: Path) -> set[str]:
    with po_path.open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


def extracted(directory: Path, top_level_only: bool = False) -> set[str]:
    ids = set()
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(directory), METHODS, keywords=KEYWORDS
    ):
        if top_level_only and "/" in filename:
            continue
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def test_no_untranslated_strings():
    assert untranslated() == []


FEATURE_CATALOGS = sorted(PACKAGE_DIR.glob("*/translations/sv/LC_MESSAGES/messages.po"))


@pytest.mark.parametrize("po_path", FEATURE_CATALOGS, ids=lambda p: p.parts[-5])
def test_feature_catalog_covers_its_package(po_path):
    package = po_path.parents[3]
    missing = extracted(package) - catalog_ids(po_path)
    assert not missing, f"run: bash scripts/i18n.sh {package.relative_to(ROOT)}"


def test_shared_catalog_covers_shared_modules_and_templates():
    shared = PACKAGE_DIR / "translations/sv/LC_MESSAGES/messages.po"
    wanted = extracted(PACKAGE_DIR, top_level_only=True) | extracted(ROOT / "templates")
    missing = wanted - catalog_ids(shared)
    assert not missing, "run: bash scripts/i18n.sh --shared"


def test_a_span_of_time_reads_in_the_largest_sensible_units(app):
    from patrol.i18n import span_text

    with app.test_request_context("/?lang=sv"):
        assert span_text(42) == "42 s"
        assert span_text(-12 * 60) == "12 min"  # the sign is the caller's
        assert span_text(3 * 3600 + 5 * 60) == "3 h 5 min"
        assert span_text(47 * 3600) == "47 h 0 min"
        assert span_text(4 * 86400 + 2 * 3600) == "4 dygn 2 h"
        # A phone whose clock fell back to 1970: days, not 29 million minutes.
        assert span_text(56 * 365 * 86400) == "20440 dygn 0 h"
    with app.test_request_context("/?lang=en"):
        assert span_text(86400 * 2) == "2 days 0 h"
        # The template filter keeps the sign (a phone clock ahead of the server's).
        span = app.jinja_env.filters["span"]
        assert span(-172963) == "−2 days 0 h" and span(90) == "1 min"
