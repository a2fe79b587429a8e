"""Subscriptions may ask for the monthly labour-market review (``monthly_review``, default
false): e-mailed with its PDF when a release is published.

Revision ID: 0003
Revises: 0002
Create Date: 2026-06-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if "monthly_review" not in {c["name"] for c in inspector.get_columns("subscriptions")}:
        op.add_column(
            "subscriptions",
            sa.Column("monthly_review", sa.Boolean(), nullable=False, server_default=sa.false()),
        )


def downgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("monthly_review")
