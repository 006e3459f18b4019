"""`redangel-card`: the card agent at an office desk or a kiosk, in Spanish unless told otherwise.

Why a CLI: office desks and kiosks run the agent as a small process beside the reader; the same
commands list readers, issue and unblock cards, serve kiosk taps and start a virtual card.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import httpx
import typer

from card_reader import pcsc
from card_reader.desk_agent import serve as serve_desk
from card_reader.errors import CardError, NoCard, ServiceUnavailable
from card_reader.issue import check_pin, issue_card, unblock_pin
from card_reader.kiosk import TrustStore, hold_session, tap
from card_reader.kiosk_agent import run as run_kiosk
from card_reader.service_client import HttpCardService
from card_reader.virtual_card import serve
from redangel.common import catalogs
from redangel.common.catalogs import _

app = typer.Typer(help="Agente de tarjetas Red Ángel / Red Ángel card agent.", add_completion=False,
                  no_args_is_help=True)
Lang = Annotated[str, typer.Option("--lang", envvar="REDANGEL_LANG", help="es | en")]
ReaderName = Annotated[str, typer.Option("--reader", envvar="REDANGEL_READER",
                                         help="part of the reader's name")]
Service = Annotated[str, typer.Option("--service", envvar="REDANGEL_SERVICE", help="service URL")]

TEXTS: dict[str, str] = {
    "pin": _("The citizen types a PIN (4-6 digits): "),
    "again": _("Type the PIN again: "),
    "puk": _("PUK (8 digits): "),
    "wait": _("Place the card on the reader…"),
    "issued": _("Card activated: {serial}. PUK for the issuance slip: {puk}"),
    "unblocked": _("PIN unblocked."),
    "opened": _("Session opened (card {serial})."),
    "offline": _("Card valid (offline: no session opened)."),
    "ended": _("Session ended."),
    "username": _("User name"),
    "password": _("Password: "),
    "refused": _("Wrong user name or password."),
    "desk": _("Reader ready for the office console (127.0.0.1:{port}). Ctrl-C to stop."),
    "kiosk": _("Kiosk ready (127.0.0.1:{port}). Ctrl-C to stop."),
}


def say(key: str, lang: str, **params: object) -> str:
    """A CLI text in Spanish (default) or English."""
    return catalogs.gettext(lang, TEXTS[key]).format(**params)


def _fail(error: CardError, lang: str) -> typer.Exit:
    typer.echo(error.message(lang), err=True)
    return typer.Exit(1)


def _client(service: str, token: str) -> HttpCardService:
    return HttpCardService(httpx.Client(base_url=service, timeout=15,
                                        headers={"Authorization": f"Bearer {token}"}))


@app.command()
def readers(lang: Lang = "es") -> None:
    """List the card readers pcscd knows."""
    try:
        for name in pcsc.list_readers():
            typer.echo(name)
    except CardError as error:
        raise _fail(error, lang) from error


@app.command()
def issue(
    person_id: Annotated[str, typer.Option("--person-id", help="the person's id (UUID)")],
    token: Annotated[str, typer.Option("--token", envvar="REDANGEL_TOKEN", help="clerk token")],
    service: Service = "http://127.0.0.1:8000",
    reader: ReaderName = "Virtual PCD 00 00",
    lang: Lang = "es",
) -> None:
    """Personalize the card on the reader for a person (the citizen types the PIN twice)."""
    try:
        pin = getpass.getpass(say("pin", lang))
        check_pin(pin, getpass.getpass(say("again", lang)))
        typer.echo(say("wait", lang))
        with pcsc.wait_for_card(reader, 120, exclusive=True) as connection:
            issued = issue_card(connection, _client(service, token), person_id=person_id, pin=pin)
    except CardError as error:
        raise _fail(error, lang) from error
    typer.echo(say("issued", lang, serial=issued.serial, puk=issued.puk or "—"))


@app.command()
def unblock(
    reader: ReaderName = "Virtual PCD 00 00",
    lang: Lang = "es",
) -> None:
    """Unblock a card's PIN with its PUK (the citizen types a new PIN twice)."""
    try:
        puk = getpass.getpass(say("puk", lang))
        pin = getpass.getpass(say("pin", lang))
        check_pin(pin, getpass.getpass(say("again", lang)))
        with pcsc.wait_for_card(reader, 120, exclusive=True) as connection:
            unblock_pin(connection, puk=puk, new_pin=pin)
    except CardError as error:
        raise _fail(error, lang) from error
    typer.echo(say("unblocked", lang))


