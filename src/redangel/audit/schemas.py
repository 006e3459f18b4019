"""What the audit tells a person about themself, as the pages and the API receive it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from redangel.common.types import Names


class SubjectAccess(BaseModel):
    """One read or change of a person's data: when, by what kind of actor, from which office or
    agency, for what purpose, and whether it was allowed."""

    at: datetime
    by: str
    office: str | None
    agency: Names | None
    action: str
    purpose: str
    outcome: str
