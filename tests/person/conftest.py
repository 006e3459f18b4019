"""Fixtures of the person tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event

from tests.conftest import LiveServer


@pytest.fixture
def statements(live: LiveServer) -> Iterator[list[str]]:
    """The SQL the running server executes meanwhile."""
    seen: list[str] = []
    engine = live.app.state.engine  # type: ignore[attr-defined]

    def keep(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", keep)
    yield seen
    event.remove(engine, "before_cursor_execute", keep)
