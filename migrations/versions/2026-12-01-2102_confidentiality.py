"""confidentiality: idempotency records keep a reference to what they created, not its body.

The old `body` column held whole answers in clear (CURP, phone, address, family violence):
every existing record is deleted before the column goes (a retry after the upgrade simply
runs again), and replays rebuild the answer or open a body sealed by the keyring.

Revision ID: 0004_confidentiality
Revises: 0003_agency_api
Create Date: 2026-12-01 21:02:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004_confidentiality'
down_revision: str | None = '0003_agency_api'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(sa.text("DELETE FROM idempotency_record"))
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.drop_column('body')
        batch_op.add_column(sa.Column('entity_kind', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('entity_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('sealed_body', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM idempotency_record"))
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.drop_column('sealed_body')
        batch_op.drop_column('entity_id')
        batch_op.drop_column('entity_kind')
        batch_op.add_column(sa.Column('body', sa.JSON(), nullable=False))
