"""The CLI as a subprocess, the way a content owner and an MSL use it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import samples

pytestmark = pytest.mark.slow


def _hub(args: list[str], data_dir: Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HUB_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "mslhub", *args], capture_output=True, text=True, env=env, timeout=timeout
    )


def test_ingest_folder_summary_exit_code_and_ask_json(tmp_path, label_pdf):
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "label.pdf").write_bytes(label_pdf)
    (folder / "label.meta.yaml").write_text("title: Zorbex label\ndoc_type: label\nversion: 2.1\nproduct: Zorbex\n")
    (folder / "deck.pptx").write_bytes(samples.deck_pptx())
    (folder / "deck.meta.json").write_text(json.dumps({"title": "Zorbex deck", "doc_type": "slide_deck"}))
    (folder / "locked.pdf").write_bytes(samples.encrypted_pdf(label_pdf))
    (folder / "locked.meta.yaml").write_text("title: Locked\ndoc_type: label\n")
    data = tmp_path / "data"

    run = _hub(["ingest", str(folder)], data)
    assert run.returncode == 1, run.stdout + run.stderr  # one file failed
    assert "label.pdf" in run.stdout and "ingested" in run.stdout
    assert "locked.pdf" in run.stdout and "password-protected" in run.stdout
    assert "2 ingested, 0 unchanged, 1 failed" in run.stdout

    again = _hub(["ingest", str(folder / "label.pdf"), str(folder / "deck.pptx"), "--json"], data)
    assert again.returncode == 0, again.stderr
    assert [r["outcome"] for r in json.loads(again.stdout)] == ["unchanged", "unchanged"]

    assert _hub(["users", "add", "mia", "--role", "msl"], data).returncode == 0
    ask = _hub(["ask", "What is the half-life of Zorbex?", "--json", "--user", "mia"], data)
    assert ask.returncode == 0, ask.stderr
    body = json.loads(ask.stdout)
    assert set(body) >= {"answer", "refused", "reason", "citations"}
    assert body["refused"] is False
    cite = body["citations"][0]
    assert set(cite) >= {"n", "document_id", "title", "version", "source_file", "page", "quote", "score"}
    assert (cite["title"], cite["page"], cite["source_file"]) == ("Zorbex deck", 2, "deck.pptx")
    assert "[1]" in body["answer"]

    refused = _hub(["ask", "What is the reimbursement status in Japan?", "--json"], data)
    assert json.loads(refused.stdout)["refused"] is True

    human = _hub(["ask", "What is the recommended dose?"], data)
    assert "version 2.1, page 2" in human.stdout
    exported = tmp_path / "log.json"
    assert _hub(["audit", "export", "-o", str(exported)], data).returncode == 0
    records = json.loads(exported.read_text())["records"]
    asked = [(r["event"], r["actor"], r["role"]) for r in records if r["event"].startswith("answer.")]
    assert asked == [
        ("answer.given", "mia", "msl"),
        ("answer.refused", "cli", "system"),
        ("answer.given", "cli", "system"),
    ]
    uploads = [(r["actor"], r["payload"]["source_file"]) for r in records if r["event"] == "document.uploaded"]
    assert sorted(uploads) == [("cli", "deck.pptx"), ("cli", "label.pdf")]


def test_ingest_explicit_file_without_metadata_fails(tmp_path, label_pdf):
    f = tmp_path / "lonely.pdf"
    f.write_bytes(label_pdf)
    run = _hub(["ingest", str(f)], tmp_path / "data")
    assert run.returncode == 1 and "no metadata" in run.stdout
    ok = _hub(["ingest", str(f), "--title", "Lonely", "--doc-type", "other"], tmp_path / "data")
    assert ok.returncode == 0 and "ingested" in ok.stdout


def test_users_and_audit_commands(tmp_path):
    import sqlite3

    data = tmp_path / "data"
    add = _hub(["users", "add", "mia", "--role", "msl", "--password", "a long password"], data)
    assert add.returncode == 0, add.stderr
    key = add.stdout.strip()
    assert key.startswith("hub_") and len(key) > 50 and "shown once" in add.stderr
    assert _hub(["users", "add", "mia", "--role", "msl"], data).returncode == 2
    bad = _hub(["users", "add", "zed", "--role", "pope"], data)
    assert bad.returncode == 2 and "role 'pope' is unknown" in bad.stderr
    seed = _hub(["users", "seed-demo"], data)
    assert seed.returncode == 0 and seed.stdout.count("API key hub_") == 5
    assert "exists already" in _hub(["users", "seed-demo"], data).stdout
    listed = json.loads(_hub(["users", "list", "--json"], data).stdout)
    assert {u["name"]: u["role"] for u in listed} == {
        "mia": "msl",
        "msl": "msl",
        "owner": "content_owner",
        "compliance": "compliance",
        "manager": "manager",
        "admin": "admin",
    }
    assert key not in json.dumps(listed)
    assert _hub(["users", "disable", "mia"], data).returncode == 0
    assert _hub(["users", "disable", "nobody"], data).returncode == 2

    ok = _hub(["audit", "verify", "--json"], data)
    assert ok.returncode == 0 and json.loads(ok.stdout)["checked"] == 7
    for fmt in ("csv", "json"):
        out = tmp_path / f"log.{fmt}"
        assert _hub(["audit", "export", "--format", fmt, "-o", str(out)], data).returncode == 0
        assert _hub(["audit", "verify-export", str(out)], data).returncode == 0

    con = sqlite3.connect(data / "hub.sqlite3")  # behind the product's back
    con.execute("DROP TRIGGER audit_log_no_update")
    con.execute("UPDATE audit_log SET actor='mallory' WHERE seq=3")
    con.commit()
    con.close()
    broken = _hub(["audit", "verify"], data)
    assert broken.returncode == 1 and "seq 3" in broken.stdout and "hash mismatch" in broken.stdout
