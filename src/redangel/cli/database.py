"""`redangel db`: the database schema, migrated by Alembic, and the application's own role."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from alembic import command
from alembic.config import Config

from redangel.app_role import AppRoleError, provision
from redangel.config import Settings, get_settings
from redangel.db import make_engine

app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)


def alembic_config(settings: Settings) -> Config:
    """The Alembic configuration for the project's migrations and the configured database."""
    here = Path(os.environ.get("REDANGEL_PROJECT_DIR", Path.cwd()))
    candidates = [here, Path(__file__).resolve().parents[3]]
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
    if settings.effective_database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(settings), revision)


@app.command("upgrade")
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


@app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to a revision."""
    command.downgrade(alembic_config(get_settings()), revision)
