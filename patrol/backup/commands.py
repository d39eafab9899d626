"""`flask --app app backup DIR [--include-secrets]`, `backup --verify DIR`, `restore DIR`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from patrol.backup.actions import BackupError, make_backup, restore_backup, verify_backup


@click.command("backup", help="Write a backup (database, photos, manifest) into a new folder DIR.")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--verify", is_flag=True, help="Check an existing backup's every digest instead.")
@click.option(
    "--include-secrets",
    is_flag=True,
    help="Also copy the instance folder's secret key and VAPID key (keep such a backup apart).",
)
@with_appcontext
def backup_command(folder: Path, verify: bool, include_secrets: bool) -> None:
    try:
        if verify:
            problems = verify_backup(folder, progress=click.echo)
            for problem in problems:
                click.echo(problem, err=True)
            if problems:
                sys.exit(1)
            click.echo(f"{folder}: every file matches its SHA-256.")
            return
        manifest = make_backup(folder, include_secrets=include_secrets, progress=click.echo)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Backup written to {folder}: {len(manifest['files'])} files, "
        f"migration head {', '.join(manifest['migration_heads'])}."
    )


@click.command("restore", help="Restore the backup in DIR into an empty database and photo store.")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def restore_command(folder: Path) -> None:
    try:
        manifest = restore_backup(folder, progress=click.echo)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Restored the backup of {manifest['created_at']} (version {manifest['app_version']})."
    )
