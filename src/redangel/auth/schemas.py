"""Request and response shapes of sign-in and token issuance."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, StringConstraints

from redangel.common.types import Strict

Username = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]


class LoginRequest(Strict):
    """A staff member's credentials."""

    username: Username
    password: Password


class LoginResponse(BaseModel):
    """The signed-in staff member; the session travels in an HttpOnly cookie."""

    user_id: uuid.UUID
    display_name: str
    role: str
    csrf_token: str
    session_token: str


class Me(BaseModel):
    """Who the caller is."""

    kind: str
    id: str
    role: str
    office_id: uuid.UUID | None = None
    agency_code: str | None = None


class TokenResponse(BaseModel):
    """An OAuth2 access token."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
