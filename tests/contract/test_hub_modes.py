"""The whole hub, the same way in both modes: two hubs on one store stand for two workers."""

from __future__ import annotations

import datetime as dt

from hub.auth import Principal, Role
from hub.service import Hub
from tests import samples

TODAY = dt.date(2026, 11, 25)
OWNER = Principal("u1", "olivia", Role.content_owner)
QUESTION = "What is the maintenance dose of Zorbex?"


def _pdf(dose: str) -> bytes:
    return samples.pdf_from_pages(
        [("2 DOSAGE AND ADMINISTRATION", [f"The maintenance dose of Zorbex is {dose} every 8 weeks."])]
    )


def test_two_workers_share_content_lifecycle_and_originals(backend, embedder, meta):
    # A generous refresh wait keeps this test about propagation, not about timing on a busy machine.
    worker_a = Hub(backend.settings(index_refresh_wait_s=30), clock=lambda: TODAY, embedder=embedder)
    worker_b = Hub(backend.settings(index_refresh_wait_s=30), clock=lambda: TODAY, embedder=embedder)
    try:
        assert worker_b.ask(QUESTION).refused
        first = worker_a.ingestion.ingest_bytes(_pdf("100 mg"), "label-v1.pdf", meta(version="1.0"), actor=OWNER)
        answer = worker_b.ask(QUESTION)
        assert "100 mg" in answer.answer and {c.version for c in answer.citations} == {"1.0"}

        second = worker_b.ingestion.ingest_bytes(_pdf("150 mg"), "label-v2.pdf", meta(version="2.0"), actor=OWNER)
        assert second.superseded == [first.version_id]
        for worker in (worker_a, worker_b):
            answer = worker.ask(QUESTION)
            assert "150 mg" in answer.answer and "100 mg" not in answer.answer

        worker_a.set_status(second.version_id, "withdrawn", actor=OWNER, reason="label recalled")
        assert worker_b.ask(QUESTION).refused

        # Either worker can fetch (and so re-process) the original the other one received.
        version = worker_b.catalog.get_version(first.version_id)
        assert worker_b.catalog.original(version.sha256).data == _pdf("100 mg")
        assert worker_a.audit.verify().ok
        events = [e.event for e in worker_b.audit.query(limit=100)]
        assert events.count("document.uploaded") == 2 and "document.withdrawn" in events
    finally:
        for worker in (worker_a, worker_b):
            worker.catalog.engine.dispose()
