"""Item 3 of issue 12: a process killed at any step of a content change leaves catalog, vector
store and audit log consistent (after the start-up repair of the next start).

Each case copies a prepared data directory, runs the change in a child process that kills itself
(``os._exit``, no clean-up of any kind) at the chosen step, then starts a hub on the directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from hub.service import Hub
from tests import samples
from tests.conftest import ROOT, TODAY
from tests.samples import build_hub
from tests.security.crash_child import KILLED, OWNER, meta

STATUS_OF_EVENT = {
    "document.superseded": "superseded",
    "document.withdrawn": "withdrawn",
    "document.approved": "approved",
    "document.expired": "expired",
}
CASES = [
    ("ingest", "before_catalog"),
    ("ingest", "in_transaction"),
    ("ingest", "after_commit"),
    ("supersede", "before_catalog"),
    ("supersede", "in_transaction"),
    ("supersede", "after_commit"),
    ("supersede", "between_flags"),
    ("supersede", "before_retire"),
    ("withdraw", "before_catalog"),
    ("withdraw", "in_transaction"),
    ("withdraw", "after_commit"),
    ("withdraw", "before_retire"),
]


@pytest.fixture(scope="module")
def base_dir(tmp_path_factory, embedder):
    """A data directory holding one approved version of "Zorbex leaflet"."""
    path = tmp_path_factory.mktemp("crash-base") / "data"
    hub = build_hub(path, embedder, today=TODAY)
    text = [("5 WARNINGS", ["Zorbex may increase the risk of infections, version one."])]
    hub.ingestion.ingest_bytes(samples.pdf_from_pages(text), "v1.pdf", meta(), actor=OWNER)
    del hub
    return path


def check_consistent(hub: Hub) -> None:
    """Catalog, audit log and vector flags agree, and the chain verifies."""
    assert hub.audit.verify().ok
    entries = list(hub.audit.iter_entries())
    versions = {v.id: v for d in hub.catalog.list_documents() for v in d.versions}
    uploaded = {e.subject: e for e in entries if e.event == "document.uploaded"}
    assert set(uploaded) == set(versions)  # every version audited, no record of a version that is not there
    for vid, version in versions.items():
        state = uploaded[vid].payload["status"]
        for e in entries:
            if e.subject == vid and e.event in STATUS_OF_EVENT:
                state = STATUS_OF_EVENT[e.event]
        assert version.status == state, (vid, version.status, state)
    stored = hub.vectors.collection.get(include=["metadatas"])
    flags = {cid: bool(m.get("live")) for cid, m in zip(stored["ids"], stored["metadatas"], strict=True)}
    should = {cid: versions[vid].status == "approved" for vid in versions for cid in hub.catalog.chunk_ids_of(vid)}
    assert flags == should  # no orphan vectors, every flag as the catalog says


@pytest.mark.slow
@pytest.mark.parametrize(("operation", "step"), CASES, ids=[f"{o}-{s}" for o, s in CASES])
def test_killed_at_each_step_leaves_everything_consistent(base_dir, tmp_path, embedder, operation, step):
    data = tmp_path / "data"
    shutil.copytree(base_dir, data)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    run = subprocess.run(
        [sys.executable, "-m", "tests.security.crash_child", str(data), operation, step],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == KILLED, run.stderr[-3000:]
    hub = build_hub(data, embedder, today=TODAY)
    check_consistent(hub)
    if step in ("after_commit", "between_flags", "before_retire") and operation != "ingest":
        # The change was committed: it stands, with its audit record, after the restart.
        assert any(e.event.startswith("document.") and e.actor == "olga" for e in hub.audit.iter_entries())
    if step == "after_commit":
        repaired = hub.audit.query(event="index.repaired")
        assert repaired and repaired[-1].actor == "startup-repair"
