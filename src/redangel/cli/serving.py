"""`redangel serve`: the API and the pages under uvicorn, refusing an unsafe configuration."""

from __future__ import annotations

import typer
import uvicorn
from pydantic import ValidationError

from redangel.config import Settings, get_settings, refuse_public_host


def serving_settings(host: str) -> Settings:
    """The settings, if they may serve on `host`; otherwise say why in words and exit 2."""
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


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve the API and pages with uvicorn (the schema must be migrated already)."""
    serving_settings(host)
    uvicorn.run("redangel.main:create_app", factory=True, host=host, port=port,
                workers=workers, proxy_headers=True, log_level="info")
