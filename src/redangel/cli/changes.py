"""`redangel changes ...`: the agencies' change feed over the years — monthly partitions ahead,
and closed months archived to a file once they are older than the retention."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from redangel.cli.context import context
from redangel.cli.files import refuse_existing, write_durably
from redangel.common.months import ArchiveRefused
from redangel.program import change_archive

app = typer.Typer(help="The agencies' change feed: partitions and archives.", no_args_is_help=True)


@app.command("partitions")
def changes_partitions(
    ahead: Annotated[int, typer.Option(min=0, max=120,
                                       help="months ahead of this one to create")] = 3,
) -> None:
    """PostgreSQL: create the change feed's monthly partitions ahead (the server also does it
    every hour)."""
    ctx = context()
    if ctx.engine.dialect.name != "postgresql":
        typer.echo("the embedded database keeps the change feed in one table: nothing to do")
        return
    made = change_archive.ensure_partitions(ctx.sessions, months_ahead=ahead)
    typer.echo(f"{made} monthly partitions created; the next {ahead} months are ready")


@app.command("archive")
def changes_archive(
    month: Annotated[str, typer.Option(help="the closed month to archive, as YYYY-MM")],
    out: Annotated[Path, typer.Option(help="the file to write the month to (must not exist)")],
) -> None:
    """Export a closed month of the change feed to a file, then remove it from the database
    (the oldest month first; months within the retention setting are kept)."""
    ctx = context()
    refuse_existing(out)
    with ctx.sessions() as session:
        try:
            prepared = change_archive.prepare(
                session, month=month, retention_months=ctx.settings.changes_retention_months)
        except ArchiveRefused as exc:
            typer.echo(f"not archived: {exc}", err=True)
            raise typer.Exit(1) from None
        write_durably(out, prepared.content)  # on disk before anything is removed
        change_archive.remove(session, prepared)
        session.commit()
    agencies = ", ".join(f"{code} up to {span[1]}" for code, span in prepared.agencies.items())
    typer.echo(f"{month}: {prepared.entries} changes archived to {out} and removed ({agencies})")
