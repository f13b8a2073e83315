"""The store contract: catalog, audit log, users, learning tables and vector index behave the same
on the embedded default (SQLite + Chroma PersistentClient) and on servers (PostgreSQL + chroma run)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from hub.audit import GENESIS, AuditLog, load_checkpoints, write_checkpoint
from hub.auth import Principal, UserStore
from hub.catalog import Catalog, NewChunk, NewVersion, chunk_id
from hub.errors import Conflict
from hub.models import target_metadata
from hub.schema import current_revision, head_revision
from hub.vector_index import ChromaVectorIndex, QueryFilters, VectorRecord
from ingest.metadata import Status, parse_metadata

TODAY = dt.date(2026, 11, 25)


def _meta(title: str = "Zorbex PI", version: str = "1.0", status: str = "approved", **extra: object):
    return parse_metadata(
        {"title": title, "doc_type": "label", "product": "Zorbex", "version": version, "status": status, **extra}
    )


def _new(title: str = "Zorbex PI", version: str = "1.0", status: str = "approved", chunks: int = 3, **kw):
    sha = f"{title}|{version}|{status}".encode().hex().ljust(64, "0")[:64]
    return NewVersion(
        _meta(title, version, status),
        sha,
        f"{title}.txt",
        "txt",
        1,
        [
            NewChunk(i, 1, "Dosing", "text", f"{title} {version} chunk {i} says 150 mg once daily")
            for i in range(chunks)
        ],
        "test-model",
        **kw,
    )


def _audit(backend) -> AuditLog:
    engine = backend.engine()
    Catalog(engine)
    return AuditLog(engine, now=lambda: dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC))


def _fill(audit: AuditLog, n: int) -> None:
    for i in range(n):
        audit.append("answer.given", Principal.system("contract"), {"question": f"q{i}", "answer": f"a{i}"})


# --- schema ------------------------------------------------------------------------------------------


def test_migrations_build_exactly_the_models(backend):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = backend.engine()
    Catalog(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), target_metadata()) == []


# --- catalog -----------------------------------------------------------------------------------------


def test_catalog_versions_supersede_and_keep_originals(backend):
    catalog = Catalog(backend.engine())
    g0 = catalog.generation()
    ((v1, sup1),) = catalog.add_versions([_new(version="1.0", original=b"first bytes")])
    ((v2, sup2),) = catalog.add_versions([_new(version="2.0", original=b"second bytes")])
    assert sup1 == [] and sup2 == [v1.id]
    assert catalog.get_version(v1.id).status == Status.superseded
    assert catalog.get_version(v2.id).status == Status.approved
    assert catalog.generation() == g0 + 2
    assert {r.chunk_id for r in catalog.approved_chunks()} == {chunk_id(v2.id, i) for i in range(3)}
    assert catalog.original(v1.sha256).data == b"first bytes"
    assert catalog.counts() == {"documents": 1, "versions": 2, "chunks": 6}


def test_catalog_approving_an_older_draft_supersedes_the_current(backend):
    catalog = Catalog(backend.engine())
    ((draft, _),) = catalog.add_versions([_new(version="0.9", status="draft")])
    ((live, _),) = catalog.add_versions([_new(version="1.0")])
    assert catalog.set_status(draft.id, Status.approved, expect=Status.draft) == [live.id]
    with pytest.raises(Conflict, match="no longer draft"):
        catalog.set_status(draft.id, Status.withdrawn, "x", expect=Status.draft)
    assert catalog.get_version(draft.id).status == Status.approved


def test_database_refuses_a_second_approved_version(backend):
    """The rule holds even for a writer that skips the catalog's own superseding."""
    engine = backend.engine()
    catalog = Catalog(engine)
    ((v1, _),) = catalog.add_versions([_new(version="1.0")])
    ((v2, _),) = catalog.add_versions([_new(version="2.0", status="draft")])
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("UPDATE versions SET status = 'approved' WHERE id = :id"), {"id": v1.id})
        conn.execute(text("UPDATE versions SET status = 'approved' WHERE id = :id"), {"id": v2.id})
    assert catalog.get_version(v2.id).status == Status.draft


