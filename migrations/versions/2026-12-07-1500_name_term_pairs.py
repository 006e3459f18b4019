"""name term pairs: which persons carry both terms of a pair, so that a given name and a surname
typed together are answered from one short posting list; built here for the persons already
indexed, from their term postings.

Revision ID: 0026_name_term_pairs
Revises: 0025_change_feed_partitions
Create Date: 2026-12-07 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0026_name_term_pairs'
down_revision: str | None = '0025_change_feed_partitions'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('person_name_pair',
    sa.Column('first_term_id', sa.Integer(), nullable=False),
    sa.Column('second_term_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['first_term_id'], ['name_term.id'],
                            name=op.f('fk_person_name_pair_first_term_id_name_term')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'],
                            name=op.f('fk_person_name_pair_person_id_person')),
    sa.PrimaryKeyConstraint('first_term_id', 'second_term_id', 'person_id',
                            name=op.f('pk_person_name_pair'))
    )
    op.execute(
        "INSERT INTO person_name_pair (first_term_id, second_term_id, person_id) "
        "SELECT a.term_id, b.term_id, a.person_id FROM person_name_term a "
        "JOIN person_name_term b ON b.person_id = a.person_id AND b.term_id > a.term_id"
    )
    with op.batch_alter_table('person_name_pair', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_name_pair_person_id'), ['person_id'],
                              unique=False)
    # Statistics now, not whenever autovacuum comes by: the name search plans on them.
    op.execute("ANALYZE person_name_pair")


def downgrade() -> None:
    with op.batch_alter_table('person_name_pair', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_name_pair_person_id'))
    op.drop_table('person_name_pair')
