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
