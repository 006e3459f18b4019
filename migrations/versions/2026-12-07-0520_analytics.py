"""analytics: aggregate tables for the analysts' console (counts only, never a person).

Revision ID: 0013_analytics
Revises: 0012_rights
Create Date: 2026-12-07 05:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013_analytics'
down_revision: str | None = '0012_rights'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('analytics_run',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('taken_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('since_month', sa.String(length=7), nullable=False),
    sa.Column('watermark', sa.DateTime(timezone=True), nullable=True),
    sa.Column('persons', sa.Integer(), nullable=False),
    sa.Column('cells', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_run'))
    )
    op.create_table('analytics_cell',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True,
              nullable=False),
    sa.Column('figure', sa.String(length=16), nullable=False),
    sa.Column('taken_on', sa.Date(), nullable=True),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('program_code', sa.String(length=48), nullable=False),
    sa.Column('agency_code', sa.String(length=32), nullable=False),
    sa.Column('borough', sa.String(length=32), nullable=False),
    sa.Column('sex', sa.String(length=1), nullable=False),
    sa.Column('age_band', sa.String(length=8), nullable=False),
    sa.Column('target', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('measure', sa.String(length=24), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_cell'))
    )
    op.create_index('ix_analytics_cell_figure', 'analytics_cell',
                    ['figure', 'taken_on', 'month', 'program_code'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_analytics_cell_figure', table_name='analytics_cell')
    op.drop_table('analytics_cell')
    op.drop_table('analytics_run')
