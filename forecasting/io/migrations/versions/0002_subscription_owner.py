"""Subscriptions belong to the API key that made them (``owner``; NULL: the operator's).

Idempotent because stores of the last pre-migration versions got the column (without its
index) from an ad-hoc ``ALTER TABLE`` when opened, and are adopted at 0001 like older ones.

Revision ID: 0002
Revises: 0001
Create Date: 2026-05-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

INDEX = "ix_subscriptions_owner"


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if "owner" not in {c["name"] for c in inspector.get_columns("subscriptions")}:
        op.add_column("subscriptions", sa.Column("owner", sa.String(length=120), nullable=True))
    if INDEX not in {i["name"] for i in inspector.get_indexes("subscriptions")}:
        op.create_index(INDEX, "subscriptions", ["owner"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="subscriptions")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("owner")
