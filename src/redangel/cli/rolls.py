"""`redangel import roll`: bring an agency's legacy roll into the registry from a file.

Reading runs in committed batches with progress (rows/s, expected end) on stderr; run the same
command again after a crash and it resumes the unfinished import of the same file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from redangel.auth.principal import Principal
from redangel.cli.context import context
from redangel.common.clock import city_today
from redangel.rolls import jobs
from redangel.rolls import service as rolls
from redangel.rolls.errors import RollFileError
from redangel.rolls.mapping import load_mapping
from redangel.rolls.readers import read_roll

app = typer.Typer(help="Import agencies' legacy rolls (padrones).", no_args_is_help=True)
IMPORTER = Principal(kind="system", id="roll-import", role="steward")


@app.command("roll")
def import_roll(
    file: Annotated[Path, typer.Argument(help="The roll: CSV (any delimiter and encoding) or .xlsx")],
    agency: Annotated[str, typer.Option("--agency", help="Code of the agency that sent it")],
    program: Annotated[str, typer.Option("--program", help="Code of the program it is of")],
    mapping_file: Annotated[Path, typer.Option("--mapping", help="YAML: which column holds what")],
    link_threshold: Annotated[float, typer.Option("--link", help="Probability to link")] = 0.99,
    review_threshold: Annotated[float, typer.Option("--review", help="Probability to review")] = 0.60,
    duplicate_limit: Annotated[float, typer.Option(
        "--duplicate-limit", help="Largest share of duplicate rows accepted")] = 0.5,
    merge: Annotated[bool, typer.Option("--merge", help="Merge into the registry once linked")] = False,
) -> None:
    """Read, standardise and link a roll (and merge it with --merge); prints its counts."""
    try:
        mapping = load_mapping(mapping_file)
        if not file.is_file():
            raise RollFileError("roll_file_missing", file=file.name)
        data = file.read_bytes()
        ctx = context()
        roll = read_roll(data, name=file.name, mapping=mapping,
                         max_bytes=ctx.settings.roll_max_bytes)
    except RollFileError as exc:
        typer.echo(f"roll refused: {exc}", err=True)
        raise typer.Exit(1) from exc
    keyring = ctx.keyring()
    today = city_today()
    with ctx.sessions() as session:
        imp = rolls.start(session, keyring=keyring, principal=IMPORTER, roll=roll, data=data,
                          agency_code=agency, program_code=program, mapping=mapping,
                          link_threshold=link_threshold, review_threshold=review_threshold,
                          duplicate_limit=duplicate_limit)
        import_id = imp.id
        session.commit()
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[rate]}"),
                  TimeRemainingColumn(), console=_stderr(), transient=False) as bar:
        task = bar.add_task("rows", total=len(roll.rows), rate="")

        def shown(p: jobs.Progress) -> None:
            bar.update(task, completed=p.done, rate=f"{p.rate:.0f} rows/s")

        jobs.run_reading(ctx.sessions, keyring=keyring, import_id=import_id, roll=roll,
                         today=today, on_progress=shown)
    with ctx.sessions() as session:
        imp = rolls.get(session, principal=IMPORTER, import_id=import_id)
        if imp.status in ("read", "linked", "stopped"):
            rolls.link(session, keyring=keyring, principal=IMPORTER, imp=imp)
        if merge and imp.status == "linked":
            rolls.merge(session, keyring=keyring, principal=IMPORTER, imp=imp, today=today)
        summary = rolls.quality(session, principal=IMPORTER, imp=imp)
        session.commit()
    typer.echo(json.dumps({"import": str(import_id), "status": summary.status,
                           "stop_reason": summary.stop_reason, "rows": summary.rows_read,
                           "outcomes": summary.outcomes, "enrolled": summary.enrolled}))
    if summary.status == "stopped":
        typer.echo("import stopped: too many rows are duplicates of others in the file", err=True)
        raise typer.Exit(3)


def _stderr() -> Console:
    return Console(stderr=True)


@app.command("exclusions")
def exclusions() -> None:
    """Print, as CSV, the people enrolled in two programs that exclude each other."""
    ctx = context()
    with ctx.sessions() as session:
        clashes = rolls.exclusion_clashes(session, principal=IMPORTER)
        session.commit()
    typer.echo(rolls.clashes_csv(clashes), nl=False)
