"""The layers of patrol/ are checked by a machine (.importlinter, docs/architecture.md §9).

`lint-imports` runs in scripts/test.sh on the real tree. These tests prove the contracts bite:
a copy of patrol/ with one import added that runs back up (or reaches into another feature's
routes) gets exactly that import reported, and the contracts name every package and shared
module, so a new one cannot slip in unchecked.
"""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
# The modules that assemble the app import every feature: they stand outside the layers.
ASSEMBLERS = {"__init__", "models"}


def contract_layers() -> list[list[str]]:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    lines = config["importlinter:contract:layers"]["layers"].strip().splitlines()
    return [[name.strip(" ()") for name in re.split(r"[|:]", line)] for line in lines]


def violations(tree: Path) -> set[str]:
    """The "X is not allowed to import Y:" lines of a lint-imports run in `tree` (both
    contracts say it so)."""
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=tree, capture_output=True, text=True, timeout=120
    )
    assert "Contracts:" in result.stdout, result.stdout + result.stderr
    return {
        line.strip() for line in result.stdout.splitlines() if "is not allowed to import" in line
    }


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of patrol/ and the contracts, to add an import to."""
    shutil.copytree(ROOT / "patrol", tmp_path / "patrol", ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    return tmp_path


def add_line(tree: Path, module: str, line: str) -> None:
    path = tree / module
    path.write_text(path.read_text() + "\n" + line + "\n")


def test_every_package_and_shared_module_has_its_layer():
    named = {name for layer in contract_layers() for name in layer}
    packages = {p.parent.name for p in (ROOT / "patrol").glob("*/__init__.py")}
    flat = {p.stem for p in (ROOT / "patrol").glob("*.py")} - ASSEMBLERS
    assert packages - named == set(), "a feature package is missing from .importlinter's layers"
    assert flat - set(contract_layers()[-1]) == set(), (
        "a shared module (flat in patrol/) is missing from the bottom layer of .importlinter"
    )


def test_an_import_that_runs_back_up_is_reported(tree):
    before = violations(tree)
    # sites is below rounds: the phone's routes reach the sites document by registration.
    add_line(tree, "patrol/sites/api.py", "from patrol.rounds.phone import phone_routes  # noqa")
    assert violations(tree) - before == {"patrol.sites is not allowed to import patrol.rounds:"}


def test_an_upward_import_hidden_in_a_function_is_reported_too(tree):
    before = violations(tree)
    add_line(
        tree,
        "patrol/reports/api.py",
        "def _walk():\n    from patrol.safety.rules import walk_for_report  # noqa\n",
    )
    assert violations(tree) - before == {"patrol.reports is not allowed to import patrol.safety:"}


def test_a_shared_module_that_imports_a_feature_is_reported(tree):
    before = violations(tree)
    add_line(tree, "patrol/labels.py", "from patrol.shifts.models import Shift  # noqa")
    assert violations(tree) - before == {"patrol.labels is not allowed to import patrol.shifts:"}


def test_importing_another_features_routes_is_reported(tree):
    before = violations(tree)
    # Downward (owners is above review), so only the routes contract can catch it.
    add_line(tree, "patrol/owners/rules.py", "from patrol.review import pages  # noqa")
    assert violations(tree) - before == {
        "patrol.owners is not allowed to import patrol.review.pages:"
    }
