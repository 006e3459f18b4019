"""crvs subscriptions: the event types redangel asked each civil registry to notify, and the
subscription codes the civil registry answered.

Revision ID: 0017_crvs_subscriptions
Revises: 0016_dci_keys
Create Date: 2026-12-07 06:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017_crvs_subscriptions'
down_revision: str | None = '0016_dci_keys'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('crvs_subscription',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('sender_id', sa.String(length=99), nullable=False),
    sa.Column('transaction_id', sa.String(length=99), nullable=False),
    sa.Column('reference_id', sa.String(length=99), nullable=False),
    sa.Column('reg_event_type', sa.String(length=40), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('code', sa.String(length=99), nullable=True),
    sa.Column('reason', sa.String(length=48), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['sender_id'], ['crvs_source.sender_id'],
                            name=op.f('fk_crvs_subscription_sender_id_crvs_source')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crvs_subscription'))
    )
    with op.batch_alter_table('crvs_subscription', schema=None) as batch_op:
        batch_op.create_index('ix_crvs_subscription_transaction', ['sender_id', 'transaction_id'],
                              unique=False)
        batch_op.create_index('uq_crvs_subscription_reference', ['sender_id', 'reference_id'],
                              unique=True)


def downgrade() -> None:
    with op.batch_alter_table('crvs_subscription', schema=None) as batch_op:
        batch_op.drop_index('uq_crvs_subscription_reference')
        batch_op.drop_index('ix_crvs_subscription_transaction')
    op.drop_table('crvs_subscription')
