"""Small SQL helpers that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import ClauseElement, ColumnElement, FromClause, Table, any_, bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def one_of(session: Session, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """`column IN (values)`. On PostgreSQL the values travel as one array parameter
    (`= ANY(...)`): the statement stays the same whatever their number, so it is neither
    compiled again nor expanded per value on each request."""
    if session.get_bind().dialect.name == "postgresql":
        array = bindparam(None, list(values), type_=postgresql.ARRAY(column.type))
        return cast(ColumnElement[bool], column == any_(array))
    return cast(ColumnElement[bool], column.in_(list(values)))


def insert_ignoring_conflicts(
    session: Session, table: FromClause, rows: Sequence[dict[str, Any]], *, on: Sequence[str]
) -> None:
    """INSERT rows, skipping those whose key `on` (the columns of one unique constraint) exists.

    Only a clash on that key is skipped: a clash on any other key (a primary key handed out
    twice, say) still raises, instead of silently dropping the row.
    """
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).on_conflict_do_nothing(index_elements=list(on))
    session.execute(statement, list(rows))


def insert_returning_new(session: Session, table: Table, rows: Sequence[dict[str, Any]], *,
                         on: Sequence[str], returning: Sequence[ColumnElement[Any]]) -> list[Any]:
    """INSERT rows in one statement, skipping those whose key `on` exists; the `returning`
    columns of the rows it inserted (not of those skipped), in no set order."""
    if not rows:
        return []
    statement = _insert_new(session.get_bind().dialect.name, table, tuple(on), tuple(returning))
    return [tuple(r) for r in session.execute(statement, list(rows)).all()]


@lru_cache(maxsize=64)
def _insert_new(dialect_name: str, table: Table, on: tuple[str, ...],
                returning: tuple[ColumnElement[Any], ...]) -> Any:
    """`insert_returning_new`'s statement, built once: the rows travel as parameters (sent as
    one multi-row INSERT), so the compiled statement is cached instead of built for each set
    of values."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing(index_elements=list(on)).returning(*returning)


def upsert_adding(session: Session, table: Table, rows: Sequence[dict[str, Any]], *,
                  on: Sequence[str], column: str, returning: Sequence[ColumnElement[Any]]
                  ) -> list[Any]:
    """INSERT rows; where a row's key `on` exists, add the row's `column` to the stored one
    instead. One statement, rows taken (and locked) in the order given; the `returning` columns
    of every row, in no set order."""
    if not rows:
        return []
    statement = _upsert_adding(session.get_bind().dialect.name, table, tuple(on), column,
                               tuple(returning))
    return [tuple(r) for r in session.execute(statement, list(rows)).all()]


@lru_cache(maxsize=64)
def _upsert_adding(dialect_name: str, table: Table, on: tuple[str, ...], column: str,
                   returning: tuple[ColumnElement[Any], ...]) -> Any:
    """`upsert_adding`'s statement, built once (the rows are its parameters, sent as one
    multi-row INSERT in their order)."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(table)
    return statement.on_conflict_do_update(
        index_elements=list(on), set_={column: table.c[column] + statement.excluded[column]},
    ).returning(*returning)


def insert_returning_unless_conflict(session: Session, table: FromClause, row: dict[str, Any], *,
                                     on: Sequence[str], where: str | None = None
                                     ) -> bool:
    """INSERT one row unless its key `on` (a unique index, partial when `where` is given)
    exists; whether it was inserted. One statement: no savepoint, no lookup before it. `where`
    is the partial index's own condition, as SQL text (a bound parameter would not match it)."""
    statement = _insert_unless_conflict(session.get_bind().dialect.name, table, tuple(on), where)
    return session.execute(statement, row).first() is not None


@lru_cache(maxsize=64)
def _insert_unless_conflict(dialect_name: str, table: FromClause, on: tuple[str, ...],
                            where: str | None) -> Any:
    """`insert_returning_unless_conflict`'s statement, built once per table and key (the row's
    values are bound when it runs)."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing(
        index_elements=list(on), index_where=text(where) if where else None,
    ).returning(*table.primary_key)


_POSTGRES = postgresql.psycopg.dialect()  # type: ignore[no-untyped-call]


def postgres_statement(statement: ClauseElement) -> tuple[str, dict[str, Any]]:
    """A statement as PostgreSQL text for a psycopg connection of the event loop's own (no
    ORM, no worker thread), with the values already bound into it (a scope's borough, say):
    compile it once, run it many times with the parameters of each run added."""
    compiled = statement.compile(dialect=_POSTGRES, compile_kwargs={"render_postcompile": True})
    return str(compiled), dict(compiled.params)
