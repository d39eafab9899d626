"""`flask --app app verify-evidence FILE`: the same check as tools/verify_evidence.py (which
it runs, so the app and the standalone tool can never disagree)."""

from __future__ import annotations

import importlib.util
import sys

import click

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
def verify_evidence_command(file: str, root: str | None, key_id: str | None) -> None:
    verifier = load_verifier()
    try:
        click.echo(verifier.verify(file, root, key_id))
    except verifier.Mismatch as error:
        click.echo(f"FAILED: {error}", err=True)
        sys.exit(1)