def test_catalog_batch_with_two_approved_versions_of_one_document(backend):
    catalog = Catalog(backend.engine())
    out = catalog.add_versions([_new(version="1.0"), _new(version="2.0")])
    assert out[1][1] == [out[0][0].id]
    statuses = sorted(catalog.get_version(v.id).status for v, _ in out)
    assert statuses == [Status.approved, Status.superseded]


# --- audit log ---------------------------------------------------------------------------------------


def test_audit_chain_appends_and_verifies(backend):
    audit = _audit(backend)
    _fill(audit, 5)
    result = audit.verify()
    assert result.ok and result.checked == 5 and result.head_seq == 5
    entries = list(audit.iter_entries())
    assert entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET payload = '{}' WHERE seq = 2",
        "DELETE FROM audit_log WHERE seq = 3",
        "DELETE FROM audit_head",
        "UPDATE audit_head SET seq = 1, hash = (SELECT hash FROM audit_log WHERE seq = 1)",
        "UPDATE audit_head SET seq = 3, hash = 'not-the-newest-hash'",
    ],
)
def test_database_refuses_changes_to_the_audit_trail(backend, statement):
    audit = _audit(backend)
    _fill(audit, 3)
    refused = "append-only|cannot be deleted|newest audit record"
    with pytest.raises(DBAPIError, match=refused), audit.engine.begin() as conn:
        conn.execute(text(statement))
    assert audit.verify().ok and audit.count() == 3


def test_cutting_the_newest_records_is_caught_by_a_checkpoint(backend, tmp_path):
    audit = _audit(backend)
    _fill(audit, 20)
    marks = tmp_path / "keep-elsewhere" / "audit-checkpoints.jsonl"
    cp = write_checkpoint(audit, marks)
    assert (cp.seq, cp.hash) == (20, audit.verify().head_hash)
    # Someone who can switch the triggers off removes the newest 14 records and rewinds the head.
    backend.bypass_audit_rules(
        audit.engine,
        [
            "DELETE FROM audit_log WHERE seq > 6",
            "UPDATE audit_head SET seq = 6, hash = (SELECT hash FROM audit_log WHERE seq = 6)",
        ],
    )
    assert audit.verify().ok, "without a checkpoint the shortened chain re-hashes cleanly"
    result = audit.verify(load_checkpoints(marks))
    assert not result.ok and result.bad_seq == 20
    assert "records were removed from the end" in (result.problem or "")


def test_rewriting_a_record_and_rehashing_after_it_is_caught_by_a_checkpoint(backend, tmp_path):
    from hub.audit import record_hash

    audit = _audit(backend)
    _fill(audit, 8)
    marks = tmp_path / "checkpoints.jsonl"
    write_checkpoint(audit, marks)
    # Rewrite record 4's answer and re-hash every record after it, as a careful forger would.
    entries = list(audit.iter_entries())
    statements, prev = [], entries[2].hash
    for entry in entries[3:]:
        fields = entry.model_dump()
        if entry.seq == 4:
            fields["payload"] = {**fields["payload"], "answer": "something else"}
        fields["prev_hash"] = prev
        digest = record_hash(fields)
        payload = json.dumps(fields["payload"], sort_keys=True, separators=(",", ":")).replace("'", "''")
        statements.append(
            f"UPDATE audit_log SET payload = '{payload}', prev_hash = 'tmp{entry.seq}', hash = 'tmph{entry.seq}' "
            f"WHERE seq = {entry.seq}"
        )
        statements.append(f"UPDATE audit_log SET prev_hash = '{prev}', hash = '{digest}' WHERE seq = {entry.seq}")
        prev = digest
    statements.append(f"UPDATE audit_head SET hash = '{prev}'")
    backend.bypass_audit_rules(audit.engine, statements)
    assert audit.verify().ok, "without a checkpoint the re-hashed chain verifies"
    result = audit.verify(load_checkpoints(marks))
    assert not result.ok and result.bad_seq == 8 and "rewritten" in (result.problem or "")


def test_checkpoint_refuses_a_broken_chain(backend, tmp_path):
    from hub.errors import InvalidInput

    audit = _audit(backend)
    _fill(audit, 4)
    backend.bypass_audit_rules(audit.engine, ["UPDATE audit_log SET payload = '{\"x\":1}' WHERE seq = 2"])
    with pytest.raises(InvalidInput, match="does not verify"):
        write_checkpoint(audit, tmp_path / "cp.jsonl")
    assert not (tmp_path / "cp.jsonl").exists()


