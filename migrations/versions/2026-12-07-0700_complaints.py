"""complaints: a citizen's complaint (queja) with its folio, category, agency, sealed text,
its own answer date and the supervisor's sealed answer.

Revision ID: 0018_complaints
Revises: 0017_crvs_subscriptions
Create Date: 2026-12-07 07:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018_complaints'
down_revision: str | None = '0017_crvs_subscriptions'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('complaint',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('folio', sa.String(length=20), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('office_id', sa.Uuid(), nullable=True),
    sa.Column('agency_code', sa.String(length=32), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('text_sealed', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expected_answer_on', sa.Date(), nullable=False),
    sa.Column('answer_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agency_code'], ['agency.code'],
                            name=op.f('fk_complaint_agency_code_agency')),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('fk_complaint_office_id_office')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_complaint_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint')),
    sa.UniqueConstraint('folio', name=op.f('uq_complaint_folio'))
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_office_status', ['office_id', 'status', 'filed_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_person_id'), ['person_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_person_id'))
        batch_op.drop_index('ix_complaint_office_status')
    op.drop_table('complaint')
