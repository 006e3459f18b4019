"""partitions: the audit trail's events partitioned by month on PostgreSQL.

`audit_event` becomes a table partitioned by range of `at`, one partition per calendar month
(UTC) named `audit_event_yYYYYmMM`, plus a default partition that catches an event whose month
was not created in time (so an audited request never fails for want of a partition). Existing
events are copied into their months; ids, digests and the seals that chain them are unchanged,
so the chain verifies across partitions exactly as before. Each partition carries the
append-only trigger itself (a statement on a partition does not fire its parent's).

`audit_event_ensure_partitions(first, last)` creates the months in between that are missing; the
sealer calls it for the months ahead (and `redangel audit partitions`). It runs with its
owner's rights, so the application's role, which may not create tables, can call it.

The primary key becomes (id, at): a partitioned table's unique keys include its partition key.
The model keeps `id` as its key (ids stay unique: one sequence). SQLite keeps a plain table.

Revision ID: 0015_partitions
Revises: 0013_analytics
Create Date: 2026-12-07 05:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015_partitions'
down_revision: str | None = '0013_analytics'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENSURE = """
CREATE FUNCTION audit_event_ensure_partitions(first date, last date) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  month date := date_trunc('month', first)::date;
  name text;
  made integer := 0;
BEGIN
  WHILE month <= last LOOP
    name := 'audit_event_y' || to_char(month, 'YYYY') || 'm' || to_char(month, 'MM');
    IF to_regclass(name) IS NULL THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF audit_event FOR VALUES FROM (%L) TO (%L)',
                     name, (month::timestamp AT TIME ZONE 'UTC'),
                     ((month + interval '1 month')::timestamp AT TIME ZONE 'UTC'));
      EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE OR TRUNCATE ON %I '
                     'FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()',
                     name || '_append_only', name);
      made := made + 1;
    END IF;
    month := (month + interval '1 month')::date;
  END LOOP;
  RETURN made;
END $$
"""


def upgrade() -> None:
    # The months archived out of the database (`redangel audit archive`), on both databases.
    op.create_table('audit_archive',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('first_seq', sa.BigInteger(), nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('prev_seq', sa.BigInteger(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('signature', sa.LargeBinary(), nullable=False),
    sa.Column('events', sa.BigInteger(), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_audit_archive')),
    sa.UniqueConstraint('last_seq', name=op.f('uq_audit_archive_last_seq'))
    )
    if op.get_bind().dialect.name != "postgresql":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_archive_no_{verb.lower()} BEFORE {verb} ON "
                       "audit_archive BEGIN SELECT RAISE(ABORT, 'audit_archive is append-only'); END")
        return
    op.execute("CREATE TRIGGER audit_archive_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
               "ON audit_archive FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()")
    op.execute("LOCK TABLE audit_event IN ACCESS EXCLUSIVE MODE")
    op.execute("ALTER TABLE audit_event RENAME TO audit_event_unpartitioned")
    op.execute("ALTER TABLE audit_event_unpartitioned RENAME CONSTRAINT pk_audit_event "
               "TO pk_audit_event_unpartitioned")
    op.execute("DROP INDEX ix_audit_event_person")
    op.execute("DROP INDEX ix_audit_event_xid")
    op.execute("CREATE TABLE audit_event (LIKE audit_event_unpartitioned INCLUDING DEFAULTS "
               "INCLUDING CONSTRAINTS) PARTITION BY RANGE (at)")
    op.execute("ALTER TABLE audit_event ADD CONSTRAINT pk_audit_event PRIMARY KEY (id, at)")
    op.execute("CREATE INDEX ix_audit_event_person ON audit_event (person_id, id)")
    op.execute("CREATE INDEX ix_audit_event_xid ON audit_event (xid)")
    op.execute("CREATE TABLE audit_event_default PARTITION OF audit_event DEFAULT")
    op.execute("CREATE TRIGGER audit_event_default_append_only BEFORE UPDATE OR DELETE OR "
               "TRUNCATE ON audit_event_default FOR EACH STATEMENT "
               "EXECUTE FUNCTION audit_event_append_only()")
    op.execute(ENSURE)
    op.execute("SELECT audit_event_ensure_partitions("
               "coalesce((SELECT min(at) FROM audit_event_unpartitioned), now())::date, "
               "(now() + interval '3 months')::date)")
    op.execute("INSERT INTO audit_event SELECT * FROM audit_event_unpartitioned ORDER BY id")
    op.execute("ALTER SEQUENCE audit_event_id_seq OWNED BY audit_event.id")
    op.execute("DROP TABLE audit_event_unpartitioned")
    op.execute("CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
               "ON audit_event FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()")


def downgrade() -> None:
    op.drop_table('audit_archive')
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("LOCK TABLE audit_event IN ACCESS EXCLUSIVE MODE")
    op.execute("ALTER TABLE audit_event RENAME TO audit_event_partitioned")
    op.execute("ALTER TABLE audit_event_partitioned RENAME CONSTRAINT pk_audit_event "
               "TO pk_audit_event_partitioned")
    op.execute("DROP INDEX ix_audit_event_person")
    op.execute("DROP INDEX ix_audit_event_xid")
    op.execute("CREATE TABLE audit_event (LIKE audit_event_partitioned INCLUDING DEFAULTS "
               "INCLUDING CONSTRAINTS)")
    op.execute("ALTER TABLE audit_event ADD CONSTRAINT pk_audit_event PRIMARY KEY (id)")
    op.execute("INSERT INTO audit_event SELECT * FROM audit_event_partitioned ORDER BY id")
    op.execute("CREATE INDEX ix_audit_event_person ON audit_event (person_id, id)")
    op.execute("CREATE INDEX ix_audit_event_xid ON audit_event (xid)")
    op.execute("ALTER SEQUENCE audit_event_id_seq OWNED BY audit_event.id")
    op.execute("DROP TABLE audit_event_partitioned CASCADE")
    op.execute("DROP FUNCTION audit_event_ensure_partitions(date, date)")
    op.execute("CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
               "ON audit_event FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()")
