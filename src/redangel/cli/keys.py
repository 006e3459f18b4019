"""`redangel keys rotate`: a new data key, then every sealed row re-sealed in small batches.

Online: each batch is its own short transaction, and a row changed by the service meanwhile
(its version moved on) is skipped — the service already sealed it with the new key. The job
lives here, above the domains: the keyring's keys are `crypto/`'s, the rows `person/`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

from redangel.cli.context import context
from redangel.cli.progress import Bar, progress
from redangel.crypto.keyring import Keyring
from redangel.crypto.service import add_data_key
from redangel.person import service as persons

app = typer.Typer(help="Encryption keys.", no_args_is_help=True)


@dataclass(frozen=True)
class RotationReport:
    """What a rotation did."""

    new_version: int
    rows_resealed: int
    rows_remaining: int


def rotate(factory: sessionmaker[Session], *, kek: bytes, keyring: Keyring,
           batch: int = 500, new_key: bool = True, bar: Bar | None = None) -> RotationReport:
    """Add a data key (unless resuming) and re-seal every person row sealed with an older one,
    counting the rows read on `bar`."""
    with factory() as session:
        version = add_data_key(session, kek=kek, ring=keyring) if new_key else keyring.active_version
        if bar is not None:
            bar.set_total(persons.count_registered(session))
        session.commit()
    done = 0
    while True:
        with factory() as session:
            read, resealed = persons.reseal_batch(session, keyring=keyring, version=version,
                                                  batch=batch)
            session.commit()
        done += resealed
        if bar is not None:
            bar.advance(read)
        if not read:
            break
    with factory() as session:
        remaining = persons.left_to_reseal(session, version=version)
    return RotationReport(version, done, remaining)


@app.command("rotate")
def keys_rotate(batch: Annotated[int, typer.Option(min=1, max=10_000)] = 500,
                resume: bool = False) -> None:
    """Add a new data key and re-seal every sealed row with it, online, in batches."""
    ctx = context()
    with progress("Re-sealing persons") as bar:
        report = rotate(ctx.sessions, kek=ctx.settings.kek_bytes, keyring=ctx.keyring(),
                        batch=batch, new_key=not resume, bar=bar)
    typer.echo(f"data key v{report.new_version}: {report.rows_resealed} rows re-sealed, "
               f"{report.rows_remaining} remaining")
