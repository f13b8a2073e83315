"""Migrations adopt a database made before they existed, and refuse to paper over a broken one."""

from __future__ import annotations

import pytest
from sqlalchemy import MetaData, text

from hub.catalog import make_engine
from hub.models import target_metadata
from hub.schema import current_revision, ensure_schema, head_revision


def _legacy(url: str) -> None:
    """The tables as the old create_all made them: no originals table, no one-approved index."""
    legacy = MetaData()
    for table in target_metadata().sorted_tables:
        if table.name == "originals":
            continue
        copy = table.to_metadata(legacy)
        if copy.name == "chunks":  # added later, by migration 0005
            copy._columns.remove(copy.c.section_kind)
        for index in [i for i in copy.indexes if i.name == "uq_versions_one_approved"]:
            copy.indexes.discard(index)
    engine = make_engine(url)
    legacy.create_all(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO index_state (id, generation, schema_version) VALUES (1, 7, 1)"))
        conn.execute(
            text("INSERT INTO documents (id, title, title_key, created_at) VALUES ('d1', 'T', 't', '2026-01-01')")
        )
        for vid, status in (("v1", "superseded"), ("v2", "approved")):
            conn.execute(
                text(
                    "INSERT INTO versions (id, document_id, version_label, sha256, source_file, media_type, doc_type,"
                    " product, therapeutic_area, approval_id, owner, status, status_reason, page_count, chunk_count,"
                    " embedding_model, created_at, status_changed_at) VALUES (:id, 'd1', '1', :sha, 'f', 'pdf',"
                    " 'label', '', '', '', '', :status, '', 1, 0, 'm', '2026-01-01', '2026-01-01')"
                ),
                {"id": vid, "sha": vid * 32, "status": status},
            )
    engine.dispose()


def test_a_database_made_by_create_all_is_adopted(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    _legacy(url)
    engine = make_engine(url)
    assert current_revision(engine) is None
    ensure_schema(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT generation FROM index_state")).scalar() == 7
        assert conn.execute(text("SELECT COUNT(*) FROM versions")).scalar() == 2
        triggers = set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
    assert {"audit_log_no_update", "audit_log_no_delete", "audit_head_forward_only"} <= triggers
    with engine.connect() as conn:
        conn.execute(
            text(
                "INSERT INTO chunks (id, version_id, seq, page, section, kind, text) "
                "VALUES ('v2-00000', 'v2', 0, 1, '', 'text', 'x')"
            )
        )
        assert conn.execute(text("SELECT section_kind FROM chunks")).scalar() == "body"
    engine.dispose()


def test_two_approved_versions_stop_the_upgrade_with_the_documents_named(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    _legacy(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE versions SET status = 'approved' WHERE id = 'v1'"))
    from hub.schema import upgrade

    with pytest.raises(RuntimeError, match=r"d1 \(2 approved\).*withdraw"):
        upgrade(engine)
    assert current_revision(engine) == "0001", "the baseline applied, the rule did not"
    engine.dispose()
