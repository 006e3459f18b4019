"""`redangel rights`: the data-rights jobs (erasing cancelled records once their retention ends)."""

from __future__ import annotations

import typer

from redangel.auth.principal import SYSTEM
from redangel.cli.context import context
from redangel.rights import service

app = typer.Typer(help="The citizen's data rights (ARCO).", no_args_is_help=True)


@app.command("erase-due")
def erase_due() -> None:
    """Erase every cancelled record whose retention has run out, then rewrite the database files
    so the erased values leave them (safe to run from a timer; a second run erases nothing)."""
    ctx = context()
    with ctx.sessions() as session:
        folios = service.erase_due(session, principal=SYSTEM)
        session.commit()
    if folios:
        service.compact(ctx.engine)
    ctx.engine.dispose()
    typer.echo(f"{len(folios)} cancelled records erased" + (f": {', '.join(folios)}" if folios else ""))
