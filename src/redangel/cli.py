"""The `redangel` command: serve, migrate, seed demo data, manage accounts, keys and audit."""

from __future__ import annotations

import getpass
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from redangel.config import Settings, get_settings
from redangel.crypto.keyring import Keyring

app = typer.Typer(help="redangel: registro único para los programas sociales de la ciudad.",
                  no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)
user_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
client_app = typer.Typer(help="Agency API clients.", no_args_is_help=True)
kiosk_app = typer.Typer(help="Kiosk devices.", no_args_is_help=True)
audit_app = typer.Typer(help="Audit trail.", no_args_is_help=True)
keys_app = typer.Typer(help="Encryption keys.", no_args_is_help=True)
catalog_app = typer.Typer(help="The program and life-event catalog.", no_args_is_help=True)
idempotency_app = typer.Typer(help="Stored first answers of retried requests.",
                              no_args_is_help=True)
app.add_typer(__import__("redangel.ops.commands", fromlist=["app"]).app)  # backup, restore
for sub, name in ((db_app, "db"), (demo_app, "demo"), (user_app, "user"),
                  (client_app, "agency-client"), (kiosk_app, "kiosk"), (audit_app, "audit"),
                  (keys_app, "keys"), (catalog_app, "catalog"), (idempotency_app, "idempotency")):
    app.add_typer(sub, name=name)


def _alembic_config(settings: Settings):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    here = Path(os.environ.get("REDANGEL_PROJECT_DIR", Path.cwd()))
    candidates = [here, Path(__file__).resolve().parents[2]]
    for root in candidates:
        if (root / "alembic.ini").exists() and (root / "migrations").is_dir():
            config = Config(str(root / "alembic.ini"))
            config.set_main_option("script_location", str(root / "migrations"))
            config.set_main_option("sqlalchemy.url", settings.effective_database_url.replace("%", "%%"))
            config.attributes["audit_secret_key"] = settings.secret_key  # re-keys an old chain
            return config
    raise typer.BadParameter("alembic.ini and migrations/ not found; run from the project directory")


def upgrade(settings: Settings, revision: str = "head") -> None:
    """Migrate the configured database to a revision."""
    from alembic import command

    if settings.effective_database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    command.upgrade(_alembic_config(settings), revision)


@dataclass
class Context:
    """What a command needs: settings, engine, configured sessions and the keyring."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]

    def keyring(self) -> Keyring:
        from redangel.crypto.repository import load_keyring

        with self.sessions() as session:
            ring = load_keyring(session, kek=self.settings.kek_bytes,
                                blind_index_key=self.settings.blind_index_bytes)
            session.commit()
        return ring


def context() -> Context:
    """Open the configured database for a command."""
    from redangel.audit import service as audit
    from redangel.db import make_engine, make_sessionmaker

    settings = get_settings()
    engine = make_engine(settings.effective_database_url)
    sessions = make_sessionmaker(engine)
    config = audit.AuditConfig.from_settings(settings)
    from sqlalchemy import event

    @event.listens_for(sessions, "after_begin")
    def _configure(session: Session, *_: object) -> None:
        audit.configure(session, config)

    return Context(settings, engine, sessions)


@db_app.command("upgrade")
def db_upgrade(
    revision: str = "head",
    app_role: Annotated[str | None, typer.Option(
        envvar="REDANGEL_APP_ROLE",
        help="PostgreSQL: create or update the application's own non-owner role; it logs in "
             "with REDANGEL_APP_ROLE_PASSWORD if set (NOLOGIN otherwise)")] = None,
) -> None:
    """Apply migrations up to a revision (default: the latest), as the schema's owner."""
    settings = get_settings()
    upgrade(settings, revision)
    typer.echo(f"database at {revision}")
    if app_role:
        from redangel.app_role import AppRoleError, provision
        from redangel.db import make_engine

        engine = make_engine(settings.effective_database_url)
        try:
            provision(engine, app_role, password=os.environ.get("REDANGEL_APP_ROLE_PASSWORD"))
        except AppRoleError as exc:
            typer.echo(f"application role not provisioned: {exc}", err=True)
            raise typer.Exit(2) from exc
        finally:
            engine.dispose()
        typer.echo(f"application role {app_role}: reads and writes the registry, may only "
                   "append to the audit trail")


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to a revision."""
    from alembic import command

    command.downgrade(_alembic_config(get_settings()), revision)


@demo_app.command("seed")
def demo_seed(
    persons: Annotated[int, typer.Option(min=0, max=20_000_000)] = 2000,
    seed: Annotated[int, typer.Option()] = 2026,
) -> None:
    """Load a deterministic, realistic population (households, CURPs, boroughs)."""
    from redangel.demo import seed as demo

    ctx = context()
    with ctx.sessions() as session:
        offices = demo.ensure_offices(session)
        logins = demo.ensure_logins(session, offices)
        session.commit()
    keyring = ctx.keyring()
    started = time.perf_counter()
    written = demo.seed_population(ctx.engine, keyring=keyring, persons=persons, seed=seed,
                                   offices=offices)
    elapsed = time.perf_counter() - started
    with ctx.sessions() as session:
        demo.record_seed(session, persons=written, seed=seed)
        session.commit()
    rate = written / elapsed if elapsed else 0
    typer.echo(f"seeded {written} persons in {elapsed:.1f} s ({rate:,.0f} persons/s)")
    _print_logins(logins)


def _print_logins(logins) -> None:  # type: ignore[no-untyped-def]
    typer.echo(f"demo logins (password: {logins.password}): {', '.join(logins.usernames)}")
    if logins.agency_client_id:
        typer.echo(f"agency client: {logins.agency_client_id} secret: {logins.agency_client_secret}")
    if logins.kiosk_token:
        typer.echo(f"kiosk device token: {logins.kiosk_token}")


@demo_app.command("run")
def demo_run(
    persons: Annotated[int, typer.Option(min=0)] = 2000,
    host: str = "127.0.0.1",
    port: int = 8000,
) -> None:
    """Migrate the embedded database, seed it once, and serve at http://HOST:PORT."""
    from redangel.person.models import Person

    settings = serving_settings(host)
    upgrade(settings)
    ctx = context()
    with ctx.sessions() as session:
        empty = (session.scalar(select(func.count()).select_from(Person)) or 0) == 0
    catalog_load()
    if empty:
        demo_seed(persons=persons, seed=2026)
    else:
        typer.echo("demo data already loaded; logins: clerk, supervisor, analyst, admin "
                   f"(password: {__import__('redangel.demo.seed').demo.seed.DEMO_PASSWORD})")
    base = f"http://{host}:{port}"
    typer.echo(f"office console: {base}/office   kiosk: {base}/kiosk   "
               f"public screening: {base}/screening")
    typer.echo(f"API docs: {base}/docs")
    serve(host=host, port=port, workers=1)


