"""outreach contacts: an office's calls and appointments with people newly eligible.

Revision ID: 0006_outreach_contacts
Revises: 0005_integrity
Create Date: 2026-12-07 02:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006_outreach_contacts'
down_revision: str | None = '0005_integrity'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('outreach_contact',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('program_code', sa.String(length=48), nullable=False),
    sa.Column('office_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('appointment_on', sa.Date(), nullable=True),
    sa.Column('note_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('actor_kind', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'],
                            name=op.f('fk_outreach_contact_office_id_office')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'],
                            name=op.f('fk_outreach_contact_person_id_person')),
    sa.ForeignKeyConstraint(['program_code'], ['program.code'],
                            name=op.f('fk_outreach_contact_program_code_program')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outreach_contact'))
    )
    with op.batch_alter_table('outreach_contact', schema=None) as batch_op:
        batch_op.create_index('ix_outreach_contact_office', ['office_id', 'person_id', 'at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_outreach_contact_person_id'), ['person_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outreach_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outreach_contact_person_id'))
        batch_op.drop_index('ix_outreach_contact_office')
    op.drop_table('outreach_contact')
