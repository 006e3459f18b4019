"""`redangel-card`: the card agent at an office desk or a kiosk (Spanish by default)."""

from __future__ import annotations

import getpass
import os
import time
from typing import Annotated

import httpx
import typer

from card_reader import pcsc
from card_reader.errors import CardError
from card_reader.issue import issue_card
from card_reader.kiosk import TrustStore, enter_pin, tap
from card_reader.service_client import HttpCardService

app = typer.Typer(help="Agente de tarjetas Red Ángel / Red Ángel card agent.", add_completion=False,
                  no_args_is_help=True)
Lang = Annotated[str, typer.Option(envvar="REDANGEL_LANG", help="es | en")]
Reader = Annotated[str, typer.Option(envvar="REDANGEL_READER", help="part of the reader's name")]


def _fail(error: CardError, lang: str) -> typer.Exit:
    typer.echo(error.message(lang), err=True)
    return typer.Exit(1)


@app.command()
def readers(lang: Lang = "es") -> None:
    """List the card readers pcscd knows."""
    try:
        for name in pcsc.list_readers():
            typer.echo(name)
    except CardError as error:
        raise _fail(error, lang) from error


@app.command("virtual-card")
def virtual_card(port: int = 35963) -> None:
    """Put a virtual card on vpcd's reader (for the demo and tests)."""
    from card_reader.virtual_card import VirtualCard

    card = VirtualCard(port=port)
    card.insert()
    typer.echo(f"tarjeta virtual en el lector (vpcd {port}); Ctrl-C para retirarla")
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        card.remove()


@app.command()
def issue(
    person_id: str,
    service: Annotated[str, typer.Option(envvar="REDANGEL_SERVICE")] = "http://127.0.0.1:8000",
    token: Annotated[str, typer.Option(envvar="REDANGEL_TOKEN", help="clerk session token")] = "",
    reader: Reader = "Virtual PCD 00 00",
    lang: Lang = "es",
) -> None:
    """Personalize the card on the reader for a person (the citizen types a PIN twice)."""
    pin = os.environ.get("REDANGEL_CARD_PIN") or getpass.getpass("NIP / PIN: ")
    if not os.environ.get("REDANGEL_CARD_PIN") and getpass.getpass("Repita / Repeat: ") != pin:
        raise typer.Exit(2)
    client = HttpCardService(httpx.Client(base_url=service, timeout=30,
                                          headers={"Authorization": f"Bearer {token}"}))
    try:
        connection = pcsc.wait_for_card(reader, 60)
        issued = issue_card(connection, client, person_id=person_id, pin=pin)
    except CardError as error:
        raise _fail(error, lang) from error
    typer.echo(f"{'Tarjeta activada' if lang == 'es' else 'Card activated'}: {issued.serial}")
    if issued.puk:
        typer.echo(f"PUK: {issued.puk}")


@app.command()
def kiosk(
    service: Annotated[str, typer.Option(envvar="REDANGEL_SERVICE")] = "http://127.0.0.1:8000",
    device_token: Annotated[str, typer.Option(envvar="REDANGEL_DEVICE_TOKEN")] = "",
    reader: Reader = "Virtual PCD 00 00",
    lang: Lang = "es",
    once: bool = False,
) -> None:
    """Wait for taps; open a session for each verified card; end it when the card leaves."""
    client = HttpCardService(httpx.Client(base_url=service, timeout=10,
                                          headers={"Authorization": f"Bearer {device_token}"}))
    trust = TrustStore()
    while True:
        try:
            trust.refresh(client)
            connection = pcsc.wait_for_card(reader, 3600)
            session = tap(connection, client, trust)
            typer.echo(("Sesión abierta" if lang == "es" else "Session opened") + f": {session.person_id}")
            pin = os.environ.get("REDANGEL_CARD_PIN")
            if pin:
                enter_pin(connection, client, pin)
            pcsc.wait_for_removal(reader, 3600)
            client.end_session()
            typer.echo("Sesión terminada" if lang == "es" else "Session ended")
        except CardError as error:
            typer.echo(error.message(lang), err=True)
            pcsc.wait_for_removal(reader, 60)
        if once:
            return


def main() -> None:
    """Entry point of `redangel-card`."""
    app()