# --- users and learning tables -------------------------------------------------------------------------


def test_users_round_trip(backend):
    audit = _audit(backend)
    users = UserStore(audit.engine, audit, now=audit.now)
    out, key = users.add("maria", "msl", "a-long-secret")
    assert users.authenticate_key(key).name == "maria"
    assert users.authenticate_password("maria", "a-long-secret").role == "msl"
    with pytest.raises(Conflict):
        users.add("maria", "msl")
    assert users.disable("maria").disabled


def test_learning_tables_keep_utc_times_and_answer_once(backend):
    from sqlalchemy.orm import sessionmaker

    from hub.learning.models import AnswerRow, AttemptRow, CardRow, ItemRow

    engine = backend.engine()
    Catalog(engine)
    when = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC)
    sessions = sessionmaker(engine, expire_on_commit=False)
    item = dict(
        type="mcq", stem="Dose?", options=["150 mg", "300 mg"], answer="150 mg", passage="150 mg once daily",
        document_id="d", document_title="Zorbex PI", version_id="v", version_label="1.0", chunk_id="v-00000",
        page=2, page_label="page 2", status="approved", dedup_key="dose", generator_version="t",
        created_at=when, updated_at=when,
    )  # fmt: skip
    with sessions.begin() as s:
        s.add(ItemRow(id="i1", **item))
        s.add(AttemptRow(id="a1", user_id="u", user_name="maria", kind="quiz", item_ids=["i1"], started_at=when))
        s.flush()
        s.add(CardRow(user_id="u", item_id="i1", user_name="maria", card={"due": "x"}, due=when))
        s.add(
            AnswerRow(
                id="r1",
                attempt_id="a1",
                item_id="i1",
                user_id="u",
                user_name="maria",
                given="150 mg",
                correct=True,
                answered_at=when,
                rating=3,
                due_after=when,
            )  # fmt: skip
        )
    with sessions() as s:
        row = s.get(ItemRow, "i1")
        assert row.options == ["150 mg", "300 mg"] and row.created_at == when and row.created_at.tzinfo is not None
        assert s.get(CardRow, ("u", "i1")).due == when
    with pytest.raises(IntegrityError), sessions.begin() as s:
        s.add(
            AnswerRow(
                id="r2",
                attempt_id="a1",
                item_id="i1",
                user_id="u",
                user_name="maria",
                given="300 mg",
                correct=False,
                answered_at=when,
                rating=1,
                due_after=when,
            )  # fmt: skip
        )


# --- vector index ---------------------------------------------------------------------------------------


def test_vector_index_filters_inside_the_query(backend):
    index = ChromaVectorIndex(backend.chroma(), backend.collection)
    rng = np.random.default_rng(7)
    base = rng.normal(size=16).astype(np.float32)

    def rec(cid: str, live: bool, product: str, expiry: dt.date | None = None, jitter: float = 0.01) -> VectorRecord:
        vec = base + jitter * rng.normal(size=16).astype(np.float32)
        return VectorRecord(cid, "v", cid, vec, live, None, expiry, product, "label", "Dermatology")

    index.add(
        [
            rec("live-a", True, "Zorbex"),
            rec("hidden", False, "Zorbex", jitter=0.0),
            rec("expired", True, "Zorbex", dt.date(2026, 1, 1), jitter=0.0),
            rec("other", True, "Lumerza"),
        ]
    )
    assert index.count() == 4
    found = [cid for cid, _ in index.search(base, 10, QueryFilters(TODAY))]
    assert set(found) == {"live-a", "other"}
    assert [cid for cid, _ in index.search(base, 10, QueryFilters(TODAY, product="zorbex"))] == ["live-a"]
    index.set_live(["hidden"], True)
    assert found[0] != "hidden" and index.search(base, 1, QueryFilters(TODAY))[0][0] == "hidden"
    cosine = index.search(base, 1, QueryFilters(TODAY))[0][1]
    assert cosine == pytest.approx(1.0, abs=1e-3)
    index.delete(["hidden", "other"])
    assert index.count() == 2 and set(index.vectors(["live-a", "hidden"])) == {"live-a"}
    np.testing.assert_allclose(np.linalg.norm(index.vectors(["live-a"])["live-a"]), np.linalg.norm(base), rtol=0.05)
