"""`redangel backup FILE` and `redangel restore FILE`: the registry into one file and back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from redangel.config import get_settings
from redangel.ops.backup import BackupError, backup, restore

app = typer.Typer()


@app.command("backup")
def backup_command(
    file: Annotated[Path, typer.Argument(help="where to write the backup (overwritten)")],
) -> None:
    """Copy the configured database into FILE while the service keeps running."""
    settings = get_settings()
    try:
        backup(settings.effective_database_url, file)
    except BackupError as exc:
        typer.echo(f"backup failed: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"backup written to {file} ({file.stat().st_size:,} bytes)")


@app.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="a file written by `redangel backup`")],
) -> None:
    """Load FILE into the configured database, which must be new and empty; then run
    `redangel audit verify` (same REDANGEL_SECRET_KEY) and, on PostgreSQL,
    `redangel db upgrade --app-role NAME` to grant the application's role again."""
    settings = get_settings()
    if settings.effective_database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        restore(settings.effective_database_url, file)
    except BackupError as exc:
        typer.echo(f"restore failed: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"restored {file}; now run `redangel audit verify`")
