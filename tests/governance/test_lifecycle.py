"""Document lifecycle: every transition allowed and refused, expiry at query time, supersession."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from hub.auth import Principal, Role
from hub.errors import Conflict, Forbidden, InvalidInput
from hub.lifecycle import TRANSITIONS
from ingest.metadata import Status
from tests import samples
from tests.conftest import TODAY
from tests.samples import build_hub, zorbex_meta

OWNER = Principal("u1", "olivia", Role.content_owner)
SYSTEM = Principal.system("test")
_n = itertools.count()


def _pdf(text: str) -> bytes:
    return samples.pdf_from_pages([("2 DOSAGE AND ADMINISTRATION", [text])])


def _version(hub, status: str, **fields):
    """A fresh document with one version in ``status`` (unique text, so never a no-op)."""
    n = next(_n)
    r = hub.ingestion.ingest_bytes(
        _pdf(f"Leaflet {n} says the Zorbex dose is {n} mg."),
        f"doc{n}.pdf",
        zorbex_meta(title=f"Leaflet {n}", status=status, **fields),
    )
    return r.version_id


@pytest.fixture(scope="module")
def shared_hub(tmp_path_factory, embedder):
    return build_hub(tmp_path_factory.mktemp("lifecycle") / "data", embedder, today=TODAY)


ALLOWED = [(t.source, t.target) for t in TRANSITIONS]
REFUSED = [(s, t) for s in Status for t in Status if (s, t) not in ALLOWED]


@pytest.mark.parametrize(("source", "target"), ALLOWED, ids=[f"{s}->{t}" for s, t in ALLOWED])
def test_allowed_transition(shared_hub, source, target):
    hub = shared_hub
    vid = _version(hub, source)
    rule = next(t for t in TRANSITIONS if (t.source, t.target) == (source, target))
    actor = SYSTEM if rule.by == "system" else OWNER
    hub.set_status(vid, target, actor=actor, reason="checked by medical review")
    assert hub.catalog.get_version(vid).status == target
    record = hub.audit.query(event=f"document.{target}", limit=10_000)[-1]
    assert record.subject == vid and record.payload["from"] == source and record.payload["to"] == target
    assert record.actor == actor.name and record.role == actor.role_label


@pytest.mark.parametrize(("source", "target"), REFUSED, ids=[f"{s}->{t}" for s, t in REFUSED])
def test_refused_transition_is_a_conflict_naming_the_state(shared_hub, source, target):
    hub = shared_hub
    vid = _version(hub, source)
    before = hub.audit.count()
    with pytest.raises(Conflict) as info:
        hub.set_status(vid, target, actor=OWNER, reason="because")
    assert f"cannot change a version from {source} to {target}" in info.value.message
    if source in ("draft", "approved", "superseded"):
        assert "allowed:" in info.value.message
    else:
        assert "is final" in info.value.message
    assert hub.catalog.get_version(vid).status == source and hub.audit.count() == before


@pytest.mark.parametrize("target", [Status.superseded, Status.expired])
def test_system_only_transitions_are_refused_to_people(shared_hub, target):
    vid = _version(shared_hub, "approved")
    with pytest.raises(Conflict, match="automatic only"):
        shared_hub.set_status(vid, target, actor=OWNER)


@pytest.mark.parametrize("role", [r for r in Role if r != Role.content_owner])
def test_other_roles_may_not_approve_or_withdraw(shared_hub, role):
    person = Principal("x", "x", role)
    draft, live = _version(shared_hub, "draft"), _version(shared_hub, "approved")
    with pytest.raises(Forbidden):
        shared_hub.set_status(draft, Status.approved, actor=person)
    with pytest.raises(Forbidden):
        shared_hub.set_status(live, Status.withdrawn, actor=person, reason="no")
    assert shared_hub.catalog.get_version(live).status == "approved"


@pytest.mark.parametrize("source", ["draft", "approved"])
def test_withdrawing_needs_a_reason(shared_hub, source):
    vid = _version(shared_hub, source)
    with pytest.raises(InvalidInput, match="reason"):
        shared_hub.set_status(vid, Status.withdrawn, actor=OWNER, reason="   ")


def test_approving_an_older_draft_or_an_expired_one_is_refused(shared_hub):
    hub = shared_hub
    old = hub.ingestion.ingest_bytes(
        _pdf("Old draft: the Zorbex dose is 75 mg."),
        "o.pdf",
        zorbex_meta(title="Dosing card", version="1.0", status="draft"),
    )
    hub.ingestion.ingest_bytes(
        _pdf("Current: the Zorbex dose is 90 mg."), "n.pdf", zorbex_meta(title="Dosing card", version="2.0")
    )
    with pytest.raises(Conflict, match="newer version"):
        hub.set_status(old.version_id, Status.approved, actor=OWNER)
    stale = _version(hub, "draft", effective_date="2024-01-01", expiry_date="2025-01-01")
    with pytest.raises(Conflict, match="expired on 2025-01-01"):
        hub.set_status(stale, Status.approved, actor=OWNER)


def test_api_approve_supersedes_and_retires_and_history_shows_it(hub, api_client):
    retired: list[list[str]] = []
    hub.retire_listeners.append(retired.append)
    owner, msl = api_client("content_owner"), api_client("msl")
    v1 = hub.ingestion.ingest_bytes(
        _pdf("The maintenance dose of Zorbex is 100 mg every 8 weeks."), "v1.pdf", zorbex_meta(version="1.0")
    )
    v2 = hub.ingestion.ingest_bytes(
        _pdf("The maintenance dose of Zorbex is 150 mg every 12 weeks."),
        "v2.pdf",
        zorbex_meta(version="2.0", status="draft"),
    )
    doc = v1.document_id
    before = msl.post("/api/ask", json={"question": "What is the maintenance dose of Zorbex?"}).json()
    assert "100 mg" in before["answer"]
    r = owner.post(f"/api/documents/{doc}/approve")
    assert r.status_code == 200 and r.json()["version_id"] == v2.version_id
    assert r.json()["superseded"] == [v1.version_id]
    assert retired == [[v1.version_id]]
    answer = msl.post("/api/ask", json={"question": "What is the maintenance dose of Zorbex?"}).json()
    assert "150 mg every 12 weeks" in answer["answer"] and "100 mg" not in answer["answer"]
    assert {c["version"] for c in answer["citations"]} == {"2.0"}
    history = msl.get(f"/api/documents/{doc}/versions").json()
    assert [(h["version"], h["status"], h["retrievable"]) for h in history] == [
        ("1.0", "superseded", False),
        ("2.0", "approved", True),
    ]
    assert "superseded by version 2.0" in history[0]["status_reason"]
    events = [(e.event, e.subject) for e in hub.audit.query(event=["document.approved", "document.superseded"])]
    assert events == [("document.approved", v2.version_id), ("document.superseded", v1.version_id)]
    again = owner.post(f"/api/documents/{doc}/approve")
    assert again.status_code == 409 and "no draft version" in again.json()["error"]


def test_api_withdraw_needs_reason_then_hides_and_is_final(hub, api_client, label_pdf):
    retired: list[list[str]] = []
    hub.retire_listeners.append(retired.append)
    owner, msl = api_client("content_owner"), api_client("msl")
    v = hub.ingestion.ingest_bytes(label_pdf, "label.pdf", zorbex_meta())
    url = f"/api/documents/{v.document_id}/withdraw"
    r = owner.post(url, json={})
    assert r.status_code == 422 and "reason" in r.json()["error"]
    assert not msl.post("/api/ask", json={"question": "What is the recommended dose of Zorbex?"}).json()["refused"]
    r = owner.post(url, json={"reason": "dosing error found on page 2"})
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert retired == [[v.version_id]]
    assert msl.post("/api/ask", json={"question": "What is the recommended dose of Zorbex?"}).json()["refused"]
    record = hub.audit.query(event="document.withdrawn")[0]
    assert record.payload["reason"] == "dosing error found on page 2" and record.actor == "test-content-owner"
    again = owner.post(url, json={"reason": "again", "version_id": v.version_id})
    assert again.status_code == 409 and "withdrawn" in again.json()["error"] and "final" in again.json()["error"]
    assert owner.post(url, json={"reason": "x", "version_id": "nope"}).status_code == 404
    assert owner.post("/api/documents/nope/withdraw", json={"reason": "x"}).status_code == 404


def test_upload_of_a_new_version_is_audited_and_retires_the_old(hub):
    retired: list[list[str]] = []
    hub.retire_listeners.append(retired.append)
    v1 = hub.ingestion.ingest_bytes(
        _pdf("The Zorbex dose is 100 mg."), "a.pdf", zorbex_meta(version="1.0"), actor=OWNER
    )
    v2 = hub.ingestion.ingest_bytes(
        _pdf("The Zorbex dose is 150 mg."), "b.pdf", zorbex_meta(version="2.0"), actor=OWNER
    )
    assert retired == [[v1.version_id]]
    uploads = hub.audit.query(event="document.uploaded")
    assert [(u.subject, u.actor, u.payload["version"]) for u in uploads] == [
        (v1.version_id, "olivia", "1.0"),
        (v2.version_id, "olivia", "2.0"),
    ]
    assert uploads[0].payload["sha256"] and uploads[0].product == "Zorbex"
    sup = hub.audit.query(event="document.superseded")
    assert [(s.subject, s.payload["superseded_by"]) for s in sup] == [(v1.version_id, v2.version_id)]
    assert hub.ask("What is the dose of Zorbex?").citations[0].version == "2.0"
    assert hub.audit.verify().ok


def test_expiry_at_query_time_and_the_daily_sweep(tmp_path, embedder):
    """A version whose last valid day is today answers today and not tomorrow, swept or not."""
    day = {"d": TODAY}
    hub = build_hub(tmp_path / "data", embedder, now=lambda: dt.datetime.combine(day["d"], dt.time(9), dt.UTC))
    retired: list[list[str]] = []
    hub.retire_listeners.append(retired.append)
    v = hub.ingestion.ingest_bytes(
        _pdf("Zorbex may increase the risk of serious infections."), "w.pdf", zorbex_meta(expiry_date=TODAY.isoformat())
    )
    question = "Does Zorbex increase the risk of infections?"
    assert not hub.ask(question).refused
    day["d"] = TODAY + dt.timedelta(days=1)
    hub._swept_on = day["d"]  # pretend the sweep already ran: the date filter alone must hide it
    assert hub.ask(question).refused
    assert hub.catalog.get_version(v.version_id).status == "approved" and retired == []
    hub._swept_on = None
    answer = hub.ask(question)  # first question of the day runs the sweep
    assert answer.refused
    assert hub.catalog.get_version(v.version_id).status == "expired" and retired == [[v.version_id]]
    expired = hub.audit.query(event="document.expired")
    assert [(e.subject, e.role, e.ts[:10]) for e in expired] == [(v.version_id, "system", "2026-11-26")]
    hub.ask(question)
    assert len(hub.audit.query(event="document.expired")) == 1  # once per day, not per question


def test_sweep_runs_at_start_up(tmp_path, embedder):
    first = build_hub(tmp_path / "data", embedder, today=TODAY)
    v = first.ingestion.ingest_bytes(_pdf("Zorbex storage is 2-8 C."), "s.pdf", zorbex_meta(expiry_date="2026-11-30"))
    later = build_hub(tmp_path / "data", embedder, today=dt.date(2026, 12, 1))
    assert later.catalog.get_version(v.version_id).status == "expired"
    assert later.audit.query(event="document.expired")[0].subject == v.version_id


def test_a_change_based_on_a_stale_state_is_refused(hub):
    """Two people acting on the same old state: the catalog's compare-and-set lets only one through."""
    vid = _version(hub, "approved")
    hub.ingestion.set_status(vid, Status.withdrawn, "moved", expect="approved")
    with pytest.raises(Conflict, match="no longer approved"):
        hub.ingestion.set_status(vid, Status.withdrawn, "again", expect="approved")
