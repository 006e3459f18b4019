"""program sensitive: the catalog's flag for programs never named on a public screen.

Revision ID: 0007_program_sensitive
Revises: 0006_outreach_contacts
Create Date: 2026-12-07 03:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007_program_sensitive'
down_revision: str | None = '0006_outreach_contacts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN with its default: SQLite needs no table copy (which the programs'
    # foreign keys would refuse once applications exist). `redangel catalog load` sets the flag.
    op.add_column('program', sa.Column('sensitive', sa.Boolean(), nullable=False,
                                       server_default=sa.false()))


def downgrade() -> None:
    op.drop_column('program', 'sensitive')
