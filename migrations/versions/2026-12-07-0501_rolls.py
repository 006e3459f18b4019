"""rolls: imports of agencies' legacy rolls, their sealed rows, and the pairs a steward reviews.

Revision ID: 0008_rolls
Revises: 0007_program_sensitive
Create Date: 2026-12-07 05:13:24.075906
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008_rolls'
down_revision: str | None = '0007_program_sensitive'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('roll_import',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('agency_code', sa.String(length=32), nullable=False),
    sa.Column('program_code', sa.String(length=48), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('encoding', sa.String(length=32), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('stop_reason', sa.String(length=64), nullable=True),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('link_threshold', sa.Float(), nullable=False),
    sa.Column('review_threshold', sa.Float(), nullable=False),
    sa.Column('duplicate_limit', sa.Float(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('merged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('file_sealed', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['program_code'], ['program.code'],
                            name=op.f('fk_roll_import_program_code_program')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roll_import'))
    )
    with op.batch_alter_table('roll_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roll_import_agency_code'), ['agency_code'], unique=False)

    op.create_table('roll_pair',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Uuid(), nullable=False),
    sa.Column('left_key', sa.String(length=48), nullable=False),
    sa.Column('right_key', sa.String(length=48), nullable=False),
    sa.Column('probability', sa.Float(), nullable=False),
    sa.Column('agreements', sa.JSON(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['import_id'], ['roll_import.id'],
                            name=op.f('fk_roll_pair_import_id_roll_import')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roll_pair')),
    sa.UniqueConstraint('import_id', 'left_key', 'right_key', name='uq_roll_pair')
    )
    with op.batch_alter_table('roll_pair', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roll_pair_import_id'), ['import_id'], unique=False)

    op.create_table('roll_row',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Uuid(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('refusal', sa.String(length=32), nullable=True),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.Column('filled', sa.JSON(), nullable=False),
    sa.Column('values_sealed', sa.LargeBinary(), nullable=False),
    sa.Column('key_version', sa.Integer(), nullable=False),
    sa.Column('borough', sa.String(length=32), nullable=True),
    sa.Column('postal_code', sa.String(length=5), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('same_as_line', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Uuid(), nullable=True),
    sa.Column('probability', sa.Float(), nullable=True),
    sa.Column('enrolled', sa.String(length=16), nullable=True),
    sa.Column('held_reason', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['import_id'], ['roll_import.id'],
                            name=op.f('fk_roll_row_import_id_roll_import')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_roll_row_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roll_row')),
    sa.UniqueConstraint('import_id', 'line', name='uq_roll_row_line')
    )
    with op.batch_alter_table('roll_row', schema=None) as batch_op:
        batch_op.create_index('ix_roll_row_outcome', ['import_id', 'outcome'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('roll_row', schema=None) as batch_op:
        batch_op.drop_index('ix_roll_row_outcome')

    op.drop_table('roll_row')
    with op.batch_alter_table('roll_pair', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roll_pair_import_id'))

    op.drop_table('roll_pair')
    with op.batch_alter_table('roll_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roll_import_agency_code'))

    op.drop_table('roll_import')
