"""Uploaded originals in the database, so every worker can serve and re-process them.

One row per distinct file (by SHA-256), written in the same transaction as the version that
first brought it: a version is never visible without its original, and nothing but the database
has to be shared or backed up between workers.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "originals",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("media_type", sa.String(10), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("the hub's migrations only go forward; restore a backup to go back")
