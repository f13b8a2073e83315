"""The audit trail: chain integrity under concurrency, tamper detection, export, reviews, safety."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from hub.audit import GENESIS, AuditLog, record_hash, verify_export
from hub.auth import Principal, Role
from hub.catalog import make_engine
from hub.errors import InvalidInput, NotFound
from hub.service import AskFilters, Hub
from tests.conftest import TODAY
from tests.samples import build_hub, zorbex_meta

MSL = Principal("u-msl", "mia", Role.msl)
REVIEWER = Principal("u-c", "cora", Role.compliance)


def _log(tmp_path) -> AuditLog:
    from hub.catalog import Catalog

    catalog = Catalog(make_engine(f"sqlite:///{tmp_path / 'audit.sqlite3'}"))
    return AuditLog(catalog.engine, now=lambda: dt.datetime.now(dt.UTC))


def _assert_one_chain(log: AuditLog, expected: int) -> None:
    result = log.verify()
    assert result.ok, result
    entries = list(log.iter_entries())
    assert [e.seq for e in entries] == list(range(1, expected + 1))
    prevs = [e.prev_hash for e in entries]
    assert len(set(prevs)) == len(prevs) and prevs[0] == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))


def test_concurrent_threads_never_fork_the_chain(tmp_path):
    log = _log(tmp_path)
    start = threading.Barrier(8)

    def writer(i: int) -> None:
        start.wait()
        for j in range(25):
            log.append("test.event", MSL, {"writer": i, "n": j})

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(writer, range(8)))
    _assert_one_chain(log, 200)


_WRITER = """
import datetime as dt, sys
from hub.audit import AuditLog
from hub.auth import Principal
from hub.catalog import make_engine
log = AuditLog(make_engine(sys.argv[1]), now=lambda: dt.datetime.now(dt.UTC))
for j in range(40):
    log.append("test.process", Principal.system(sys.argv[2]), {"n": j})
"""


@pytest.mark.slow  # writer processes
def test_concurrent_processes_never_fork_the_chain(tmp_path):
    """Two workers on one database (as with several API workers): the process lock cannot help here."""
    log = _log(tmp_path)
    url = f"sqlite:///{tmp_path / 'audit.sqlite3'}"
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, url, f"w{i}"]) for i in range(3)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    _assert_one_chain(log, 120)


def test_parallel_api_asks_are_each_audited_on_one_chain(hub, api_client, label_pdf):
    hub.ingestion.ingest_bytes(label_pdf, "label.pdf", zorbex_meta())
    msl = api_client("msl")
    questions = ["What is the recommended dose of Zorbex?", "What is the half-life?", "Price in Japan?"] * 8
    before = hub.audit.count()
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda q: msl.post("/api/ask", json={"question": q}).status_code, questions))
    assert codes == [200] * len(questions)
    answers = hub.audit.query(event=["answer.given", "answer.refused"], limit=1000)
    assert len(answers) == len(questions) and hub.audit.count() == before + len(questions)
    assert {a.actor for a in answers} == {"test-msl"} and {a.role for a in answers} == {"msl"}
    _assert_one_chain(hub.audit, hub.audit.count())


def test_answer_record_holds_what_compliance_needs(make_hub, label_pdf):
    hub = make_hub()
    hub.ingestion.ingest_bytes(label_pdf, "label.pdf", zorbex_meta())
    answer = hub.ask("What is the recommended dose of Zorbex?", AskFilters(product="Zorbex"), user=MSL)
    record = hub.audit.query(event="answer.given")[0]
    p = record.payload
    assert (record.actor, record.role, record.product, record.refused) == ("mia", "msl", "Zorbex", False)
    assert dt.datetime.fromisoformat(record.ts).utcoffset() == dt.timedelta(0) and "." in record.ts
    assert p["question"] == "What is the recommended dose of Zorbex?" and p["filters"] == {"product": "Zorbex"}
    assert p["answer"] == answer.answer and p["refusal_reason"] is None
    assert [r["chunk_id"] for r in p["retrieved"]] == [r["chunk_id"] for r in answer.retrieved]
    assert all(isinstance(r["score"], float) for r in p["retrieved"])
    cited = answer.citations[0]
    expected = {"document_id": cited.document_id, "version_id": cited.version_id, "version": "1.0", "page": 2}
    assert {k: p["cited"][0][k] for k in expected} == expected
    assert p["embedding_model"] == hub.embedder().model_id and p["index_generation"] == hub.catalog.generation()
    assert len(p["settings_fingerprint"]) == 16 and p["as_of"] == TODAY.isoformat()

    refused = hub.ask("What is the list price of Zorbex in Germany?")
    r = hub.audit.query(refused_only=True)[0]
    assert r.event == "answer.refused" and r.payload["refusal_reason"] == refused.reason and r.role == "system"


def _tamper(hub_or_path, sql: str, *args) -> None:
    """Write 'behind the product's back': a raw connection, dropping the append-only triggers first."""
    path = hub_or_path.settings.data_dir / "hub.sqlite3" if isinstance(hub_or_path, Hub) else hub_or_path
    con = sqlite3.connect(path)
    con.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    con.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    con.execute(sql, args)
    con.commit()
    con.close()


