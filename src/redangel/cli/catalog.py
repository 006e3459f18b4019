"""`redangel catalog`: check the program and life-event catalog, and load it into the registry."""

from __future__ import annotations

import typer

from redangel.cli.context import context
from redangel.config import get_settings
from redangel.eligibility import CatalogError, load_catalog
from redangel.eligibility.testing import run_catalog_tests
from redangel.program import escalation_rules
from redangel.program.service import sync_catalog

app = typer.Typer(help="The program and life-event catalog.", no_args_is_help=True)


@app.command("check")
def catalog_check() -> None:
    """Load the catalog strictly and run its YAML cases and coverage gate."""
    try:
        catalog = load_catalog(get_settings().catalog_path)
        escalation_rules.load(get_settings().catalog_path, programs=set(catalog.programs))
    except CatalogError as exc:
        typer.echo(f"catalog invalid: {exc}", err=True)
        raise typer.Exit(1) from exc
    report = run_catalog_tests(catalog)
    for line in report.failures + report.uncovered:
        typer.echo(line, err=True)
    typer.echo(f"catalog {catalog.version[:12]}: {len(catalog.programs)} programs, "
               f"{len(catalog.events)} life events, {report.cases} cases, "
               f"{'OK' if report.ok else 'FAILED'}")
    if not report.ok:
        raise typer.Exit(1)


@app.command("load")
def catalog_load() -> None:
    """Write the catalog's agencies and programs into the database."""
    catalog = load_catalog(get_settings().catalog_path)
    ctx = context()
    with ctx.sessions() as session:
        count = sync_catalog(session, catalog)
        session.commit()
    typer.echo(f"catalog {catalog.version[:12]} loaded: {count} programs")
