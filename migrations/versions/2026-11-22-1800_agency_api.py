"""Agency API: deliveries, the per-agency change feed, and roll/queue indexes for keyset lists.

Revision ID: 0003_agency_api
Revises: 0002_cards
Create Date: 2026-11-22 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003_agency_api'
down_revision: str | None = '0002_cards'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('change_entry',
    sa.Column('agency_code', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('entity', sa.String(length=16), nullable=False),
    sa.Column('entity_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('program_code', sa.String(length=48), nullable=False),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['agency_code'], ['agency.code'], name=op.f('fk_change_entry_agency_code_agency')),
    sa.PrimaryKeyConstraint('agency_code', 'seq', name=op.f('pk_change_entry'))
    )
    op.create_table('change_head',
    sa.Column('agency_code', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['agency_code'], ['agency.code'], name=op.f('fk_change_head_agency_code_agency')),
    sa.PrimaryKeyConstraint('agency_code', name=op.f('pk_change_head'))
    )
    op.create_table('delivery',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('enrollment_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('program_code', sa.String(length=48), nullable=False),
    sa.Column('delivered_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('actor_kind', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollment.id'], name=op.f('fk_delivery_enrollment_id_enrollment')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_delivery_person_id_person')),
    sa.ForeignKeyConstraint(['program_code'], ['program.code'], name=op.f('fk_delivery_program_code_program')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery'))
    )
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_enrollment_id'), ['enrollment_id'], unique=False)
        batch_op.create_index('ix_delivery_person_on', ['person_id', 'delivered_on'], unique=False)

    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.create_index('ix_application_queue', ['program_code', 'status', 'submitted_at', 'id'], unique=False)

    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrollment_program_status'))
        batch_op.create_index('ix_enrollment_roll', ['program_code', 'status', 'started_on', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_index('ix_enrollment_roll')
        batch_op.create_index(batch_op.f('ix_enrollment_program_status'), ['program_code', 'status'], unique=False)

    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index('ix_application_queue')

    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_person_on')
        batch_op.drop_index(batch_op.f('ix_delivery_enrollment_id'))

    op.drop_table('delivery')
    op.drop_table('change_head')
    op.drop_table('change_entry')
