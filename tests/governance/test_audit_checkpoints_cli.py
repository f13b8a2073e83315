"""`hub db upgrade`, `hub audit checkpoint` and `hub audit verify` as an operator runs them."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from hub.audit import AuditLog
from hub.auth import Principal
from hub.catalog import Catalog, make_engine
from hub.schema import head_revision

pytestmark = pytest.mark.slow  # `hub audit` runs as CLI processes

ROOT = Path(__file__).resolve().parents[2]


def _hub(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mslhub", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_checkpoint_then_cut_records_makes_verify_fail(tmp_path):
    data = tmp_path / "data"
    marks = tmp_path / "operator" / "audit-checkpoints.jsonl"
    env = {**os.environ, "HUB_DATA_DIR": str(data), "HUB_AUDIT_CHECKPOINT_FILE": str(marks)}
    upgraded = _hub(["db", "upgrade"], env)
    head = head_revision()
    assert upgraded.returncode == 0 and f"schema at revision {head} (was empty" in upgraded.stdout
    assert f"database {head}, code {head}" in _hub(["db", "current"], env).stdout

    engine = make_engine(f"sqlite:///{data / 'hub.sqlite3'}")
    Catalog(engine)
    audit = AuditLog(engine, now=lambda: dt.datetime(2026, 11, 25, tzinfo=dt.UTC))
    for i in range(20):
        audit.append("answer.given", Principal.system("t"), {"question": f"q{i}"})
    engine.dispose()

    taken = _hub(["audit", "checkpoint"], env)
    assert taken.returncode == 0 and "checkpoint seq 20" in taken.stdout
    assert _hub(["audit", "verify"], env).returncode == 0

    # Someone with the database file drops the triggers, cuts the newest 14 records and rewinds the head.
    conn = sqlite3.connect(data / "hub.sqlite3")
    for trigger in ("audit_log_no_delete", "audit_head_forward_only"):
        conn.execute(f"DROP TRIGGER {trigger}")
    conn.execute("DELETE FROM audit_log WHERE seq > 6")
    conn.execute("UPDATE audit_head SET seq = 6, hash = (SELECT hash FROM audit_log WHERE seq = 6)")
    conn.commit()
    conn.close()

    without = _hub(["audit", "verify"], {**env, "HUB_AUDIT_CHECKPOINT_FILE": str(tmp_path / "none.jsonl")})
    assert without.returncode == 0, "the shortened chain is self-consistent: only a checkpoint can tell"
    verdict = _hub(["audit", "verify", "--json"], env)
    assert verdict.returncode == 1 and '"bad_seq":20' in verdict.stdout and "removed from the end" in verdict.stdout
    refused = _hub(["audit", "checkpoint"], env)
    assert refused.returncode == 2 and "not checkpointed" in refused.stderr
