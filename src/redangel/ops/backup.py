"""Backing up the registry into one file and restoring it into a new, empty database.

PostgreSQL: `pg_dump`/`pg_restore` in their custom format, run on a consistent snapshot while the
service keeps serving. SQLite: the database's own online backup API, which copies a consistent
state page by page while others read and write. A restore refuses a database that already holds
a schema, so a mistyped URL cannot overwrite a live registry. The audit chain travels with the
data; `redangel audit verify` checks it afterwards with the same REDANGEL_SECRET_KEY.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from redangel.db import make_engine, normalise_url
from redangel.logging_setup import mask


class BackupError(RuntimeError):
    """A backup or restore that could not be done, said in words an operator can act on."""


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(database)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL as pg_dump reads it, the password passed in the environment, not the command."""
    parsed = make_url(normalise_url(url))
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def backup(url: str, target: Path) -> None:
    """Write a consistent copy of the database at `url` into `target`."""
    if make_url(normalise_url(url)).get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
        return
    dsn, env = _libpq(url)
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-acl", f"--file={target}",
          f"--dbname={dsn}"], env)


def restore(url: str, source: Path) -> None:
    """Load a backup into the (empty) database at `url`."""
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    engine = make_engine(url)
    try:
        if inspect(engine).get_table_names():
            raise BackupError("the database already holds tables: restore into a new, empty one")
    finally:
        engine.dispose()
    if make_url(normalise_url(url)).get_backend_name() == "sqlite":
        original = sqlite3.connect(source)
        restored = sqlite3.connect(_sqlite_path(url))
        try:
            with restored:
                original.backup(restored)
            restored.execute("PRAGMA journal_mode=WAL")
        finally:
            restored.close()
            original.close()
        return
    dsn, env = _libpq(url)
    _run(["pg_restore", "--no-owner", "--no-acl", "--exit-on-error", "--single-transaction",
          f"--dbname={dsn}", str(source)], env)


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        # The command is ours: a fixed tool, and the operator's own URL and file.
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError as exc:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client)") from exc
    if done.returncode != 0:
        # Only the first error line: the DETAIL and CONTEXT lines that follow may quote a row.
        errors = [line for line in done.stderr.splitlines() if "error:" in line]
        reason = mask(errors[0] if errors else f"exit status {done.returncode}")
        raise BackupError(f"{command[0]} failed: {reason[:300]}")
