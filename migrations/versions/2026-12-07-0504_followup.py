"""followup: the chain of command's state for late applications, who was told, citizens' ratings.

Revision ID: 0011_followup
Revises: 0010_crvs
Create Date: 2026-12-07 05:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011_followup'
down_revision: str | None = '0010_crvs'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'escalation',
        sa.Column('application_id', sa.Uuid(), nullable=False),
        sa.Column('program_code', sa.String(length=48), nullable=False),
        sa.Column('agency_code', sa.String(length=32), nullable=False),
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=24), nullable=True),
        sa.Column('reached_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('restart_days', sa.Integer(), nullable=False),
        sa.Column('stopped_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['application_id'], ['application.id'],
                                name=op.f('fk_escalation_application_id_application')),
        sa.PrimaryKeyConstraint('application_id', name=op.f('pk_escalation')),
    )
    op.create_index('ix_escalation_level_agency', 'escalation', ['level', 'agency_code'])
    op.create_table(
        'escalation_notice',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('application_id', sa.Uuid(), nullable=False),
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=24), nullable=False),
        sa.Column('told', sa.String(length=120), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['application_id'], ['application.id'],
                                name=op.f('fk_escalation_notice_application_id_application')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_escalation_notice')),
    )
    op.create_index(op.f('ix_escalation_notice_application_id'), 'escalation_notice',
                    ['application_id'])
    op.create_table(
        'feedback',
        sa.Column('application_id', sa.Uuid(), nullable=False),
        sa.Column('program_code', sa.String(length=48), nullable=False),
        sa.Column('agency_code', sa.String(length=32), nullable=False),
        sa.Column('rating', sa.Integer(), nullable=False),
        sa.Column('comment_sealed', sa.LargeBinary(), nullable=True),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['application_id'], ['application.id'],
                                name=op.f('fk_feedback_application_id_application')),
        sa.PrimaryKeyConstraint('application_id', name=op.f('pk_feedback')),
    )
    op.create_index(op.f('ix_feedback_agency_code'), 'feedback', ['agency_code'])


def downgrade() -> None:
    op.drop_index(op.f('ix_feedback_agency_code'), table_name='feedback')
    op.drop_table('feedback')
    op.drop_index(op.f('ix_escalation_notice_application_id'), table_name='escalation_notice')
    op.drop_table('escalation_notice')
    op.drop_index('ix_escalation_level_agency', table_name='escalation')
    op.drop_table('escalation')
