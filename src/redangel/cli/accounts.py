"""`redangel user`, `agency-client`, `kiosk`: who may act — staff, agency systems, kiosks."""

from __future__ import annotations

import getpass
import os
from typing import Annotated

import typer

from redangel.agency import service as agency_service
from redangel.auth import service
from redangel.cli.context import context

users = typer.Typer(help="Staff accounts.", no_args_is_help=True)
agency_clients = typer.Typer(help="Agency API clients.", no_args_is_help=True)
kiosks = typer.Typer(help="Kiosk devices.", no_args_is_help=True)


@users.command("create")
def user_create(
    username: str, role: str, display_name: Annotated[str, typer.Option()] = "",
    office: Annotated[str | None, typer.Option(help="office code, e.g. MOD-09")] = None,
) -> None:
    """Create a staff account; the password is read from REDANGEL_NEW_PASSWORD or prompted."""
    password = os.environ.get("REDANGEL_NEW_PASSWORD") or getpass.getpass("Contraseña / Password: ")
    ctx = context()
    with ctx.sessions() as session:
        office_id = None
        if office:
            office_id = service.office_id(session, office)
            if office_id is None:
                raise typer.BadParameter(f"no office {office}")
        user = service.create_user(session, username=username, password=password, role=role,
                                   display_name=display_name or username, office_id=office_id)
        session.commit()
        typer.echo(f"created {user.role} {user.username}")


@agency_clients.command("create")
def client_create(agency: str) -> None:
    """Create an agency API client; prints its id and secret once."""
    ctx = context()
    with ctx.sessions() as session:
        client, secret = service.create_agency_client(session, agency_code=agency)
        session.commit()
    typer.echo(f"client_id={client.client_id}\nclient_secret={secret}")


@agency_clients.command("revoke")
def client_revoke(client_id: str) -> None:
    """Revoke an agency client; its tokens stop working at once."""
    ctx = context()
    with ctx.sessions() as session:
        service.revoke_agency_client(session, client_id=client_id)
        session.commit()
    typer.echo(f"revoked {client_id}")


@agency_clients.command("dci-key")
def client_dci_key(
    client_id: str,
    sender_id: Annotated[str, typer.Option(help="the sender id the agency's DCI messages carry")],
    public_key: Annotated[str, typer.Option(help="its Ed25519 public key, base64 of 32 bytes")],
) -> None:
    """Register the key an agency client signs its DCI messages with; from then on every DCI
    message from it must carry a signature that verifies."""
    ctx = context()
    with ctx.sessions() as session:
        agency_service.register_dci_key(session, client_id=client_id, sender_id=sender_id,
                                        public_key=public_key)
        session.commit()
    typer.echo(f"{client_id} signs as {sender_id}")


@kiosks.command("create")
def kiosk_create(name: str) -> None:
    """Register a kiosk device; prints its device token once."""
    ctx = context()
    with ctx.sessions() as session:
        _, token = service.create_kiosk_device(session, name=name, office_id=None)
        session.commit()
    typer.echo(f"device_token={token}")
