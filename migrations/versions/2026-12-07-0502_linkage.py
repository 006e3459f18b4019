"""linkage: merges of two registry records into one, their undoing, and pairs never to merge.

Revision ID: 0009_linkage
Revises: 0008_rolls
Create Date: 2026-12-07 05:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009_linkage'
down_revision: str | None = '0008_rolls'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (no foreign key): SQLite needs no copy of the person table.
    op.add_column('person', sa.Column('merged_into_id', sa.Uuid(), nullable=True))
    op.create_index(op.f('ix_person_merged_into_id'), 'person', ['merged_into_id'], unique=False)
    op.create_table('person_merge',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('survivor_id', sa.Uuid(), nullable=False),
    sa.Column('absorbed_id', sa.Uuid(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('actor_kind', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.String(length=64), nullable=False),
    sa.Column('merged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('survivorship', sa.JSON(), nullable=False),
    sa.Column('moved', sa.JSON(), nullable=False),
    sa.Column('snapshot_sealed', sa.LargeBinary(), nullable=False),
    sa.Column('unmerged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('unmerge_reason', sa.String(length=32), nullable=True),
    sa.Column('unmerged_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['absorbed_id'], ['person.id'], name=op.f('fk_person_merge_absorbed_id_person')),
    sa.ForeignKeyConstraint(['survivor_id'], ['person.id'], name=op.f('fk_person_merge_survivor_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_merge'))
    )
    op.create_index(op.f('ix_person_merge_absorbed_id'), 'person_merge', ['absorbed_id'], unique=False)
    op.create_index(op.f('ix_person_merge_survivor_id'), 'person_merge', ['survivor_id'], unique=False)
    op.create_index('uq_person_merge_one_live_per_absorbed', 'person_merge', ['absorbed_id'], unique=True,
                    sqlite_where=sa.text('unmerged_at IS NULL'),
                    postgresql_where=sa.text('unmerged_at IS NULL'))
    op.create_table('person_pair_block',
    sa.Column('low_id', sa.Uuid(), nullable=False),
    sa.Column('high_id', sa.Uuid(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('merge_id', sa.Uuid(), nullable=True),
    sa.Column('actor_id', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['high_id'], ['person.id'], name=op.f('fk_person_pair_block_high_id_person')),
    sa.ForeignKeyConstraint(['low_id'], ['person.id'], name=op.f('fk_person_pair_block_low_id_person')),
    sa.ForeignKeyConstraint(['merge_id'], ['person_merge.id'], name=op.f('fk_person_pair_block_merge_id_person_merge')),
    sa.PrimaryKeyConstraint('low_id', 'high_id', name=op.f('pk_person_pair_block'))
    )


def downgrade() -> None:
    op.drop_table('person_pair_block')
    op.drop_index('uq_person_merge_one_live_per_absorbed', table_name='person_merge',
                  sqlite_where=sa.text('unmerged_at IS NULL'),
                  postgresql_where=sa.text('unmerged_at IS NULL'))
    op.drop_index(op.f('ix_person_merge_survivor_id'), table_name='person_merge')
    op.drop_index(op.f('ix_person_merge_absorbed_id'), table_name='person_merge')
    op.drop_table('person_merge')
    op.drop_index(op.f('ix_person_merged_into_id'), table_name='person')
    op.drop_column('person', 'merged_into_id')
