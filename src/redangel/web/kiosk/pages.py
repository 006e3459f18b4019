"""The citizen's kiosk at /kiosk: idle screen, card session, PIN, the citizen's own views."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/kiosk", include_in_schema=False)
