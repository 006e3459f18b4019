"""`redangel audit`: check the audit chain, and sign a checkpoint to keep off this machine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from redangel.audit import archive, chain
from redangel.audit import service as audit
from redangel.audit.verify import TrailKeys, verify
from redangel.cli.context import context
from redangel.cli.files import refuse_existing, write_durably
from redangel.common.months import ArchiveRefused

app = typer.Typer(help="Audit trail.", no_args_is_help=True)


@app.command("verify")
def audit_verify(
    checkpoint: Annotated[Path | None, typer.Option(
        help="a checkpoint file kept outside (written by `redangel audit checkpoint`)")] = None,
    archive_file: Annotated[Path | None, typer.Option(
        "--archive", help="check this archived month's file instead of the database")] = None,
) -> None:
    """Check every link of the audit chain and that every signed checkpoint is there."""
    ctx = context()
    keys = TrailKeys.from_secret(ctx.settings.secret_key)
    if archive_file is not None:
        try:
            lines = archive_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            typer.echo(f"cannot read the archive {archive_file}: {exc}", err=True)
            raise typer.Exit(2) from exc
        ok, said = archive.check_file(lines, link_key=keys.link_key, public_key=keys.public_key)
        if not ok:
            typer.echo(f"audit archive BROKEN: {said}", err=True)
            raise typer.Exit(1)
        typer.echo(f"audit archive intact: {said}")
        return
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


@app.command("archive")
def audit_archive(
    month: Annotated[str, typer.Option(help="the closed month to archive, as YYYY-MM")],
    out: Annotated[Path, typer.Option(help="the file to write the month to (must not exist)")],
) -> None:
    """Export a closed month of the trail with its signed checkpoint, then remove it from the
    database (the oldest month first; months within the retention setting are kept)."""
    ctx = context()
    refuse_existing(out)
    with ctx.sessions() as session:
        try:
            prepared = archive.prepare(session, secret_key=ctx.settings.secret_key, month=month,
                                       retention_months=ctx.settings.audit_retention_months)
        except ArchiveRefused as exc:
            typer.echo(f"not archived: {exc}", err=True)
            raise typer.Exit(1) from None
        write_durably(out, prepared.content)  # on disk before anything is removed
        archive.remove(session, prepared)
        session.commit()
    typer.echo(f"{month}: {len(prepared.event_ids)} events archived to {out} and removed; "
               f"the chain continues from seal {prepared.checkpoint.seq}")
