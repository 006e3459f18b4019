"""`Idempotent`: the dependency every creating route declares (a test walks the app for it).

The route calls `claim(data)` — a replay rebuilds the first answer — and, having created,
`remember(...)`. After the route returns, the dependency checks that a claimed key was
remembered, before the request's transaction commits.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from redangel.crypto.dependencies import KeyringDep
from redangel.db import DbSession
from redangel.idempotency.service import Idempotency


def idempotency(request: Request, session: DbSession, keyring: KeyringDep) -> Iterator[Idempotency]:
    """The request's Idempotency-Key handling, checked once the route has answered."""
    idem = Idempotency(request=request, session=session, keyring=keyring)
    yield idem
    idem.settled()


Idempotent = Annotated[Idempotency, Depends(idempotency, scope="function")]
