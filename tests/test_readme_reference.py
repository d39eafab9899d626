"""The README lists every command and configuration variable the code reads (issue 21, "Done
when"): an operator reads the README, not the code. Collected from the code itself, so a new
command or setting fails here until the README's Commands section or Configuration table names
it:

- every `flask` command registered on the app (`app.cli.list_commands`; Flask's own `run`,
  `shell` and `routes` aside);
- every configuration key: the `Defaults` of patrol/config.py, every key read with
  `app.config.get(...)` / `config[...]` across patrol/ (less the ones the app computes itself
  and stores, which no variable can set), all as `PATROL_<KEY>` (create_app reads every
  `PATROL_*` variable), and every `PATROL_*` name read from `os.environ` in patrol/ and deploy/.
"""

from __future__ import annotations

import re

import click

from patrol import config as patrol_config
from patrol.config import ROOT

FLASK_OWN = {"run", "shell", "routes"}
README = ROOT / "README.md"
# A config key read: app.config.get("X"), current_app.config["X"], config.get("X"), config["X"].
READ = re.compile(r"\bconfig(?:\.get\(\s*|\[\s*)\"([A-Z][A-Z0-9_]+)\"")
# A key the app computes and stores itself (app.config["X"] = ...): not a setting.
STORED = re.compile(r"\bconfig\[\s*\"([A-Z][A-Z0-9_]+)\"\s*\]\s*=(?!=)")
ENVIRON = re.compile(r"(?:os\.environ(?:\.get\(|\[)|os\.getenv\()\s*\"(PATROL_[A-Z0-9_]+)\"")


def section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def python_sources(*folders: str):
    for folder in folders:
        yield from sorted((ROOT / folder).rglob("*.py"))


def config_keys() -> set[str]:
    keys = {name for name in vars(patrol_config.Defaults) if name.isupper()}
    stored = set()
    for path in python_sources("patrol"):
        source = path.read_text(encoding="utf-8")
        keys |= set(READ.findall(source))
        stored |= set(STORED.findall(source))
    names = {f"PATROL_{key}" for key in keys - (stored - set(vars(patrol_config.Defaults)))}
    for path in python_sources("patrol", "deploy"):
        names |= set(ENVIRON.findall(path.read_text(encoding="utf-8")))
    return names


def documented_variables() -> list[re.Pattern]:
    """The Configuration table's first column: `PATROL_X`, a `_SUFFIX` after a full name in the
    same cell standing for that name with its last part(s) replaced (`PATROL_SMTP_HOST`,
    `_PORT`), and `<KIND>` as any name part."""
    patterns = []
    for line in section("Configuration").splitlines():
        if not line.startswith("| `"):
            continue
        cell = line.split("|")[1]
        prefix = ""
        for token in re.findall(r"`([^`]+)`", cell):
            if token.startswith("_") and prefix:
                token = prefix.rsplit("_", token.count("_"))[0] + token
            elif token.startswith("PATROL_"):
                prefix = token
            pattern = re.escape(token).replace(re.escape("<KIND>"), "[A-Z0-9_]+")
            patterns.append(re.compile(pattern + r"\Z"))
    return patterns


def test_every_configuration_variable_is_in_the_readme_table():
    names = config_keys()
    # The collection itself works: a Default, a key read only in a feature, an environ name.
    assert {
        "PATROL_SECRET_KEY",
        "PATROL_SAFETY_CASE_WINDOW_NIGHTS",
        "PATROL_INSTANCE_PATH",
    } <= names
    assert "PATROL_CONFIG_PROBLEMS" not in names  # computed by create_app
    patterns = documented_variables()
    missing = sorted(n for n in names if not any(p.match(n) for p in patterns))
    assert missing == [], "add these to README.md's Configuration table"


def test_every_flask_command_is_in_the_readme_commands(app):
    with app.app_context():
        names = set(app.cli.list_commands(click.Context(app.cli))) - FLASK_OWN
    assert {"worker", "check-config", "db"} <= names
    commands = section("Commands")
    missing = sorted(n for n in names if f"flask --app app {n}" not in commands)
    assert missing == [], "add these to README.md's Commands section"
