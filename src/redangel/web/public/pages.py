"""The public screening page at /screening: a few questions, no identity, nothing stored."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/screening", include_in_schema=False)