def _filled(hub, n: int = 6):
    for i in range(n):
        hub.audit.append("test.event", MSL, {"i": i, "note": f"entry {i}"}, product="Zorbex")
    return list(hub.audit.iter_entries())


def test_the_database_refuses_updates_and_deletes(hub):
    _filled(hub, 2)
    con = sqlite3.connect(hub.settings.data_dir / "hub.sqlite3")
    for sql in ("UPDATE audit_log SET payload='{}' WHERE seq=1", "DELETE FROM audit_log WHERE seq=2"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute(sql)
    con.close()
    assert hub.audit.verify().ok


@pytest.mark.parametrize(
    ("sql", "args", "bad_seq", "problem"),
    [
        ("UPDATE audit_log SET payload=? WHERE seq=4", ('{"i":3,"note":"edited"}',), 4, "hash mismatch"),
        ("UPDATE audit_log SET actor='someone-else' WHERE seq=2", (), 2, "hash mismatch"),
        ("UPDATE audit_log SET payload='not json' WHERE seq=3", (), 3, "hash mismatch"),
        ("DELETE FROM audit_log WHERE seq=3", (), 4, "missing"),
        ("DELETE FROM audit_log WHERE seq=6", (), 6, "removed from the end"),
    ],
)
def test_verify_names_the_first_tampered_record(hub, sql, args, bad_seq, problem):
    entries = _filled(hub)
    assert hub.audit.verify().ok
    _tamper(hub, sql, *args)
    result = hub.audit.verify()
    assert not result.ok and result.bad_seq == bad_seq and problem in result.problem
    if bad_seq <= 5:
        assert result.bad_id == entries[bad_seq - 1].id


def test_rehashing_a_forged_record_breaks_the_next_link(hub):
    entries = _filled(hub)
    forged = entries[2].model_dump() | {"payload": {"i": 2, "note": "forged"}}
    new_hash = record_hash(forged)
    _tamper(hub, "UPDATE audit_log SET payload=?, hash=? WHERE seq=3", '{"i":2,"note":"forged"}', new_hash)
    result = hub.audit.verify()
    assert not result.ok and result.bad_seq == 4 and "broken link" in result.problem


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_verifies_offline_and_an_edit_is_caught(hub, fmt, tmp_path):
    entries = _filled(hub)
    data = hub.audit.export(fmt, actor=REVIEWER)
    result = verify_export(data, fmt)
    assert result.ok and result.checked == len(entries) and result.head_hash == entries[-1].hash
    exported = hub.audit.query(event="audit.exported")[0]
    import hashlib

    assert exported.payload["sha256"] == hashlib.sha256(data).hexdigest() and exported.actor == "cora"
    assert exported.payload["through_seq"] == len(entries)
    edited = data.replace(b"entry 4", b"entry 9")
    assert edited != data
    bad = verify_export(edited, fmt)
    assert not bad.ok and bad.bad_seq == 5 and "hash mismatch" in bad.problem
    if fmt == "csv":
        lines = data.decode().splitlines()
        dropped = "\n".join(lines[:3] + lines[4:]).encode()
        assert verify_export(dropped, "csv").bad_seq == 4
    with pytest.raises(InvalidInput):
        verify_export(b"{not json", fmt)


@pytest.mark.slow  # the verifier runs as a CLI process
def test_export_through_the_api_and_the_cli_verifier(hub, api_client, tmp_path):
    _filled(hub)
    r = api_client("compliance").get("/api/audit/export", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    path = tmp_path / "audit.csv"
    path.write_bytes(r.content)
    run = subprocess.run(
        [sys.executable, "-m", "mslhub", "audit", "verify-export", str(path), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["ok"] is True
    target = hub.audit.query(event="test.event")[1]
    path.write_bytes(r.content.replace(b"entry 1", b"entry X"))
    run = subprocess.run(
        [sys.executable, "-m", "mslhub", "audit", "verify-export", str(path), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1 and json.loads(run.stdout)["bad_seq"] == target.seq
    assert api_client("compliance").get("/api/audit/export", params={"format": "xml"}).status_code == 422


def test_reviews_are_new_records_linked_to_the_answer(hub, api_client, label_pdf):
    hub.ingestion.ingest_bytes(label_pdf, "label.pdf", zorbex_meta())
    hub.ask("What is the recommended dose of Zorbex?", user=MSL)
    hub.ask("What is Zorbex indicated for?", user=MSL)
    first, second = hub.audit.query(event=["answer.given", "answer.refused"])
    compliance = api_client("compliance")
    assert len(compliance.get("/api/audit", params={"unreviewed_only": True}).json()) == 2
    r = compliance.post(f"/api/audit/{first.id}/reviews", json={"status": "reviewed_ok", "comment": "accurate"})
    assert r.status_code == 201
    review = r.json()
    assert review["event"] == "audit.reviewed" and review["subject"] == first.id
    assert review["payload"]["status"] == "reviewed_ok" and review["actor"] == "test-compliance"
    assert hub.audit.get(first.id) == first  # the reviewed record is untouched
    listed = compliance.get(f"/api/audit/{first.id}/reviews").json()
    assert [x["id"] for x in listed] == [review["id"]]
    left = compliance.get("/api/audit", params={"unreviewed_only": True}).json()
    assert [x["id"] for x in left] == [second.id]
    flag = compliance.post(f"/api/audit/{second.id}/reviews", json={"status": "flagged"})
    assert flag.status_code == 422 and "comment" in flag.json()["error"]
    flag = compliance.post(f"/api/audit/{second.id}/reviews", json={"status": "flagged", "comment": "off-label?"})
    assert flag.status_code == 201 and flag.json()["flagged"] is True
    assert compliance.post(f"/api/audit/{second.id}/reviews", json={"status": "great"}).status_code == 422
    assert compliance.post("/api/audit/nope/reviews", json={"status": "reviewed_ok"}).status_code == 404
    assert compliance.post(f"/api/audit/{review['id']}/reviews", json={"status": "reviewed_ok"}).status_code == 422
    assert hub.audit.verify().ok


def test_query_filters_and_sampling(tmp_path, embedder, label_pdf):
    moment = {"t": dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)}
    hub = build_hub(tmp_path / "data", embedder, now=lambda: moment["t"])
    hub.ingestion.ingest_bytes(label_pdf, "label.pdf", zorbex_meta())
    other = Principal("u2", "omar", Role.msl)
    hub.ask("What is the recommended dose of Zorbex?", user=MSL)
    moment["t"] = dt.datetime(2026, 11, 22, 23, 59, 59, tzinfo=dt.UTC)
    hub.ask("What is the list price of Zorbex in Germany?", user=other)
    moment["t"] = dt.datetime(2026, 11, 23, 0, 0, 1, tzinfo=dt.UTC)
    hub.ask("What is Zorbex indicated for?", user=MSL)
    q = hub.audit.query
    answers = ["answer.given", "answer.refused"]
    assert [e.actor for e in q(event=answers, user="omar")] == ["omar"]
    assert len(q(event=answers, date_from=dt.date(2026, 11, 21), date_to=dt.date(2026, 11, 22))) == 1
    assert len(q(event=answers, date_from=dt.date(2026, 11, 23))) == 1
    assert [e.actor for e in q(refused_only=True)] == ["omar"]
    assert len(q(event=answers, product="Zorbex")) == 3 and q(event=answers, product="Other") == []
    assert len(q(event=answers, limit=1, offset=2)) == 1
    with pytest.raises(InvalidInput):
        q(date_from=dt.date(2026, 11, 23), date_to=dt.date(2026, 11, 1))
    a, b = hub.audit.sample(2, seed=7), hub.audit.sample(2, seed=7)
    assert [e.id for e in a] == [e.id for e in b] and len(a) == 2
    assert {e.event for e in hub.audit.sample(50)} <= set(answers) and len(hub.audit.sample(50)) == 3
    with pytest.raises(NotFound):
        hub.audit.get("missing")


def test_safety_terms_flag_questions_and_answers(hub, api_client, label_pdf):
    hub.ingestion.ingest_bytes(label_pdf, "label.pdf", zorbex_meta())
    hub.ask("My patient developed a rash after the second dose; what is the recommended dose of Zorbex?", user=MSL)
    hub.ask("What is the recommended dose of Zorbex?", user=MSL)
    flagged = api_client("compliance").get("/api/audit", params={"flagged_only": True}).json()
    assert len(flagged) == 1
    assert set(flagged[0]["payload"]["safety_terms"]) >= {"my patient developed", "rash after"}
    assert "rash after" in flagged[0]["payload"]["question"]
    plain = hub.audit.query(event="answer.given", flagged_only=False)
    assert [e.flagged for e in plain] == [True, False]


def test_newest_first_reverses_the_order(hub, api_client):
    seqs = [e.seq for e in _filled(hub, 5)]
    listed = api_client("compliance").get("/api/audit", params={"newest_first": True, "limit": 3}).json()
    assert [r["seq"] for r in listed] == sorted(seqs, reverse=True)[:3]
    assert [e.seq for e in hub.audit.query(limit=3)] == sorted(seqs)[:3]


def test_an_answer_names_its_audit_record(hub, api_client, label_pdf):
    hub.ingestion.ingest_bytes(label_pdf, "label.pdf", zorbex_meta())
    question = "My patient developed a rash after the second dose; what is the recommended dose of Zorbex?"
    answer = api_client("msl").post("/api/ask", json={"question": question}).json()
    assert answer["audit_id"] and answer["flagged"] is True
    record = api_client("compliance").get(f"/api/audit/{answer['audit_id']}").json()
    assert record["payload"]["question"] == question and record["actor"] == "test-msl" and record["flagged"]
    assert record["payload"]["answer"] == answer["answer"]


def test_safety_terms_file_setting(make_hub, tmp_path):
    terms = tmp_path / "terms.txt"
    terms.write_text("# local list\nswelling of the\nre:\\bfainted\\b\n")
    hub = make_hub(safety_terms_file=terms)
    assert hub.safety.match("She FAINTED twice") == [r"re:\bfainted\b"]
    assert hub.safety.match("Swelling   of the ankle") == ["swelling of the"]
    assert hub.safety.match("my patient developed a rash after dosing") == []  # defaults replaced
    terms.write_text("re:([unclosed\n")
    with pytest.raises(InvalidInput, match="regular expression"):
        make_hub(safety_terms_file=terms)


def test_user_changes_and_failed_sign_ins_are_audited(hub):
    _, key = hub.users.add("nina", Role.msl, "a good password")
    hub.users.disable("nina", actor=Principal.system("admin-console"))
    with pytest.raises(Exception, match="disabled"):
        hub.users.authenticate_key(key)
    with pytest.raises(Exception, match="wrong user name or password"):
        hub.users.authenticate_password("nina", "bad guess!")
    events = [(e.event, e.subject) for e in hub.audit.iter_entries()]
    assert events == [
        ("user.created", "nina"),
        ("user.disabled", "nina"),
        ("auth.failed", "nina"),
        ("auth.failed", "nina"),
    ]
    text = json.dumps([e.payload for e in hub.audit.iter_entries()])
    assert key not in text and "a good password" not in text and "bad guess" not in text
