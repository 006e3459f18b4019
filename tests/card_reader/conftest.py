"""The card suite's fixtures: the real PC/SC stack (see fixtures.py) and an in-process service."""

from __future__ import annotations

import pytest

from tests.card_reader.fake_service import FakeService
from tests.card_reader.fixtures import card_slot, pcscd, virtual_card

__all__ = ["card_slot", "pcscd", "service", "virtual_card"]


@pytest.fixture
def service() -> FakeService:
    """The service side, in process: a real issuer key and the real format code."""
    return FakeService()
