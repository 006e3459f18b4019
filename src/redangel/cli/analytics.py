"""`redangel analytics refresh`: fill the aggregate tables the analysts' console reads."""

from __future__ import annotations

from typing import Annotated

import typer

from redangel.analytics import service as analytics
from redangel.cli.context import context
from redangel.eligibility import load_catalog
from redangel.replicas import ReplicaRouter

app = typer.Typer(help="Program analytics (aggregates only).", no_args_is_help=True)


@app.command("refresh")
def refresh(full: Annotated[bool, typer.Option(help="Recompute every month, not only those "
                                                    "touched since the last refresh.")] = False
            ) -> None:
    """Recompute today's coverage, the person at the centre and data quality, and the monthly
    decisions and deliveries (incrementally unless --full); read from a usable read replica when
    one is configured, written on the primary."""
    ctx = context()
    catalog = load_catalog(ctx.settings.catalog_path)
    keyring = ctx.keyring()
    settings = ctx.settings
    router = (ReplicaRouter(settings.replica_urls, primary_sessions=ctx.sessions,
                            configure=lambda made: made, max_lag=settings.replica_max_lag_seconds,
                            check_seconds=settings.replica_check_seconds,
                            window=settings.read_your_writes_seconds)
              if settings.replica_urls else None)
    found = router.job_session() if router is not None else None
    reads, source = found if found is not None else (None, "")
    try:
        with ctx.sessions() as session, typer.progressbar(length=len(analytics.STEPS),
                                                          label="analytics") as bar:
            def advance(step: str) -> None:
                bar.label = f"analytics: {step}"
                bar.update(1)

            run = analytics.refresh(session, catalog=catalog, keyring=keyring, full=full,
                                    progress=advance, reads=reads)
            session.commit()
    finally:
        if reads is not None:
            reads.close()
        if router is not None:
            router.dispose()
    typer.echo(f"read from the replica {source}" if source else
               "read from the primary" + (" (no replica usable)" if router is not None else ""))
    typer.echo(f"{run.kind} refresh: {run.persons} persons, {run.cells} cells, "
               f"{run.seconds:.1f} s" + (f" (months from {run.since_month})" if run.since_month else ""))
