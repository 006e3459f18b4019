"""complaint escalation: where a late complaint stands in the chain of command (the level last
reached, its role and when), and an index for the escalation job's look at late complaints.

Revision ID: 0023_complaint_escalation
Revises: 0018_complaints
Create Date: 2026-12-07 11:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0023_complaint_escalation'
down_revision: str | None = '0018_complaints'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('level', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('escalated_role', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_complaint_late', ['status', 'expected_answer_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_late')
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('escalated_role')
        batch_op.drop_column('level')
