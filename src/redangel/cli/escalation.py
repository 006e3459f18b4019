"""`redangel escalate`: raise late requests one level up the chain of command.

Safe from cron or a systemd timer every few minutes, on several servers at once: runs exclude
each other (an advisory lock on PostgreSQL, the write lock on SQLite) and raising a request is
a conditional update, so a request is never raised twice; each run commits its own work.
"""

from __future__ import annotations

from datetime import datetime

import typer

from redangel.cli.context import context
from redangel.eligibility import CatalogError, load_catalog
from redangel.program import escalation, escalation_rules


def escalate(
    at: str = typer.Option("", help="act as if it were this moment (ISO 8601 with its offset), "
                                    "to rehearse the chain on a copy of the database"),
) -> None:
    """Raise each late request one level up the chain of command, when its hours have passed."""
    ctx = context()
    try:
        catalog = load_catalog(ctx.settings.catalog_path)
        chain = escalation_rules.load(ctx.settings.catalog_path, programs=set(catalog.programs))
    except CatalogError as exc:
        typer.echo(f"chain of command invalid: {exc}", err=True)
        raise typer.Exit(1) from exc
    now = None
    if at:
        try:
            now = datetime.fromisoformat(at)
        except ValueError as exc:
            typer.echo("--at must be a moment like 2026-12-07T09:00:00-06:00", err=True)
            raise typer.Exit(2) from exc
        if now.tzinfo is None:
            typer.echo("--at must say its offset, like -06:00", err=True)
            raise typer.Exit(2)
    with ctx.sessions() as session:
        result = escalation.run(session, chain=chain, now=now)
        session.commit()
    if not result.acted:
        typer.echo("another run is escalating now; nothing done")
        return
    typer.echo(f"escalated {result.raised} of {result.looked_at} late requests and "
               f"{result.complaints_raised} of {result.complaints_looked_at} late complaints")
