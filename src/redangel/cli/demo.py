"""`redangel demo`: a realistic population to try the service with, and a one-step demo."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from redangel.cli import catalog, database
from redangel.cli.context import Context, context
from redangel.cli.progress import progress
from redangel.cli.serving import serve, serving_settings
from redangel.crypto.keyring import Keyring
from redangel.demo import civil_registry as demo_civil_registry
from redangel.demo import complaints as demo_complaints
from redangel.demo import rights as demo_rights
from redangel.demo import seed as demo
from redangel.eligibility import load_catalog
from redangel.person import service as person_service
from redangel.program import escalation, escalation_rules, followup

app = typer.Typer(help="Demo data.", no_args_is_help=True)


@app.command("seed")
def demo_seed(
    persons: Annotated[int, typer.Option(min=0, max=20_000_000)] = 2000,
    seed: Annotated[int, typer.Option()] = 2026,
) -> None:
    """Load a deterministic, realistic population (households, CURPs, boroughs)."""
    ctx = context()
    with ctx.sessions() as session:
        offices = demo.ensure_offices(session)
        logins = demo.ensure_logins(session, offices)
        session.commit()
    keyring = ctx.keyring()
    started = time.perf_counter()
    with progress("Loading persons", total=persons) as bar:
        written = demo.seed_population(ctx.engine, keyring=keyring, persons=persons, seed=seed,
                                       offices=offices,
                                       catalog=load_catalog(ctx.settings.catalog_path),
                                       on_batch=bar.advance)
    elapsed = time.perf_counter() - started
    with ctx.sessions() as session:
        demo.record_seed(session, persons=written, seed=seed)
        demo_rights.seed_requests(session, settings=ctx.settings)
        demo_complaints.seed_complaints(session, keyring=keyring)
        session.commit()
    rate = written / elapsed if elapsed else 0
    typer.echo(f"seeded {written} persons in {elapsed:.1f} s ({rate:,.0f} persons/s)")
    _follow_up(ctx, keyring)
    _print_logins(logins)


def _follow_up(ctx: Context, keyring: Keyring) -> None:
    """Escalate the demo's late requests up the chain (one level per run, as cron would over
    the days) and rate some decided ones, so the follow-up pages are not empty."""
    catalog_ = load_catalog(ctx.settings.catalog_path)
    chain = escalation_rules.load(ctx.settings.catalog_path, programs=set(catalog_.programs))
    raised = 0
    for _ in chain.levels:
        with ctx.sessions() as session:
            run = escalation.run(session, chain=chain)
            raised += run.raised + run.complaints_raised
            session.commit()
    with ctx.sessions() as session:
        rated = followup.seed_demo_ratings(session, keyring=keyring, count=40)
        session.commit()
    with ctx.sessions() as session:
        review = demo_civil_registry.seed_review_events(session, keyring=keyring, catalog=catalog_)
        session.commit()
    typer.echo(f"late requests escalated: {raised} steps; ratings given: {rated}; "
               f"civil registry events for the steward's review: {review}")


def _print_logins(logins: demo.DemoLogins) -> None:
    typer.echo(f"demo logins (password: {logins.password}): {', '.join(logins.usernames)}")
    if logins.agency_client_id:
        typer.echo(f"agency client: {logins.agency_client_id} secret: {logins.agency_client_secret}")
    if logins.kiosk_token:
        typer.echo(f"kiosk device token: {logins.kiosk_token}")


@app.command("run")
def demo_run(
    persons: Annotated[int, typer.Option(min=0)] = 2000,
    host: str = "127.0.0.1",
    port: int = 8000,
) -> None:
    """Migrate the embedded database, seed it once, and serve at http://HOST:PORT."""
    settings = serving_settings(host)
    database.upgrade(settings)
    ctx = context()
    with ctx.sessions() as session:
        empty = person_service.count_registered(session) == 0
    catalog.catalog_load()
    if empty:
        demo_seed(persons=persons, seed=2026)
    else:
        typer.echo("demo data already loaded; logins: clerk, supervisor, analyst, admin, coordinator "
                   f"(password: {demo.DEMO_PASSWORD})")
    base = f"http://{host}:{port}"
    typer.echo(f"office console: {base}/office   kiosk: {base}/kiosk   "
               f"public screening: {base}/screening   follow a request: {base}/folio")
    typer.echo(f"API docs: {base}/docs")
    serve(host=host, port=port, workers=1)

