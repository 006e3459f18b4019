"""The `redangel` command: serve, migrate, seed demo data, manage accounts, keys and audit.

Each group of commands is one module of this package, calling its domain's service (never a
repository: an import-linter contract checks it); each opens and commits its own transactions.
A new group is one module with its own `typer.Typer()` and one line in `GROUPS` below.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from redangel.cli import (
    accounts,
    analytics,
    audit,
    catalog,
    changes,
    crvs,
    database,
    demo,
    escalation,
    idempotency,
    keys,
    progress,
    rights,
    rolls,
    serving,
)
from redangel.ops import commands as operations

app = typer.Typer(help="redangel: registro único para los programas sociales de la ciudad.",
                  no_args_is_help=True, add_completion=False)

# The registration point: one line per group of commands (`redangel NAME ...`).
GROUPS: tuple[tuple[typer.Typer, str], ...] = (
    (database.app, "db"),
    (demo.app, "demo"),
    (accounts.users, "user"),
    (accounts.agency_clients, "agency-client"),
    (accounts.kiosks, "kiosk"),
    (audit.app, "audit"),
    (changes.app, "changes"),
    (keys.app, "keys"),
    (catalog.app, "catalog"),
    (idempotency.app, "idempotency"),
    (analytics.app, "analytics"),
    (rights.app, "rights"),
    (crvs.app, "crvs"),
    (rolls.app, "import"),
)


@app.callback()
def options(quiet: Annotated[bool, typer.Option("--quiet", "-q",
                                                help="No progress bars.")] = False) -> None:
    """redangel: registro único para los programas sociales de la ciudad."""
    progress.set_quiet(quiet)


for group, name in GROUPS:
    app.add_typer(group, name=name)
app.add_typer(operations.app)  # `redangel backup FILE`, `redangel restore FILE`
app.command()(serving.serve)
app.command()(escalation.escalate)  # `redangel escalate`, from cron every few minutes


def main() -> None:
    """Entry point of the `redangel` command."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
