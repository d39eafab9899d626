"""`flask --app app verify-evidence FILE`: the same check as tools/verify_evidence.py (which
it runs, so the app and the standalone tool can never disagree)."""

from __future__ import annotations

import importlib.util
import json
import sys
import zipfile
from datetime import date

import click
from flask.cli import with_appcontext

from patrol.config import ROOT


def load_verifier():
    """tools/verify_evidence.py as a module (it is a script for people without the app)."""
    spec = importlib.util.spec_from_file_location(
        "verify_evidence", ROOT / "tools" / "verify_evidence.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@click.command("verify-evidence", help="Check an evidence file (evidence.zip) offline.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--root", help="The root printed on the night's PDF or in the owner mail.")
@click.option("--key-id", help="The key id the server publishes.")
@click.option(
    "--against-database",
    is_flag=True,
    help="Also compare every signed record with its row in this server's database now.",
)
@with_appcontext
def verify_evidence_command(
    file: str, root: str | None, key_id: str | None, against_database: bool
) -> None:
    verifier = load_verifier()
    try:
        summary = verifier.verify(file, root, key_id)
        if against_database:
            compare_with_database(file, verifier.Mismatch)
            summary += "; the database's rows match"
    except verifier.Mismatch as error:
        click.echo(f"FAILED: {error}", err=True)
        sys.exit(1)
    click.echo(summary)


def compare_with_database(file: str, mismatch) -> None:
    """Each record the file holds against the row stored now, in canonical JSON: a row changed
    after signing (by hand in the database, or by an action that belongs to the next version,
    such as an SOS acknowledged) or gone is named. A purged record has nothing to compare."""
    from patrol.evidence.snapshot import night_rows, record_body, record_id

    with zipfile.ZipFile(file) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        night = date.fromisoformat(manifest["seal"]["night"])
        live = {(kind, record_id(kind, row)): (kind, row) for kind, row in night_rows(night)}
        for entry in manifest["records"]:
            if not entry.get("file"):
                continue
            name = f"record {entry['position']} ({entry['kind']} {entry['id']})"
            found = live.get((entry["kind"], entry["id"]))
            if found is None:
                raise mismatch(f"{name}: no longer in the database")
            if record_body(*found) != archive.read(entry["file"]):
                raise mismatch(f"{name}: the database's row changed after signing")
