"""Files an archive command writes before it removes anything from the database."""

from __future__ import annotations

import os
from pathlib import Path

import typer


def refuse_existing(out: Path) -> None:
    """Stop before any work when the file to write exists already (nothing is overwritten)."""
    if out.exists():
        typer.echo(f"{out} exists already: choose a new file", err=True)
        raise typer.Exit(2)


def write_durably(out: Path, content: bytes) -> None:
    """Write a new file and wait until it is on disk (so what it holds may then be removed)."""
    with out.open("xb") as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())
