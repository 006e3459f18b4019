"""data rights (ARCO): requests with a folio and deadline, blocked and erased persons, and the
uses a person refused.

Revision ID: 0012_rights
Revises: 0011_followup
Create Date: 2026-12-07 05:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012_rights'
down_revision: str | None = '0011_followup'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN: SQLite needs no table copy (the person's foreign keys would refuse it).
    op.add_column('person', sa.Column('blocked_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('person', sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table('person_opposition',
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('use', sa.String(length=32), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'],
                            name=op.f('fk_person_opposition_person_id_person')),
    sa.PrimaryKeyConstraint('person_id', 'use', name=op.f('pk_person_opposition'))
    )
    op.create_table('rights_request',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('folio', sa.String(length=20), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('office_id', sa.Uuid(), nullable=False),
    sa.Column('right', sa.String(length=16), nullable=False),
    sa.Column('use', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('identity_document', sa.String(length=24), nullable=False),
    sa.Column('received_by', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('outcome', sa.String(length=24), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('history_id', sa.Integer(), nullable=True),
    sa.Column('erase_after', sa.Date(), nullable=True),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'],
                            name=op.f('fk_rights_request_office_id_office')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'],
                            name=op.f('fk_rights_request_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rights_request')),
    sa.UniqueConstraint('folio', name=op.f('uq_rights_request_folio'))
    )
    op.create_index(op.f('ix_rights_request_office_id'), 'rights_request', ['office_id'])
    op.create_index(op.f('ix_rights_request_person_id'), 'rights_request', ['person_id'])
    op.create_index('ix_rights_request_erase_due', 'rights_request', ['erase_after'],
                    sqlite_where=sa.text('erased_at IS NULL'),
                    postgresql_where=sa.text('erased_at IS NULL'))


def downgrade() -> None:
    op.drop_index('ix_rights_request_erase_due', table_name='rights_request')
    op.drop_index(op.f('ix_rights_request_person_id'), table_name='rights_request')
    op.drop_index(op.f('ix_rights_request_office_id'), table_name='rights_request')
    op.drop_table('rights_request')
    op.drop_table('person_opposition')
    op.drop_column('person', 'erased_at')
    op.drop_column('person', 'blocked_at')
