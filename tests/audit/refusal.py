"""How the database refuses a statement against the audit tables, for tests of their guards."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from redangel.db import make_engine


def refused(url: str, statement: str) -> str:
    """Run `statement` on `url`, require the database to refuse it, and answer its message."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn, pytest.raises(DBAPIError) as raised:
            conn.execute(text(statement))
            conn.commit()
        return str(raised.value)
    finally:
        engine.dispose()
