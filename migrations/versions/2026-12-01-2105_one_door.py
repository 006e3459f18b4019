"""one door: placeholder chained in order; filled by the work on this theme.

Revision ID: 0006_one_door
Revises: 0005_integrity
Create Date: 2026-12-01 21:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = '0006_one_door'
down_revision: str | None = '0005_integrity'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
