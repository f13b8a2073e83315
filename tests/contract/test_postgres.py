"""PostgreSQL only: two roles on the audit log, and integrity when two processes publish at once."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from evals.servers import APP_ROLE
from hub.audit import AuditLog
from hub.auth import Principal
from hub.catalog import Catalog, make_engine
from hub.schema import SchemaError, ensure_schema, grant_app_role
from ingest.metadata import Status
from tests.contract import race

pytestmark = pytest.mark.slow  # a PostgreSQL server for the whole module

NOW = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)


@pytest.fixture
def pg_db(pg_server):
    """A fresh database: (owner URL, app-role URL); migrated and granted by the owner."""
    name = f"t{uuid.uuid4().hex[:12]}"
    owner_url = pg_server.create_database(name)
    engine = make_engine(owner_url)
    ensure_schema(engine)
    grant_app_role(engine, APP_ROLE)
    engine.dispose()
    return owner_url, pg_server.url(APP_ROLE, name)


def _run_sql(url: str, sql: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        ("UPDATE audit_log SET payload = '{}'", "permission denied"),
        ("DELETE FROM audit_log", "permission denied"),
        ("TRUNCATE audit_log", "permission denied"),
        ("DELETE FROM audit_head", "permission denied"),
        ("ALTER TABLE audit_log DISABLE TRIGGER USER", "must be owner"),
        ("DROP TRIGGER audit_log_no_change ON audit_log", "must be owner"),
    ],
)
def test_app_role_may_only_append_to_the_audit_log(pg_db, statement, refusal):
    _, app_url = pg_db
    engine = make_engine(app_url)
    try:
        audit = AuditLog(engine, now=lambda: NOW)
        audit.append("answer.given", Principal.system("app"), {"question": "q"})
        audit.append("answer.given", Principal.system("app"), {"question": "q2"})
        with pytest.raises(DBAPIError, match=refusal), engine.begin() as conn:
            conn.execute(text(statement))
        assert audit.verify().ok and audit.count() == 2
    finally:
        engine.dispose()


@pytest.mark.parametrize("statement", ["TRUNCATE audit_log", "TRUNCATE audit_head", "DELETE FROM audit_log"])
def test_owner_is_refused_by_the_triggers(pg_db, statement):
    owner_url, _ = pg_db
    engine = make_engine(owner_url)
    try:
        audit = AuditLog(engine, now=lambda: NOW)
        audit.append("answer.given", Principal.system("app"), {"question": "q"})
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
        assert audit.count() == 1 and audit.verify().ok
    finally:
        engine.dispose()


def test_app_role_works_the_catalog_but_cannot_migrate(pg_server, pg_db):
    _, app_url = pg_db
    engine = make_engine(app_url)
    try:
        catalog = Catalog(engine)
        ((v, _),) = catalog.add_versions([race.new_version("Zorbex PI", "1.0")])
        assert catalog.get_version(v.id).status == Status.approved
    finally:
        engine.dispose()
    # A database nobody has migrated: the app role gets a clear instruction, not a stack of SQL.
    fresh = f"t{uuid.uuid4().hex[:12]}"
    pg_server.create_database(fresh)
    engine = make_engine(pg_server.url(APP_ROLE, fresh))
    try:
        with pytest.raises(SchemaError, match="run `hub db upgrade` as the database owner"):
            ensure_schema(engine)
    finally:
        engine.dispose()


def _spawn():
    return multiprocessing.get_context("spawn")


def _results(queue, n: int) -> dict[str, tuple]:
    out = {}
    for _ in range(n):
        item = queue.get(timeout=120)
        out[item[0]] = item
    return out


def _publish_at_once(app_url: str, title: str, first: str, second: str) -> dict[str, tuple]:
    """Publish two versions of ``title`` from two processes: the ``first`` holds its transaction
    open just before COMMIT and the ``second`` publishes as soon as it is there. Results by label."""
    ctx = _spawn()
    armed_a, armed_b, ready, go, results = ctx.Event(), ctx.Event(), ctx.Event(), ctx.Event(), ctx.Queue()
    a = ctx.Process(target=race.publish, args=(app_url, title, first, armed_a, ready, go, 3.0, results))
    b = ctx.Process(target=race.publish, args=(app_url, title, second, armed_b, ready, go, 0, results))
    a.start()
    b.start()
    assert armed_a.wait(120) and armed_b.wait(120), "publishers did not start"
    go.set()
    got = _results(results, 2)
    a.join(30)
    b.join(30)
    return got


def test_concurrent_publish_leaves_exactly_one_approved_and_the_loser_gets_409(pg_db):
    owner_url, app_url = pg_db
    catalog = Catalog(make_engine(app_url))
    ((v1, _),) = catalog.add_versions([race.new_version("Zorbex PI", "1.0")])
    got = _publish_at_once(app_url, "Zorbex PI", "2.0", "3.0")
    assert got["2.0"][1] == "ok" and got["2.0"][3] == [v1.id]
    assert got["3.0"][1:3] == ("Conflict", 409)
    assert "approved at the same moment" in got["3.0"][3] and "reload" in got["3.0"][3]
    with catalog.engine.connect() as conn:
        approved = conn.execute(text("SELECT version_label FROM versions WHERE status = 'approved'")).scalars().all()
        labels = conn.execute(text("SELECT version_label FROM versions ORDER BY version_label")).scalars().all()
    assert approved == ["2.0"] and labels == ["1.0", "2.0"], "the loser changed nothing"
    catalog.engine.dispose()


def test_first_uploads_of_one_new_title_at_once_become_two_versions(pg_db):
    _, app_url = pg_db
    got = _publish_at_once(app_url, "Brand New Deck", "1.0", "1.1")
    assert got["1.0"][1] == "ok" and got["1.1"][1] == "ok", got
    assert got["1.1"][3] == [got["1.0"][2]], "the later upload superseded the first as the document's next version"
    engine = make_engine(app_url)
    with engine.connect() as conn:
        docs = conn.execute(text("SELECT COUNT(*) FROM documents")).scalar()
        rows = conn.execute(text("SELECT version_label, status FROM versions ORDER BY version_label")).all()
    engine.dispose()
    assert docs == 1 and [tuple(r) for r in rows] == [("1.0", "superseded"), ("1.1", "approved")]


def test_publishing_storm_from_two_processes(pg_db):
    """No pause, no choreography: two processes publish 15 versions each of one document at once."""
    _, app_url = pg_db
    ctx = _spawn()
    go, results = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=race.publish_many, args=(app_url, "Storm PI", p, 15, go, results)) for p in "ab"]
    for p in procs:
        p.start()
    go.set()
    outcomes = [o for _ in procs for o in results.get(timeout=120)]
    for p in procs:
        p.join(30)
    assert set(outcomes) <= {"ok", "Conflict:409"}, outcomes
    engine = make_engine(app_url)
    with engine.connect() as conn:
        approved = conn.execute(text("SELECT COUNT(*) FROM versions WHERE status = 'approved'")).scalar()
        total = conn.execute(text("SELECT COUNT(*) FROM versions")).scalar()
    engine.dispose()
    assert approved == 1 and total == outcomes.count("ok")
