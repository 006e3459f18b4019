"""`redangel crvs`: the civil registries redangel listens to, the events that wait, and a
simulated civil registry for the demo and the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from redangel.auth.principal import SYSTEM
from redangel.cli.context import context
from redangel.common.clock import city_today
from redangel.crvs import service, simulator
from redangel.db import utcnow
from redangel.dci import keys
from redangel.eligibility import load_catalog

app = typer.Typer(help="Civil registry (DCI CRVS): sources, waiting events, simulator.",
                  no_args_is_help=True)
sources = typer.Typer(help="Civil registries that may notify births and deaths.",
                      no_args_is_help=True)
app.add_typer(sources, name="source")


@sources.command("add")
def source_add(
    sender_id: str,
    public_key: Annotated[str, typer.Option(help="base64 of the 32-byte Ed25519 public key")],
    name: Annotated[str, typer.Option()] = "Registro Civil",
    receiver_id: Annotated[str, typer.Option(help="what the civil registry calls redangel")] = "redangel",
) -> None:
    """Register a civil registry: its DCI sender id and the key it signs with."""
    ctx = context()
    with ctx.sessions() as session:
        service.add_source(session, principal=SYSTEM, sender_id=sender_id, name=name,
                           public_key=public_key, receiver_id=receiver_id)
        session.commit()
    typer.echo(f"registered {sender_id}")


@sources.command("list")
def source_list() -> None:
    """The registered civil registries."""
    ctx = context()
    with ctx.sessions() as session:
        for row in service.sources(session):
            typer.echo(f"{row.sender_id}\t{row.receiver_id}\t{'active' if row.active else 'off'}\t"
                       f"{row.name}")


@app.command("keygen")
def keygen(key_file: Path) -> None:
    """Make a civil registry's signing key (for the simulator); prints the public half."""
    key = simulator.new_key()
    key_file.write_text(simulator.private_text(key) + "\n")
    key_file.chmod(0o600)
    typer.echo(simulator.public_text(key))


@app.command("retry")
def retry(limit: Annotated[int, typer.Option(min=1, max=10_000)] = 500) -> None:
    """Run again the events that wait for their person (a death before its birth)."""
    ctx = context()
    keyring = ctx.keyring()
    catalog = load_catalog(ctx.settings.catalog_path)
    with ctx.sessions() as session:
        count = service.retry_waiting(session, keyring=keyring, catalog=catalog, limit=limit)
        session.commit()
    typer.echo(f"ran {count} waiting events again")


@app.command("simulate")
def simulate(
    url: Annotated[str, typer.Option(help="the running redangel, e.g. http://127.0.0.1:8000")],
    key_file: Annotated[Path, typer.Option(help="written by `redangel crvs keygen`")],
    sender_id: Annotated[str, typer.Option()] = "registro-civil-demo",
    births: Annotated[int, typer.Option(min=0, max=1000)] = 3,
    deaths: Annotated[int, typer.Option(min=0, max=1000)] = 2,
    reversal: Annotated[bool, typer.Option(help="reverse the first death")] = True,
    register: Annotated[bool, typer.Option(help="register the sender first if it is not")] = False,
    for_review: Annotated[bool, typer.Option(
        help="also two births for the data steward's review (/office/crvs)")] = False,
) -> None:
    """Play the civil registry: sign and send births, deaths and a reversal for demo persons."""
    key = simulator.key_from_text(key_file.read_text())
    ctx = context()
    keyring = ctx.keyring()
    with ctx.sessions() as session:
        if register and sender_id not in {s.sender_id for s in service.sources(session)}:
            service.add_source(session, principal=SYSTEM, sender_id=sender_id,
                               name="Registro Civil (simulado)",
                               public_key=simulator.public_text(key), receiver_id="redangel")
        mothers, deceased = service.simulation_subjects(session, keyring=keyring,
                                                        mothers=max(births, int(for_review)),
                                                        deceased=deaths)
        session.commit()
    registry = simulator.CivilRegistry(sender_id=sender_id, key=key)
    with httpx.Client(base_url=url.rstrip("/"), timeout=120) as client:
        answers = simulator.play(
            registry, client, reverse_first=reversal, today=city_today(),
            mothers=[simulator.Known(s.curp, s.birth_date) for s in mothers[:births]],
            deceased=[simulator.Known(s.curp, s.birth_date) for s in deceased])
        if for_review:
            named = ((mothers[-1].given_names, mothers[-1].first_surname,
                      mothers[-1].second_surname, mothers[-1].birth_date) if mothers else None)
            answers.append(registry.send(client, registry.envelope(simulator.births_for_review(
                named=named, today=city_today(), at=utcnow()))))
    for answer in answers:
        typer.echo(f"{answer.status_code} {answer.text[:300]}")
    typer.echo(f"sent {len(mothers[:births])} births, {len(deceased)} deaths"
               f"{' and a reversal' if reversal and deceased else ''}"
               f"{', and two births for review' if for_review else ''}")
    if any(a.status_code != 200 for a in answers):
        raise typer.Exit(1)


@app.command("registry-key")
def registry_key() -> None:
    """The public half of redangel's DCI signing key, to give the civil registry."""
    typer.echo(keys.public_text(context().settings.secret_key))


def deliver(url: str, sender_id: str, envelope: dict[str, Any], sessions: Any) -> None:
    """Post a signed message to the civil registry; a refusal gives its requests back."""
    action = envelope["header"]["action"]
    try:
        with httpx.Client(timeout=60) as client:
            answer = client.post(f"{url.rstrip('/')}/registry/{action}", json=envelope)
        code = "" if answer.status_code == 200 else f"http {answer.status_code}"
        typer.echo(f"{answer.status_code} {answer.text[:300]}")
    except httpx.HTTPError as exc:
        code = "unreachable"
        typer.echo(f"not delivered: {exc.__class__.__name__}")
    if code:
        with sessions() as session:
            service.undelivered(session, sender_id=sender_id, envelope=envelope, code=code)
            session.commit()
        raise typer.Exit(1)


@app.command("subscribe")
def subscribe(
    source: Annotated[str, typer.Option(help="the civil registry's sender id")],
    url: Annotated[str, typer.Option(help="the civil registry's DCI base URL (…/registry/subscribe)")],
) -> None:
    """Ask a civil registry for births, deaths, death reversals and data modifications."""
    ctx = context()
    with ctx.sessions() as session:
        envelope = service.subscribe(session, principal=SYSTEM, sender_id=source,
                                     secret_key=ctx.settings.secret_key, now=utcnow())
        session.commit()
    deliver(url, source, envelope, ctx.sessions)


@app.command("unsubscribe")
def unsubscribe(
    source: Annotated[str, typer.Option(help="the civil registry's sender id")],
    url: Annotated[str, typer.Option(help="the civil registry's DCI base URL")],
) -> None:
    """End every active subscription at a civil registry."""
    ctx = context()
    with ctx.sessions() as session:
        envelope = service.unsubscribe(session, principal=SYSTEM, sender_id=source,
                                       secret_key=ctx.settings.secret_key, now=utcnow())
        session.commit()
    deliver(url, source, envelope, ctx.sessions)


@app.command("subscriptions")
def subscriptions(source: Annotated[str, typer.Option(help="the civil registry's sender id")]) -> None:
    """A civil registry's subscriptions and their states."""
    ctx = context()
    with ctx.sessions() as session:
        for row in service.subscriptions(session, source):
            typer.echo(f"{row.reg_event_type}\t{row.state}\t{row.code or ''}\t{row.reason or ''}")
