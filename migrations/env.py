"""Alembic environment: migrations are the only way the schema is created, tests included."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection

from redangel.audit.models import not_a_partition
from redangel.config import get_settings
from redangel.db import UTCDateTime, make_engine
from redangel.models import Base

config = context.config
target_metadata = Base.metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render the project's column types as their plain SQLAlchemy equivalents."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run(connection: Connection) -> None:
    """Run the migrations on one connection."""
    context.configure(
        connection=connection, target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite", compare_type=True,
        render_item=render_item, include_object=not_a_partition,
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    """Migrate the database named by the caller, or by the settings."""
    connection = config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().effective_database_url
    engine = make_engine(url)
    with engine.connect() as conn:
        run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported; run against a database")
main()
