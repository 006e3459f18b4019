"""enrollment borough: each enrollment carries its person's borough, kept by the database, so
an agency's roll filtered by program, status and borough is read in start order from one index
(`ix_enrollment_roll_borough`) instead of visiting every enrollment of the program to find the
few whose person lives in the borough.

The copy is the database's own: set from the person when an enrollment is inserted or moves to
another person (a merge), and rewritten when a person's borough changes, in the same statement.

Revision ID: 0027_enrollment_borough
Revises: 0026_name_term_pairs
Create Date: 2026-12-08 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0027_enrollment_borough'
down_revision: str | None = '0026_name_term_pairs'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PERSONS_BOROUGH = "(SELECT borough FROM person WHERE person.id = NEW.person_id)"


def upgrade() -> None:
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('borough', sa.String(length=32), nullable=True))
    op.execute("UPDATE enrollment SET borough = (SELECT borough FROM person "
               "WHERE person.id = enrollment.person_id)")
    op.create_index('ix_enrollment_roll_borough', 'enrollment',
                    ['program_code', 'status', 'borough', 'started_on', 'id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION enrollment_takes_borough() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN NEW.borough := {_PERSONS_BOROUGH}; RETURN NEW; END $$")
        op.execute(
            "CREATE TRIGGER enrollment_takes_borough BEFORE INSERT OR UPDATE OF person_id, "
            "borough ON enrollment FOR EACH ROW EXECUTE FUNCTION enrollment_takes_borough()")
        op.execute(
            "CREATE FUNCTION person_borough_to_enrollments() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN UPDATE enrollment SET borough = NEW.borough WHERE person_id = NEW.id; "
            "RETURN NULL; END $$")
        op.execute(
            "CREATE TRIGGER person_borough_to_enrollments AFTER UPDATE OF borough ON person "
            "FOR EACH ROW WHEN (OLD.borough IS DISTINCT FROM NEW.borough) "
            "EXECUTE FUNCTION person_borough_to_enrollments()")
    else:
        op.execute(
            "CREATE TRIGGER enrollment_takes_borough AFTER INSERT ON enrollment "
            f"BEGIN UPDATE enrollment SET borough = {_PERSONS_BOROUGH} WHERE id = NEW.id; END")
        op.execute(
            "CREATE TRIGGER enrollment_keeps_borough AFTER UPDATE OF person_id, borough "
            f"ON enrollment WHEN NEW.borough IS NOT {_PERSONS_BOROUGH} "
            f"BEGIN UPDATE enrollment SET borough = {_PERSONS_BOROUGH} WHERE id = NEW.id; END")
        op.execute(
            "CREATE TRIGGER person_borough_to_enrollments AFTER UPDATE OF borough ON person "
            "WHEN OLD.borough IS NOT NEW.borough "
            "BEGIN UPDATE enrollment SET borough = NEW.borough WHERE person_id = NEW.id; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS person_borough_to_enrollments ON person")
        op.execute("DROP TRIGGER IF EXISTS enrollment_takes_borough ON enrollment")
        op.execute("DROP FUNCTION IF EXISTS person_borough_to_enrollments()")
        op.execute("DROP FUNCTION IF EXISTS enrollment_takes_borough()")
    else:
        for name in ("person_borough_to_enrollments", "enrollment_keeps_borough",
                     "enrollment_takes_borough"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index('ix_enrollment_roll_borough', table_name='enrollment')
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_column('borough')
