"""The process keyring, as an endpoint dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from redangel.crypto.keyring import Keyring


async def get_keyring(request: Request) -> Keyring:
    """The keyring loaded at startup."""
    keyring: Keyring = request.app.state.keyring
    return keyring


KeyringDep = Annotated[Keyring, Depends(get_keyring)]
