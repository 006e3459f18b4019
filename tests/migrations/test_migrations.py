"""Migrations are the only way the schema is made: one head, from empty, agreeing with models."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from redangel.audit.models import not_a_partition
from redangel.db import make_engine
from redangel.models import Base
from tests.conftest import ROOT


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url)
    return config


def test_exactly_one_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, heads


def test_revision_files_are_named_by_date_and_slug() -> None:
    for path in (ROOT / "migrations" / "versions").glob("*.py"):
        stem = path.stem
        assert stem[:10].count("-") == 2 and stem[10] == "-" and stem[15] == "_", stem


def test_upgrade_from_empty_matches_the_models(fresh_url: str) -> None:
    command.upgrade(alembic_config(fresh_url), "head")
    engine = make_engine(fresh_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": not_a_partition}), Base.metadata)
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    assert diff == []
    assert {"person", "household", "household_membership", "audit_event"} <= tables


def test_latest_revision_downgrades_and_upgrades_again(fresh_url: str) -> None:
    config = alembic_config(fresh_url)
    command.upgrade(config, "head")
    command.downgrade(config, "-1")
    command.upgrade(config, "head")
    engine = make_engine(fresh_url)
    with engine.connect() as conn:
        assert "person" in inspect(conn).get_table_names()
    engine.dispose()


def test_sqlite_runs_with_wal_full_sync_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
