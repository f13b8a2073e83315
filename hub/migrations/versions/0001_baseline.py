"""Baseline: every table as the hub created them before migrations existed.

Written so that it also adopts a database made by the old ``create_all``: a table that already
exists is left alone (0002 onwards then add the rules those databases lacked). It also seeds the
two one-row tables (the index generation counter and the audit chain head), so that the app role,
which may not INSERT into ``audit_head``, never has to.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def _has(table: str) -> bool:
    return sa.inspect(op.get_bind()).has_table(table)


def upgrade() -> None:
    if not _has("audit_head"):
        op.create_table(
            "audit_head",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("seq", sa.Integer(), nullable=False),
            sa.Column("hash", sa.String(length=64), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
    if not _has("audit_log"):
        op.create_table(
            "audit_log",
            sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("id", sa.String(length=32), nullable=False),
            sa.Column("ts", sa.String(length=40), nullable=False),
            sa.Column("event", sa.String(length=60), nullable=False),
            sa.Column("actor", sa.String(length=120), nullable=False),
            sa.Column("role", sa.String(length=40), nullable=False),
            sa.Column("subject", sa.String(length=120), nullable=False),
            sa.Column("product", sa.String(length=240), nullable=False),
            sa.Column("refused", sa.Boolean(), nullable=False),
            sa.Column("flagged", sa.Boolean(), nullable=False),
            sa.Column("payload", sa.Text(), nullable=False),
            sa.Column("prev_hash", sa.String(length=64), nullable=False),
            sa.Column("hash", sa.String(length=64), nullable=False),
            sa.PrimaryKeyConstraint("seq"),
            sa.UniqueConstraint("hash"),
            sa.UniqueConstraint("prev_hash"),
        )
        op.create_index(op.f("ix_audit_log_actor"), "audit_log", ["actor"], unique=False)
        op.create_index(op.f("ix_audit_log_event"), "audit_log", ["event"], unique=False)
        op.create_index(op.f("ix_audit_log_id"), "audit_log", ["id"], unique=True)
        op.create_index(op.f("ix_audit_log_product"), "audit_log", ["product"], unique=False)
        op.create_index(op.f("ix_audit_log_subject"), "audit_log", ["subject"], unique=False)
        op.create_index(op.f("ix_audit_log_ts"), "audit_log", ["ts"], unique=False)
    if not _has("documents"):
        op.create_table(
            "documents",
            sa.Column("id", sa.String(length=32), nullable=False),
            sa.Column("title", sa.String(length=300), nullable=False),
            sa.Column("title_key", sa.String(length=300), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_documents_title_key"), "documents", ["title_key"], unique=True)
    if not _has("index_state"):
        op.create_table(
            "index_state",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("generation", sa.Integer(), nullable=False),
            sa.Column("schema_version", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
    if not _has("learning_attempts"):
        op.create_table(
            "learning_attempts",
            sa.Column("id", sa.String(length=32), nullable=False),
            sa.Column("user_id", sa.String(length=32), nullable=False),
            sa.Column("user_name", sa.String(length=120), nullable=False),
            sa.Column("kind", sa.String(length=16), nullable=False),
            sa.Column("scope", sa.Text(), nullable=False),
            sa.Column("item_ids", sa.Text(), nullable=False),
            sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_learning_attempts_user_id"), "learning_attempts", ["user_id"], unique=False)
    if not _has("learning_items"):
        op.create_table(
            "learning_items",
            sa.Column("id", sa.String(length=32), nullable=False),
            sa.Column("type", sa.String(length=16), nullable=False),
            sa.Column("stem", sa.Text(), nullable=False),
            sa.Column("options", sa.Text(), nullable=False),
            sa.Column("answer", sa.Text(), nullable=False),
            sa.Column("explanation", sa.Text(), nullable=False),
            sa.Column("fact_kind", sa.String(length=20), nullable=False),
            sa.Column("fact_unit", sa.String(length=40), nullable=False),
            sa.Column("original", sa.Text(), nullable=False),
            sa.Column("altered", sa.Text(), nullable=False),
            sa.Column("passage", sa.Text(), nullable=False),
            sa.Column("document_id", sa.String(length=32), nullable=False),
            sa.Column("document_title", sa.String(length=300), nullable=False),
            sa.Column("version_id", sa.String(length=32), nullable=False),
            sa.Column("version_label", sa.String(length=40), nullable=False),
            sa.Column("chunk_id", sa.String(length=48), nullable=False),
            sa.Column("page", sa.Integer(), nullable=False),
            sa.Column("page_label", sa.String(length=20), nullable=False),
            sa.Column("section", sa.Text(), nullable=False),
            sa.Column("product", sa.String(length=120), nullable=False),
            sa.Column("topic", sa.String(length=120), nullable=False),
            sa.Column("doc_type", sa.String(length=20), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("status_reason", sa.Text(), nullable=False),
            sa.Column("dedup_key", sa.Text(), nullable=False),
            sa.Column("generator_version", sa.String(length=40), nullable=False),
            sa.Column("run_id", sa.String(length=32), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("reviewed_by", sa.String(length=120), nullable=False),
            sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_learning_items_dedup_key"), "learning_items", ["dedup_key"], unique=False)
        op.create_index(op.f("ix_learning_items_document_id"), "learning_items", ["document_id"], unique=False)
        op.create_index(op.f("ix_learning_items_product"), "learning_items", ["product"], unique=False)
        op.create_index(op.f("ix_learning_items_status"), "learning_items", ["status"], unique=False)
        op.create_index(op.f("ix_learning_items_topic"), "learning_items", ["topic"], unique=False)
        op.create_index(op.f("ix_learning_items_type"), "learning_items", ["type"], unique=False)
        op.create_index(op.f("ix_learning_items_version_id"), "learning_items", ["version_id"], unique=False)
    if not _has("learning_runs"):
        op.create_table(
            "learning_runs",
            sa.Column("id", sa.String(length=32), nullable=False),
            sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("actor", sa.String(length=120), nullable=False),
            sa.Column("scope", sa.Text(), nullable=False),
            sa.Column("generated", sa.Integer(), nullable=False),
            sa.Column("kept", sa.Integer(), nullable=False),
            sa.Column("summary", sa.Text(), nullable=False),
            sa.Column("generator_version", sa.String(length=40), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
    if not _has("users"):
        op.create_table(
            "users",
            sa.Column("id", sa.String(length=32), nullable=False),
            sa.Column("name", sa.String(length=64), nullable=False),
            sa.Column("role", sa.String(length=20), nullable=False),
            sa.Column("key_prefix", sa.String(length=16), nullable=False),
            sa.Column("key_hash", sa.String(length=64), nullable=False),
            sa.Column("password_hash", sa.String(length=200), nullable=True),
            sa.Column("disabled", sa.Boolean(), nullable=False),
            sa.Column("created_at", sa.String(length=40), nullable=False),
            sa.Column("disabled_at", sa.String(length=40), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_users_key_hash"), "users", ["key_hash"], unique=True)
        op.create_index(op.f("ix_users_name"), "users", ["name"], unique=True)
    if not _has("learning_answers"):
        op.create_table(
            "learning_answers",
            sa.Column("id", sa.String(length=32), nullable=False),
            sa.Column("attempt_id", sa.String(length=32), nullable=False),
            sa.Column("item_id", sa.String(length=32), nullable=False),
            sa.Column("user_id", sa.String(length=32), nullable=False),
            sa.Column("user_name", sa.String(length=120), nullable=False),
            sa.Column("product", sa.String(length=120), nullable=False),
            sa.Column("topic", sa.String(length=120), nullable=False),
            sa.Column("given", sa.Text(), nullable=False),
            sa.Column("correct", sa.Boolean(), nullable=False),
            sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("rating", sa.Integer(), nullable=False),
            sa.Column("stability", sa.Float(), nullable=True),
            sa.Column("difficulty", sa.Float(), nullable=True),
            sa.Column("due_after", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(
                ["attempt_id"],
                ["learning_attempts.id"],
            ),
            sa.ForeignKeyConstraint(
                ["item_id"],
                ["learning_items.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("attempt_id", "item_id", name="uq_learning_answer_once"),
        )
        op.create_index(op.f("ix_learning_answers_answered_at"), "learning_answers", ["answered_at"], unique=False)
        op.create_index(op.f("ix_learning_answers_attempt_id"), "learning_answers", ["attempt_id"], unique=False)
        op.create_index(op.f("ix_learning_answers_item_id"), "learning_answers", ["item_id"], unique=False)
        op.create_index(op.f("ix_learning_answers_user_id"), "learning_answers", ["user_id"], unique=False)
        op.create_index(op.f("ix_learning_answers_user_name"), "learning_answers", ["user_name"], unique=False)
    if not _has("learning_cards"):
        op.create_table(
            "learning_cards",
            sa.Column("user_id", sa.String(length=32), nullable=False),
            sa.Column("item_id", sa.String(length=32), nullable=False),
            sa.Column("user_name", sa.String(length=120), nullable=False),
            sa.Column("card", sa.Text(), nullable=False),
            sa.Column("due", sa.DateTime(timezone=True), nullable=False),
            sa.Column("active", sa.Boolean(), nullable=False),
            sa.Column("reviews", sa.Integer(), nullable=False),
            sa.Column("lapses", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(
                ["item_id"],
                ["learning_items.id"],
            ),
            sa.PrimaryKeyConstraint("user_id", "item_id"),
        )
        op.create_index(op.f("ix_learning_cards_active"), "learning_cards", ["active"], unique=False)
        op.create_index(op.f("ix_learning_cards_due"), "learning_cards", ["due"], unique=False)
        op.create_index(op.f("ix_learning_cards_user_name"), "learning_cards", ["user_name"], unique=False)
    if not _has("versions"):
        op.create_table(
            "versions",
            sa.Column("id", sa.String(length=32), nullable=False),
            sa.Column("document_id", sa.String(length=32), nullable=False),
            sa.Column("version_label", sa.String(length=40), nullable=False),
            sa.Column("sha256", sa.String(length=64), nullable=False),
            sa.Column("source_file", sa.String(length=255), nullable=False),
            sa.Column("media_type", sa.String(length=10), nullable=False),
            sa.Column("doc_type", sa.String(length=20), nullable=False),
            sa.Column("product", sa.String(length=120), nullable=False),
            sa.Column("therapeutic_area", sa.String(length=120), nullable=False),
            sa.Column("approval_id", sa.String(length=80), nullable=False),
            sa.Column("owner", sa.String(length=120), nullable=False),
            sa.Column("status", sa.String(length=20), nullable=False),
            sa.Column("status_reason", sa.Text(), nullable=False),
            sa.Column("effective_date", sa.Date(), nullable=True),
            sa.Column("expiry_date", sa.Date(), nullable=True),
            sa.Column("page_count", sa.Integer(), nullable=False),
            sa.Column("chunk_count", sa.Integer(), nullable=False),
            sa.Column("embedding_model", sa.String(length=200), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(
                ["document_id"],
                ["documents.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_versions_doc_type"), "versions", ["doc_type"], unique=False)
        op.create_index(op.f("ix_versions_document_id"), "versions", ["document_id"], unique=False)
        op.create_index(op.f("ix_versions_product"), "versions", ["product"], unique=False)
        op.create_index(op.f("ix_versions_sha256"), "versions", ["sha256"], unique=True)
        op.create_index(op.f("ix_versions_status"), "versions", ["status"], unique=False)
    if not _has("chunks"):
        op.create_table(
            "chunks",
            sa.Column("id", sa.String(length=48), nullable=False),
            sa.Column("version_id", sa.String(length=32), nullable=False),
            sa.Column("seq", sa.Integer(), nullable=False),
            sa.Column("page", sa.Integer(), nullable=False),
            sa.Column("section", sa.Text(), nullable=False),
            sa.Column("kind", sa.String(length=10), nullable=False),
            sa.Column("text", sa.Text(), nullable=False),
            sa.ForeignKeyConstraint(
                ["version_id"],
                ["versions.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_chunks_version_id"), "chunks", ["version_id"], unique=False)

    bind = op.get_bind()
    if bind.execute(sa.text("SELECT COUNT(*) FROM index_state WHERE id = 1")).scalar() == 0:
        bind.execute(sa.text("INSERT INTO index_state (id, generation, schema_version) VALUES (1, 0, 1)"))
    if bind.execute(sa.text("SELECT COUNT(*) FROM audit_head WHERE id = 1")).scalar() == 0:
        bind.execute(sa.text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :g)"), {"g": GENESIS})


def downgrade() -> None:
    raise NotImplementedError("the hub's migrations only go forward; restore a backup to go back")
