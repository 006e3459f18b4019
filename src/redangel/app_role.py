"""The application's own PostgreSQL role: every data right it needs, none it must not have.

Migrations run as the schema's owner; the service connects as this role. It reads and writes
the registry's tables, but on the audit trail it may only read and append (and move the chain's
head forward), so even a compromised service cannot rewrite history: the grants refuse it
before the append-only triggers would, and it cannot drop those triggers, which only the owner
can. `redangel db upgrade --app-role NAME` provisions it; running that again converges.
"""

from __future__ import annotations

import re

from psycopg import sql
from sqlalchemy import Connection, Engine, text

from redangel.audit.models import APPEND_ONLY_TABLES

HEAD_TABLE = "audit_head"
READ_ONLY_TABLES = ("alembic_version",)
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class AppRoleError(ValueError):
    """The role cannot be provisioned as asked (a reason an operator can act on)."""


def provision(engine: Engine, role: str, *, password: str | None) -> None:
    """Create `role` if missing (LOGIN with `password`, else NOLOGIN) and set its grants.

    Refuses names that are not plain lowercase identifiers, and roles that are superusers or
    could act as the schema's owner.
    """
    if engine.dialect.name != "postgresql":
        raise AppRoleError("database roles exist only on PostgreSQL; SQLite has no roles")
    if not _NAME.match(role):
        raise AppRoleError(f"{role!r} is not a plain role name (lowercase letters, digits, _)")
    with engine.begin() as conn:
        statements = _role_statements(conn, role, password) + _grant_statements(conn, role)
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor:  # type: ignore[union-attr]
            for statement in statements:
                cursor.execute(statement)


def _render(template: str, *parts: sql.Composable) -> sql.Composed:
    return sql.SQL(template).format(*parts)


def _role_statements(conn: Connection, role: str, password: str | None) -> list[sql.Composed]:
    found = conn.execute(
        text("SELECT rolsuper, pg_has_role(:role, current_user, 'USAGE') AS owner_rights "
             "FROM pg_roles WHERE rolname = :role"), {"role": role}
    ).first()
    name = sql.Identifier(role)
    if found is None:
        login = sql.SQL("LOGIN PASSWORD {}").format(sql.Literal(password)) if password \
            else sql.SQL("NOLOGIN")
        return [_render("CREATE ROLE {} NOSUPERUSER NOCREATEDB NOCREATEROLE "
                              "NOREPLICATION NOBYPASSRLS {}", name, login)]
    if found.rolsuper or found.owner_rights:
        raise AppRoleError(f"role {role} is a superuser or can act as the schema's owner; "
                           "the application needs a role of its own")
    if password:
        return [_render("ALTER ROLE {} LOGIN PASSWORD {}", name, sql.Literal(password))]
    return []


def _grant_statements(conn: Connection, role: str) -> list[sql.Composed]:
    schema = str(conn.execute(text("SELECT current_schema()")).scalar_one())
    database = str(conn.execute(text("SELECT current_database()")).scalar_one())
    tables = [str(t) for t in conn.execute(
        # Partitions are reached through their parent's rights only: none of their own.
        text("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
             "WHERE n.nspname = :schema AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
             "ORDER BY c.relname"),
        {"schema": schema}).scalars()]
    who, where = sql.Identifier(role), sql.Identifier(schema)
    out = [
        _render("GRANT CONNECT ON DATABASE {} TO {}", sql.Identifier(database), who),
        _render("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}", where, who),
        _render("REVOKE ALL ON ALL SEQUENCES IN SCHEMA {} FROM {}", where, who),
        _render("GRANT USAGE ON SCHEMA {} TO {}", where, who),
        _render("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}", where, who),
    ]
    for table in tables:
        if table in APPEND_ONLY_TABLES:
            rights = "SELECT, INSERT"
        elif table == HEAD_TABLE:
            rights = "SELECT, INSERT, UPDATE"
        elif table in READ_ONLY_TABLES:
            rights = "SELECT"
        else:
            rights = "SELECT, INSERT, UPDATE, DELETE"
        out.append(_render(f"GRANT {rights} ON {{}}.{{}} TO {{}}", where,
                           sql.Identifier(table), who))
    return out
