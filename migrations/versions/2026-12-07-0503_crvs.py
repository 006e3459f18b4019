"""crvs: the civil registries redangel listens to, their messages and vital events, the
proactive offers those events open and deliveries flagged after a death.

Revision ID: 0010_crvs
Revises: 0009_linkage
Create Date: 2026-12-07 05:13:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010_crvs'
down_revision: str | None = '0009_linkage'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('crvs_message',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('sender_id', sa.String(length=99), nullable=False),
    sa.Column('known_sender', sa.Boolean(), nullable=False),
    sa.Column('message_id', sa.String(length=99), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('transaction_id', sa.String(length=99), nullable=True),
    sa.Column('digest', sa.String(length=100), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('code', sa.String(length=48), nullable=True),
    sa.Column('events', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crvs_message'))
    )
    with op.batch_alter_table('crvs_message', schema=None) as batch_op:
        batch_op.create_index('ix_crvs_message_received', ['received_at'], unique=False)
        batch_op.create_index('uq_crvs_message_taken', ['sender_id', 'message_id'], unique=True, sqlite_where=sa.text("outcome = 'taken'"), postgresql_where=sa.text("outcome = 'taken'"))

    op.create_table('crvs_source',
    sa.Column('sender_id', sa.String(length=99), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('receiver_id', sa.String(length=99), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sender_id', name=op.f('pk_crvs_source'))
    )
    op.create_table('crvs_event',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('sender_id', sa.String(length=99), nullable=False),
    sa.Column('message_id', sa.Uuid(), nullable=False),
    sa.Column('transaction_id', sa.String(length=99), nullable=False),
    sa.Column('reference_id', sa.String(length=99), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=48), nullable=True),
    sa.Column('registered_on', sa.Date(), nullable=True),
    sa.Column('subject_index', sa.String(length=64), nullable=True),
    sa.Column('person_id', sa.Uuid(), nullable=True),
    sa.Column('record_sealed', sa.LargeBinary(), nullable=False),
    sa.Column('outcome', sa.JSON(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['crvs_message.id'], name=op.f('fk_crvs_event_message_id_crvs_message')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_crvs_event_person_id_person')),
    sa.ForeignKeyConstraint(['sender_id'], ['crvs_source.sender_id'], name=op.f('fk_crvs_event_sender_id_crvs_source')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crvs_event'))
    )
    with op.batch_alter_table('crvs_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crvs_event_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_crvs_event_state', ['state', 'received_at'], unique=False)
        batch_op.create_index('ix_crvs_event_subject', ['subject_index', 'kind'], unique=False)
        batch_op.create_index('uq_crvs_event_reference', ['sender_id', 'reference_id'], unique=True)

    op.create_table('proactive_offer',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('event_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('program_code', sa.String(length=48), nullable=False),
    sa.Column('life_event', sa.String(length=48), nullable=False),
    sa.Column('evaluation_id', sa.Uuid(), nullable=False),
    sa.Column('office_id', sa.Uuid(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('offered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_kind', sa.String(length=16), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_where', sa.String(length=64), nullable=True),
    sa.Column('application_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_proactive_offer_application_id_application')),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_proactive_offer_evaluation_id_evaluation')),
    sa.ForeignKeyConstraint(['event_id'], ['crvs_event.id'], name=op.f('fk_proactive_offer_event_id_crvs_event')),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('fk_proactive_offer_office_id_office')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_proactive_offer_person_id_person')),
    sa.ForeignKeyConstraint(['program_code'], ['program.code'], name=op.f('fk_proactive_offer_program_code_program')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proactive_offer'))
    )
    with op.batch_alter_table('proactive_offer', schema=None) as batch_op:
        batch_op.create_index('ix_proactive_offer_office', ['office_id', 'state', 'offered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_proactive_offer_person_id'), ['person_id'], unique=False)
        batch_op.create_index('uq_proactive_offer', ['event_id', 'person_id', 'program_code'], unique=True)

    op.create_table('delivery_after_death',
    sa.Column('delivery_id', sa.Uuid(), nullable=False),
    sa.Column('event_id', sa.Uuid(), nullable=False),
    sa.Column('agency_code', sa.String(length=32), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('program_code', sa.String(length=48), nullable=False),
    sa.Column('delivered_on', sa.Date(), nullable=False),
    sa.Column('died_on', sa.Date(), nullable=False),
    sa.Column('flagged_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_code'], ['agency.code'], name=op.f('fk_delivery_after_death_agency_code_agency')),
    sa.ForeignKeyConstraint(['delivery_id'], ['delivery.id'], name=op.f('fk_delivery_after_death_delivery_id_delivery')),
    sa.ForeignKeyConstraint(['event_id'], ['crvs_event.id'], name=op.f('fk_delivery_after_death_event_id_crvs_event')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_delivery_after_death_person_id_person')),
    sa.PrimaryKeyConstraint('delivery_id', name=op.f('pk_delivery_after_death'))
    )
    with op.batch_alter_table('delivery_after_death', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_after_death_agency_code'), ['agency_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_after_death_event_id'), ['event_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('delivery_after_death', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_after_death_event_id'))
        batch_op.drop_index(batch_op.f('ix_delivery_after_death_agency_code'))

    op.drop_table('delivery_after_death')
    with op.batch_alter_table('proactive_offer', schema=None) as batch_op:
        batch_op.drop_index('uq_proactive_offer')
        batch_op.drop_index(batch_op.f('ix_proactive_offer_person_id'))
        batch_op.drop_index('ix_proactive_offer_office')

    op.drop_table('proactive_offer')
    with op.batch_alter_table('crvs_event', schema=None) as batch_op:
        batch_op.drop_index('uq_crvs_event_reference')
        batch_op.drop_index('ix_crvs_event_subject')
        batch_op.drop_index('ix_crvs_event_state')
        batch_op.drop_index(batch_op.f('ix_crvs_event_person_id'))

    op.drop_table('crvs_event')
    op.drop_table('crvs_source')
    with op.batch_alter_table('crvs_message', schema=None) as batch_op:
        batch_op.drop_index('uq_crvs_message_taken', sqlite_where=sa.text("outcome = 'taken'"), postgresql_where=sa.text("outcome = 'taken'"))
        batch_op.drop_index('ix_crvs_message_received')

    op.drop_table('crvs_message')