def serving_settings(host: str) -> Settings:
    """The settings, if they may serve on `host`; otherwise say why in words and exit 2."""
    from pydantic import ValidationError

    from redangel.config import refuse_public_host

    try:
        settings = get_settings()
        refuse_public_host(settings, host)
    except ValidationError as exc:
        reasons = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        typer.echo(f"redangel: refusing to start: {reasons}", err=True)
        raise typer.Exit(2) from None
    except ValueError as exc:
        typer.echo(f"redangel: refusing to start: {exc}", err=True)
        raise typer.Exit(2) from None
    return settings


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve the API and pages with uvicorn (the schema must be migrated already)."""
    import uvicorn

    serving_settings(host)
    uvicorn.run("redangel.main:create_app", factory=True, host=host, port=port,
                workers=workers, proxy_headers=True, log_level="info")


@user_app.command("create")
def user_create(
    username: str, role: str, display_name: Annotated[str, typer.Option()] = "",
    office: Annotated[str | None, typer.Option(help="office code, e.g. MOD-09")] = None,
) -> None:
    """Create a staff account; the password is read from REDANGEL_NEW_PASSWORD or prompted."""
    from redangel.auth import repository, service

    password = os.environ.get("REDANGEL_NEW_PASSWORD") or getpass.getpass("Contraseña / Password: ")
    ctx = context()
    with ctx.sessions() as session:
        office_id = None
        if office:
            found = repository.office_by_code(session, office)
            if found is None:
                raise typer.BadParameter(f"no office {office}")
            office_id = found.id
        user = service.create_user(session, username=username, password=password, role=role,
                                   display_name=display_name or username, office_id=office_id)
        session.commit()
        typer.echo(f"created {user.role} {user.username}")


@client_app.command("create")
def client_create(agency: str) -> None:
    """Create an agency API client; prints its id and secret once."""
    from redangel.auth import service

    ctx = context()
    with ctx.sessions() as session:
        client, secret = service.create_agency_client(session, agency_code=agency)
        session.commit()
    typer.echo(f"client_id={client.client_id}\nclient_secret={secret}")


@client_app.command("revoke")
def client_revoke(client_id: str) -> None:
    """Revoke an agency client; its tokens stop working at once."""
    from redangel.auth import service

    ctx = context()
    with ctx.sessions() as session:
        service.revoke_agency_client(session, client_id=client_id)
        session.commit()
    typer.echo(f"revoked {client_id}")


@kiosk_app.command("create")
def kiosk_create(name: str) -> None:
    """Register a kiosk device; prints its device token once."""
    from redangel.auth import service

    ctx = context()
    with ctx.sessions() as session:
        _, token = service.create_kiosk_device(session, name=name, office_id=None)
        session.commit()
    typer.echo(f"device_token={token}")


@audit_app.command("verify")
def audit_verify(
    checkpoint: Annotated[Path | None, typer.Option(
        help="a checkpoint file kept outside (written by `redangel audit checkpoint`)")] = None,
) -> None:
    """Check every link of the audit chain and that every signed checkpoint is there."""
    from redangel.audit import chain
    from redangel.audit.verify import TrailKeys, verify

    ctx = context()
    keys = TrailKeys.from_secret(ctx.settings.secret_key)
    external = None
    if checkpoint is not None:
        try:
            external, signer = chain.Checkpoint.from_json(checkpoint.read_text())
        except (OSError, ValueError, KeyError, TypeError) as exc:
            typer.echo(f"cannot read the checkpoint file {checkpoint}: {exc}", err=True)
            raise typer.Exit(2) from exc
        if signer != chain.key_id(keys.public_key):
            typer.echo(f"the checkpoint file was signed by key {signer}, not by this "
                       f"service's key {chain.key_id(keys.public_key)}", err=True)
            raise typer.Exit(1)
    with ctx.sessions() as session:
        report = verify(session, keys=keys, checkpoint_every=ctx.settings.audit_checkpoint_every,
                        external_checkpoint=external)
    if report.ok:
        typer.echo(f"audit chain intact: {report.events} events ({report.pending} pending)")
        return
    typer.echo(f"audit chain BROKEN at event {report.broken_at}: {report.reason}", err=True)
    raise typer.Exit(1)


@audit_app.command("checkpoint")
def audit_checkpoint(
    out: Annotated[Path | None, typer.Option(help="write it to this file instead of stdout")] = None,
) -> None:
    """Seal what is sealable, sign the chain's head, and write that checkpoint as JSON (keep it
    off this machine: `verify --checkpoint FILE` then catches a rewrite or cut-off tail)."""
    from redangel.audit import chain
    from redangel.audit import service as audit

    ctx = context()
    with ctx.sessions() as session:
        audit.configure(session, audit.AuditConfig.from_settings(ctx.settings))
        audit.seal(session, checkpoint_now=True)
        latest = audit.latest_checkpoint(session)
        session.commit()
    if latest is None:
        typer.echo("the audit trail is empty: nothing to sign yet", err=True)
        raise typer.Exit(1)
    document = latest.to_json(chain.checkpoint_key(ctx.settings.secret_key).public_key()) + "\n"
    if out is None:
        typer.echo(document, nl=False)
    else:
        out.write_text(document)
        typer.echo(f"checkpoint at seal {latest.seq} written to {out}", err=True)


@keys_app.command("rotate")
def keys_rotate(batch: Annotated[int, typer.Option(min=1, max=10_000)] = 500,
                resume: bool = False) -> None:
    """Add a new data key and re-seal every sealed row with it, online, in batches."""
    from redangel.crypto.rotate import rotate

    ctx = context()
    report = rotate(ctx.sessions, kek=ctx.settings.kek_bytes, keyring=ctx.keyring(), batch=batch,
                    new_key=not resume)
    typer.echo(f"data key v{report.new_version}: {report.rows_resealed} rows re-sealed, "
               f"{report.rows_remaining} remaining")


@catalog_app.command("check")
def catalog_check() -> None:
    """Load the catalog strictly and run its YAML cases and coverage gate."""
    from redangel.eligibility import CatalogError, load_catalog
    from redangel.eligibility.testing import run_catalog_tests

    try:
        catalog = load_catalog(get_settings().catalog_path)
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


@catalog_app.command("load")
def catalog_load() -> None:
    """Write the catalog's agencies and programs into the database."""
    from redangel.eligibility import load_catalog
    from redangel.program.service import sync_catalog

    catalog = load_catalog(get_settings().catalog_path)
    ctx = context()
    with ctx.sessions() as session:
        count = sync_catalog(session, catalog)
        session.commit()
    typer.echo(f"catalog {catalog.version[:12]} loaded: {count} programs")


@idempotency_app.command("purge")
def idempotency_purge(
    hours: Annotated[float | None, typer.Option(
        min=0, help="delete records older than this (default: REDANGEL_IDEMPOTENCY_HOURS)")] = None,
) -> None:
    """Delete every Idempotency-Key record older than its lifetime (run it from a timer)."""
    from datetime import timedelta

    from redangel.common.idempotency import purge
    from redangel.db import utcnow

    ctx = context()
    lifetime = timedelta(hours=ctx.settings.idempotency_hours if hours is None else hours)
    with ctx.sessions() as session:
        deleted = purge(session, older_than=utcnow() - lifetime)
        session.commit()
    ctx.engine.dispose()
    typer.echo(f"{deleted} idempotency records older than {lifetime} deleted")


def main() -> None:
    """Entry point of the `redangel` command."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
