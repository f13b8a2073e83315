"""At most one approved version per document, enforced by the database.

A partial unique index on ``versions(document_id) WHERE status = 'approved'``: two workers
publishing new versions of one document at the same moment can no longer leave both approved;
the second transaction to commit fails on the index, and the catalog turns that into a 409.

A database that already holds a document with several approved versions (the race this closes)
is not "repaired" silently, since that would be a lifecycle change without an audit record: the
migration stops and names the documents; withdraw the extra versions, then upgrade again.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

INDEX = "uq_versions_one_approved"


def upgrade() -> None:
    bind = op.get_bind()
    doubles = bind.execute(
        sa.text(
            "SELECT document_id, COUNT(*) FROM versions WHERE status = 'approved' "
            "GROUP BY document_id HAVING COUNT(*) > 1"
        )
    ).all()
    if doubles:
        named = ", ".join(f"{doc} ({n} approved)" for doc, n in doubles)
        raise RuntimeError(
            f"documents with more than one approved version: {named}; withdraw all but the current one "
            "(POST /api/documents/{id}/withdraw with its version_id), then run `hub db upgrade` again"
        )
    op.create_index(
        INDEX,
        "versions",
        ["document_id"],
        unique=True,
        sqlite_where=sa.text("status = 'approved'"),
        postgresql_where=sa.text("status = 'approved'"),
    )


def downgrade() -> None:
    raise NotImplementedError("the hub's migrations only go forward; restore a backup to go back")
