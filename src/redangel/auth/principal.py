"""The principal: who is acting on this request, as the policy layer sees them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

PrincipalKind = Literal["staff", "agency", "kiosk", "system"]


@dataclass(frozen=True)
class Principal:
    """An authenticated actor and the facts that scope what it may see."""

    kind: PrincipalKind
    id: str
    role: str
    office_id: uuid.UUID | None = None
    office_borough: str | None = None
    agency_code: str | None = None
    person_id: uuid.UUID | None = None
    session_id: int | None = None
    csrf_token: str | None = None
    via_cookie: bool = False
    pin_verified: bool = False

    @property
    def key(self) -> str:
        """A stable string naming this principal, for idempotency keys and rate limits."""
        return f"{self.kind}:{self.id}"

    @property
    def is_staff(self) -> bool:
        """Clerks, supervisors, analysts and admins."""
        return self.kind == "staff"


SYSTEM = Principal(kind="system", id="redangel", role="system")
