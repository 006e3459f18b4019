"""dci keys: the key an agency client signs its DCI messages with.

Revision ID: 0016_dci_keys
Revises: 0015_partitions
Create Date: 2026-12-07 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016_dci_keys'
down_revision: str | None = '0015_partitions'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('agency_client', sa.Column('dci_sender_id', sa.String(99), nullable=True))
    op.add_column('agency_client', sa.Column('dci_public_key', sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('agency_client') as batch:
        batch.drop_column('dci_public_key')
        batch.drop_column('dci_sender_id')
