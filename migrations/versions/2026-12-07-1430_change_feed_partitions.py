"""change feed partitions: the agencies' change feed partitioned by month on PostgreSQL, the
record of the months archived out of it, and an index of the few cancelled (blocked) persons
that every page of the feed leaves out.

`change_entry` becomes a table partitioned by range of `at`, one partition per calendar month
(UTC) named `change_entry_yYYYYmMM`, plus a default partition that catches a change whose
month was not created in time (so a change never fails for want of a partition). Existing
changes are copied into their months with their numbers unchanged.

`change_entry_ensure_partitions(first, last)` creates the months in between that are missing;
the server's sealer calls it for the months ahead every hour (and `redangel changes
partitions`). It runs with its owner's rights, so the application's role, which may not create
tables, can call it.

The primary key becomes (agency_code, seq, at): a partitioned table's unique keys include its
partition key. A change's number stays unique within its agency because numbers are handed out
under the agency's `change_head` row lock. SQLite keeps a plain table.

Revision ID: 0025_change_feed_partitions
Revises: 0024_application_notes
Create Date: 2026-12-07 14:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0025_change_feed_partitions'
down_revision: str | None = '0024_application_notes'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENSURE = """
CREATE FUNCTION change_entry_ensure_partitions(first date, last date) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  month date := date_trunc('month', first)::date;
  name text;
  made integer := 0;
BEGIN
  WHILE month <= last LOOP
    name := 'change_entry_y' || to_char(month, 'YYYY') || 'm' || to_char(month, 'MM');
    IF to_regclass(name) IS NULL THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF change_entry FOR VALUES FROM (%L) TO (%L)',
                     name, (month::timestamp AT TIME ZONE 'UTC'),
                     ((month + interval '1 month')::timestamp AT TIME ZONE 'UTC'));
      made := made + 1;
    END IF;
    month := (month + interval '1 month')::date;
  END LOOP;
  RETURN made;
END $$
"""


def upgrade() -> None:
    # The months archived out of the feed (`redangel changes archive`), on both databases.
    op.create_table('change_archive',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('entries', sa.BigInteger(), nullable=False),
    sa.Column('agencies', sa.JSON(), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_change_archive'))
    )
    op.create_index('ix_person_blocked', 'person', ['id'], unique=False,
                    postgresql_where=sa.text('blocked_at IS NOT NULL'),
                    sqlite_where=sa.text('blocked_at IS NOT NULL'))
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("LOCK TABLE change_entry IN ACCESS EXCLUSIVE MODE")
    op.execute("ALTER TABLE change_entry RENAME TO change_entry_unpartitioned")
    op.execute("ALTER TABLE change_entry_unpartitioned RENAME CONSTRAINT pk_change_entry "
               "TO pk_change_entry_unpartitioned")
    op.execute("ALTER TABLE change_entry_unpartitioned RENAME CONSTRAINT "
               "fk_change_entry_agency_code_agency TO fk_change_entry_unpartitioned_agency")
    op.execute("CREATE TABLE change_entry (LIKE change_entry_unpartitioned INCLUDING DEFAULTS "
               "INCLUDING CONSTRAINTS) PARTITION BY RANGE (at)")
    op.execute("ALTER TABLE change_entry ADD CONSTRAINT pk_change_entry "
               "PRIMARY KEY (agency_code, seq, at)")
    op.execute("ALTER TABLE change_entry ADD CONSTRAINT fk_change_entry_agency_code_agency "
               "FOREIGN KEY (agency_code) REFERENCES agency (code)")
    op.execute("CREATE TABLE change_entry_default PARTITION OF change_entry DEFAULT")
    op.execute(ENSURE)
    op.execute("SELECT change_entry_ensure_partitions("
               "coalesce((SELECT min(at) FROM change_entry_unpartitioned), now())::date, "
               "(now() + interval '3 months')::date)")
    op.execute("INSERT INTO change_entry SELECT * FROM change_entry_unpartitioned")
    op.execute("DROP TABLE change_entry_unpartitioned")


def downgrade() -> None:
    op.drop_table('change_archive')
    op.drop_index('ix_person_blocked', table_name='person')
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("LOCK TABLE change_entry IN ACCESS EXCLUSIVE MODE")
    op.execute("ALTER TABLE change_entry RENAME TO change_entry_partitioned")
    op.execute("ALTER TABLE change_entry_partitioned RENAME CONSTRAINT pk_change_entry "
               "TO pk_change_entry_partitioned")
    op.execute("ALTER TABLE change_entry_partitioned RENAME CONSTRAINT "
               "fk_change_entry_agency_code_agency TO fk_change_entry_partitioned_agency")
    op.execute("CREATE TABLE change_entry (LIKE change_entry_partitioned INCLUDING DEFAULTS "
               "INCLUDING CONSTRAINTS)")
    op.execute("ALTER TABLE change_entry ADD CONSTRAINT pk_change_entry "
               "PRIMARY KEY (agency_code, seq)")
    op.execute("ALTER TABLE change_entry ADD CONSTRAINT fk_change_entry_agency_code_agency "
               "FOREIGN KEY (agency_code) REFERENCES agency (code)")
    op.execute("INSERT INTO change_entry SELECT * FROM change_entry_partitioned")
    op.execute("DROP TABLE change_entry_partitioned CASCADE")
    op.execute("DROP FUNCTION change_entry_ensure_partitions(date, date)")
