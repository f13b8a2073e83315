"""Items 7 and 8 of issue 12: dates, four eyes, operator, parameter validation, races, headers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest

from hub.auth import Principal, Role
from hub.errors import Conflict, Forbidden
from hub.service import Hub
from tests import samples
from tests.conftest import TODAY
from tests.samples import build_hub

OWNER = Principal("u-owner", "olga", Role.content_owner)
OTHER_OWNER = Principal("u-owner2", "pavel", Role.content_owner)


def _pdf(text: str) -> bytes:
    return samples.pdf_from_pages([("5 WARNINGS", [text])])


@pytest.mark.parametrize(
    ("dates", "words"),
    [
        ({"effective_date": "2027-01-01"}, "effective date 2027-01-01 is after today"),
        ({"effective_date": "2024-01-01", "expiry_date": "2025-01-01"}, "expiry date 2025-01-01 has passed"),
    ],
)
def test_approved_upload_outside_its_dates_does_not_retire_the_live_version(hub, meta, dates, words):
    live = hub.ingestion.ingest_bytes(_pdf("Zorbex may increase the risk of infections."), "v1.pdf", meta())
    new = hub.ingestion.ingest_bytes(
        _pdf("Zorbex may increase the risk of serious infections."), "v2.pdf", meta(version="2.0", **dates), actor=OWNER
    )
    assert new.status == "draft" and words in new.message and new.superseded == []
    assert hub.catalog.get_version(live.version_id).status == "approved"
    assert not hub.ask("Does Zorbex increase the risk of infections?").refused
    if "effective_date" in dates and dates["effective_date"] > TODAY.isoformat():
        with pytest.raises(Conflict, match="takes effect on 2027-01-01"):
            hub.set_status(new.version_id, "approved", actor=OWNER)


def test_four_eyes_approval_needs_a_second_content_owner(make_hub, meta):
    hub = make_hub(approval_four_eyes=True)
    up = hub.ingestion.ingest_bytes(_pdf("Zorbex storage is 2 to 8 C."), "s.pdf", meta(), actor=OWNER)
    assert up.status == "draft" and "HUB_APPROVAL_FOUR_EYES" in up.message
    with pytest.raises(Forbidden, match="another content owner"):
        hub.set_status(up.version_id, "approved", actor=OWNER)
    hub.set_status(up.version_id, "approved", actor=OTHER_OWNER)
    assert hub.catalog.get_version(up.version_id).status == "approved"
    approved = hub.audit.query(event="document.approved")[-1]
    assert approved.actor == "pavel" and approved.subject == up.version_id


def test_without_four_eyes_an_owner_may_approve_their_own_upload(hub, meta):
    up = hub.ingestion.ingest_bytes(_pdf("Zorbex storage is 2 to 8 C."), "s.pdf", meta(status="draft"), actor=OWNER)
    hub.set_status(up.version_id, "approved", actor=OWNER)
    assert hub.catalog.get_version(up.version_id).status == "approved"


@pytest.mark.parametrize(
    "query",
    [
        "offset=100000000000000000000",
        "offset=-1",
        "limit=0",
        "date_to=9999-12-31",
        "date_from=0001-01-01",
        "date_to=10000-01-01",
        "n=99999999999999999999",
    ],
)
def test_audit_paging_and_dates_are_validated_not_500(api_client, query):
    path = "/api/audit/sample?" + query if query.startswith("n=") else "/api/audit?" + query
    r = api_client(Role.compliance).get(path)
    assert r.status_code in (200, 422), r.text
    if "9999-12-31" in query or "0001-01-01" in query:
        assert r.status_code == 200 and isinstance(r.json(), list)


def test_learning_offset_overflow_is_422(api_client):
    r = api_client(Role.content_owner).get("/api/quiz-items?offset=100000000000000000000")
    assert r.status_code == 422


def _race_round(hubs: list[Hub], round_: int, meta) -> list[object]:  # type: ignore[no-untyped-def]
    gate = threading.Barrier(len(hubs))
    outcomes: list[object] = []
    for h in hubs:
        original = h.catalog.add_versions

        def synced(batch, *, before_commit=None, _original=original):  # type: ignore[no-untyped-def]
            gate.wait()  # both reach the catalog at the same moment
            return _original(batch, before_commit=before_commit)

        h.catalog.add_versions = synced  # type: ignore[method-assign]

    def upload(h: Hub, i: int) -> None:
        data = _pdf(f"Round {round_} text {i} about Zorbex.")
        try:
            outcomes.append(h.ingestion.ingest_bytes(data, f"r{i}.pdf", meta(title=f"Race {round_}")).outcome)
        except Conflict:
            outcomes.append("conflict")
        except Exception as exc:  # anything else would be a 500
            outcomes.append(repr(exc))

    threads = [threading.Thread(target=upload, args=(h, i)) for i, h in enumerate(hubs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for h in hubs:
        del h.catalog.add_versions  # back to the real method
    return outcomes


def test_simultaneous_first_uploads_of_one_title_never_fail_with_500(tmp_path, embedder, meta):
    # Two API workers (two hubs on one database), each uploading the first version of the same title.
    hubs = [build_hub(tmp_path / "data", embedder, today=TODAY) for _ in range(2)]
    for round_ in range(3):
        outcomes = _race_round(hubs, round_, meta)
        assert sorted(outcomes) in (["conflict", "ingested"], ["ingested", "ingested"]), outcomes
    stored = {p.name.split(".")[0] for p in (tmp_path / "data" / "files").iterdir()}
    assert stored == {v.sha256 for d in hubs[0].catalog.list_documents() for v in d.versions}  # no orphans
    assert hubs[0].audit.verify().ok


@pytest.mark.slow  # three CLI processes
def test_cli_ask_as_a_user_records_the_operator(tmp_path):
    env = {**os.environ, "HUB_DATA_DIR": str(tmp_path / "data"), "HUB_EMBEDDING_BACKEND": "torch"}
    hub_cli = [sys.executable, "-m", "mslhub"]
    subprocess.run([*hub_cli, "users", "add", "maria", "--role", "msl"], env=env, check=True, capture_output=True)
    run = subprocess.run(
        [*hub_cli, "ask", "What is the dose?", "--user", "maria", "--json"], env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    export = tmp_path / "audit.json"
    subprocess.run([*hub_cli, "audit", "export", "-o", str(export)], env=env, check=True, capture_output=True)
    assert oct(export.stat().st_mode & 0o777) == "0o600"  # owner-only
    records = json.loads(export.read_text())["records"]
    asked = [r for r in records if r["event"].startswith("answer.")][-1]
    assert asked["actor"] == "maria" and asked["payload"]["operator"].startswith("cli:")