def _sign_in(service: str, lang: str) -> str:
    """Ask the clerk for user name and password; the session token the agent will act with."""
    username = typer.prompt(say("username", lang))
    password = getpass.getpass(say("password", lang))
    try:
        answer = httpx.post(f"{service}/api/v1/auth/login", timeout=15,
                            json={"username": username, "password": password})
    except httpx.HTTPError as exc:
        raise _fail(ServiceUnavailable(), lang) from exc
    if answer.status_code != 200:
        typer.echo(say("refused", lang), err=True)
        raise typer.Exit(1)
    return str(answer.json()["session_token"])


@app.command()
def desk(
    token: Annotated[str, typer.Option("--token", envvar="REDANGEL_TOKEN",
                                       help="clerk session token (asked for when missing)")] = "",
    service: Service = "http://127.0.0.1:8000",
    reader: ReaderName = "Virtual PCD 00 00",
    port: Annotated[int, typer.Option("--port", help="loopback port the desk's pages call")] = 8791,
    origin: Annotated[str, typer.Option("--origin", help="the service's address as the desk's "
                                                         "browser sees it (default: --service)")] = "",
    lang: Lang = "es",
) -> None:
    """Serve the office console's card flows at this desk, acting for the signed-in clerk."""
    token = token or _sign_in(service, lang)
    typer.echo(say("desk", lang, port=port))
    try:
        serve_desk(service=service, token=token, reader=reader, origin=origin or None, port=port)
    except CardError as error:
        raise _fail(error, lang) from error


@app.command()
def kiosk(
    device_token: Annotated[str, typer.Option("--device-token", envvar="REDANGEL_DEVICE_TOKEN")],
    service: Service = "http://127.0.0.1:8000",
    reader: ReaderName = "Virtual PCD 00 00",
    lang: Lang = "es",
    once: Annotated[bool, typer.Option("--once", help="serve one tap, then exit")] = False,
    serve_page: Annotated[bool, typer.Option("--serve", help="serve the kiosk page (PIN on screen, "
                                                              "status) on loopback")] = False,
    port: Annotated[int, typer.Option("--port", help="loopback port the kiosk page calls")] = 8790,
    origin: Annotated[str, typer.Option("--origin", help="the service's address as the kiosk's "
                                                         "browser sees it (default: --service)")] = "",
) -> None:
    """Wait for taps; open a session for each verified card; end it when the card leaves."""
    if serve_page:
        typer.echo(say("kiosk", lang, port=port))
        run_kiosk(service_url=service, device_token=device_token, reader_name=reader,
                  agent_url=f"http://127.0.0.1:{port}", page_origin=origin or None)
        return

    client = _client(service, device_token)
    trust = TrustStore()
    slot = pcsc.PcscReader(reader)
    while True:
        try:
            trust.refresh(client)
            with slot.wait_for_card(3600) as connection:
                result = tap(connection, client, trust)
            if result.session is None:
                typer.echo(say("offline", lang))
                slot.wait_for_removal(3600)
            else:
                typer.echo(say("opened", lang, serial=result.payload.serial_text))
                hold_session(slot, client, result.session)
                typer.echo(say("ended", lang))
        except NoCard:
            continue
        except CardError as error:
            typer.echo(error.message(lang), err=True)
            slot.wait_for_removal(60)
        if once:
            return


@app.command("virtual-card")
def virtual_card(
    port: Annotated[int, typer.Option("--port", help="vpcd port (35963 or 35964)")] = 35963,
    state: Annotated[Path | None, typer.Option("--state", help="JSON file for the card's memory")] = None,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    lang: Lang = "es",
) -> None:
    """Put a virtual card on a vpcd reader (for the demo and tests) until Ctrl-C."""
    serve(host=host, port=port, state=state, lang=lang)


def main() -> None:
    """Entry point of `redangel-card`."""
    app()

if __name__ == "__main__":
    main()
