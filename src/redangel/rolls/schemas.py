"""What the roll API takes and answers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from redangel.common.types import Strict

ProgramCode = Annotated[str, Field(min_length=1, max_length=48, pattern=r"^[a-z0-9_]+$")]


class RollCreate(Strict):
    """An agency's roll sent whole: the file (base64), its name and its mapping (YAML text)."""

    program: ProgramCode
    file_name: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[\w .()-]+$")]
    content_base64: Annotated[str, Field(min_length=4, max_length=1_400_000)]
    mapping: Annotated[str, Field(min_length=1, max_length=20_000)]
    link_threshold: Annotated[float, Field(ge=0.01, le=1.0)] = 0.99
    review_threshold: Annotated[float, Field(ge=0.01, le=1.0)] = 0.60


class RollImportRead(BaseModel):
    """An import and how far it has come."""

    id: uuid.UUID
    agency: str
    program: str
    file_name: str
    status: str
    stop_reason: str | None
    rows_total: int
    rows_done: int
    link_threshold: float
    review_threshold: float
    created_at: datetime
    merged_at: datetime | None
