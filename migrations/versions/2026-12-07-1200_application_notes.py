"""application notes: what a member of staff wrote on an application (sealed), which acts on
the request and stops an escalated one's clock.

Revision ID: 0024_application_notes
Revises: 0023_complaint_escalation
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0024_application_notes'
down_revision: str | None = '0023_complaint_escalation'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('application_note',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('author_kind', sa.String(length=16), nullable=False),
    sa.Column('author_id', sa.String(length=64), nullable=False),
    sa.Column('text_sealed', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'],
                            name=op.f('fk_application_note_application_id_application')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_note'))
    )
    with op.batch_alter_table('application_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_note_application_id'), ['application_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('application_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_note_application_id'))
    op.drop_table('application_note')
