"""`redangel idempotency`: the stored first answers of retried requests, deleted when old."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from redangel.cli.context import context
from redangel.db import utcnow
from redangel.idempotency.service import purge

app = typer.Typer(help="Stored first answers of retried requests.", no_args_is_help=True)


@app.command("purge")
def idempotency_purge(
    hours: Annotated[float | None, typer.Option(
        min=0, help="delete records older than this (default: REDANGEL_IDEMPOTENCY_HOURS)")] = None,
) -> None:
    """Delete every Idempotency-Key record older than its lifetime (run it from a timer)."""
    ctx = context()
    lifetime = timedelta(hours=ctx.settings.idempotency_hours if hours is None else hours)
    with ctx.sessions() as session:
        deleted = purge(session, older_than=utcnow() - lifetime)
        session.commit()
    ctx.engine.dispose()
    typer.echo(f"{deleted} idempotency records older than {lifetime} deleted")
