"""`redangel audit`: check the audit chain, and sign a checkpoint to keep off this machine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from redangel.audit import chain
from redangel.audit import service as audit
from redangel.audit.verify import TrailKeys, verify
from redangel.cli.context import context

app = typer.Typer(help="Audit trail.", no_args_is_help=True)


@app.command("verify")
def audit_verify(
    checkpoint: Annotated[Path | None, typer.Option(
        help="a checkpoint file kept outside (written by `redangel audit checkpoint`)")] = None,
) -> None:
    """Check every link of the audit chain and that every signed checkpoint is there."""
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


@app.command("checkpoint")
def audit_checkpoint(
    out: Annotated[Path | None, typer.Option(help="write it to this file instead of stdout")] = None,
) -> None:
    """Seal what is sealable, sign the chain's head, and write that checkpoint as JSON (keep it
    off this machine: `verify --checkpoint FILE` then catches a rewrite or cut-off tail)."""
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


@app.command("partitions")
def audit_partitions(
    ahead: Annotated[int, typer.Option(min=0, max=120,
                                       help="months ahead of this one to create")] = 3,
) -> None:
    """PostgreSQL: create the audit trail's monthly partitions ahead (the server's sealer also
    does it every hour)."""
    ctx = context()
    if ctx.engine.dialect.name != "postgresql":
        typer.echo("the embedded database keeps the audit trail in one table: nothing to do")
        return
    made = audit.ensure_partitions(ctx.sessions, months_ahead=ahead)
    typer.echo(f"{made} monthly partitions created; the next {ahead} months are ready")
