"""``chunks.section_kind``: the kind of section a chunk comes from (body, highlights, patient info ...).

Added to the model by the PDF structure work; existing rows become ``body``, the value every chunk
had before sections were classified. A database made by ``create_all`` after that change already
has the column and is left as it is.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("chunks")}
    if "section_kind" not in columns:
        op.add_column("chunks", sa.Column("section_kind", sa.String(32), nullable=False, server_default="body"))


def downgrade() -> None:
    raise NotImplementedError("the hub's migrations only go forward; restore a backup to go back")
