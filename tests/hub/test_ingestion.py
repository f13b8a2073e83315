"""Ingestion through the real catalog (SQLite), Chroma and model: failures leave nothing behind."""

from __future__ import annotations

import datetime as dt

import pytest

from hub.errors import FileTooLargeError, InvalidInput
from tests import samples


def _state(hub) -> tuple[dict[str, int], int, list[str]]:
    files = (
        sorted(p.name for p in (hub.settings.data_dir / "files").glob("*"))
        if (hub.settings.data_dir / "files").exists()
        else []
    )
    return hub.catalog.counts(), hub.vectors.count(), files


def test_ingest_then_answer_with_page_citation(hub, label_pdf, meta):
    result = hub.ingestion.ingest_bytes(label_pdf, "zorbex-label.pdf", meta())
    assert result.outcome == "ingested" and result.pages == 4 and result.chunks >= 4
    answer = hub.ask("What is the recommended dose of Zorbex?")
    assert not answer.refused
    assert "150 mg" in answer.answer and "[1]" in answer.answer
    c = answer.citations[0]
    assert (c.title, c.version, c.page, c.source_file) == (
        "Zorbex Prescribing Information",
        "1.0",
        2,
        "zorbex-label.pdf",
    )
    assert c.quote in answer.answer


def test_identical_bytes_are_a_no_op(hub, label_pdf, meta):
    first = hub.ingestion.ingest_bytes(label_pdf, "zorbex-label.pdf", meta())
    before = _state(hub)
    again = hub.ingestion.ingest_bytes(label_pdf, "renamed.pdf", meta(version="9.9"))
    assert again.outcome == "unchanged" and again.version_id == first.version_id
    assert _state(hub) == before


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"%PDF-1.4 garbage \x00\x01", "corrupt.pdf"),
        (b"", "empty.pdf"),
        (samples.image_only_pdf(), "scan.pdf"),
        (b"not a zip at all", "deck.pptx"),
        (b"abc", "../../escape.pdf"),
    ],
)
def test_bad_files_leave_the_index_unchanged(hub, label_pdf, meta, data, name):
    hub.ingestion.ingest_bytes(label_pdf, "zorbex-label.pdf", meta())
    before = _state(hub)
    with pytest.raises(InvalidInput) as info:
        hub.ingestion.ingest_bytes(data, name, meta(title="Other"))
    assert info.value.message
    assert _state(hub) == before


def test_encrypted_pdf_leaves_index_unchanged(hub, label_pdf, meta):
    before = _state(hub)
    with pytest.raises(InvalidInput, match="password"):
        hub.ingestion.ingest_bytes(samples.encrypted_pdf(label_pdf), "locked.pdf", meta())
    assert _state(hub) == before


def test_oversized_file_is_refused(make_hub, label_pdf, meta):
    hub = make_hub(max_upload_mb=0.001)
    with pytest.raises(FileTooLargeError, match="limit"):
        hub.ingestion.ingest_bytes(label_pdf, "zorbex-label.pdf", meta())
    assert hub.catalog.counts()["versions"] == 0


def test_new_version_replaces_old_in_answers(hub, meta):
    old = samples.pdf_from_pages(
        [("2 DOSAGE AND ADMINISTRATION", ["The maintenance dose of Zorbex is 100 mg every 8 weeks."])]
    )
    new = samples.pdf_from_pages(
        [("2 DOSAGE AND ADMINISTRATION", ["The maintenance dose of Zorbex is 150 mg every 12 weeks."])]
    )
    v1 = hub.ingestion.ingest_bytes(old, "label-v1.pdf", meta(version="1.0"))
    assert "100 mg" in hub.ask("What is the maintenance dose of Zorbex?").answer
    v2 = hub.ingestion.ingest_bytes(new, "label-v2.pdf", meta(version="2.0"))
    assert v2.superseded == [v1.version_id]
    answer = hub.ask("What is the maintenance dose of Zorbex?")
    assert "150 mg every 12 weeks" in answer.answer and "100 mg" not in answer.answer
    assert {c.version for c in answer.citations} == {"2.0"}
    doc = hub.catalog.get_document(v2.document_id)
    assert [(v.version_label, v.status) for v in doc.versions] == [("1.0", "superseded"), ("2.0", "approved")]


def _all_cited_versions(hub, questions):
    return {c.version_id for q in questions for c in hub.ask(q).citations}


def test_expired_withdrawn_and_draft_content_is_never_cited(hub, meta):
    pages = [("5 WARNINGS", ["Zorbex may increase the risk of serious infections such as tuberculosis."])]
    expired = hub.ingestion.ingest_bytes(
        samples.pdf_from_pages(pages),
        "old.pdf",
        meta(title="Old deck", effective_date="2024-01-01", expiry_date="2025-06-30"),
    )
    withdrawn = hub.ingestion.ingest_bytes(
        samples.pdf_from_pages(pages + [("x", ["Withdrawn copy."])]),
        "w.pdf",
        meta(title="Withdrawn leaflet", status="withdrawn"),
    )
    draft = hub.ingestion.ingest_bytes(
        samples.pdf_from_pages(pages + [("y", ["Draft copy."])]), "d.pdf", meta(title="Draft leaflet", status="draft")
    )
    future = hub.ingestion.ingest_bytes(
        samples.pdf_from_pages(pages + [("z", ["Future copy."])]),
        "f.pdf",
        meta(title="Future leaflet", effective_date="2027-01-01"),
    )
    questions = ["Does Zorbex increase the risk of infections?", "tuberculosis risk", "serious infections warning"]
    for q in questions:
        answer = hub.ask(q)
        assert answer.refused, answer.answer
        assert all(
            r["version_id"] not in {expired.version_id, withdrawn.version_id, draft.version_id, future.version_id}
            for r in answer.retrieved
        )


def test_expiry_is_enforced_at_query_time(make_hub, meta):
    pages = [("5 WARNINGS", ["Zorbex may increase the risk of serious infections such as tuberculosis."])]
    today = {"d": dt.date(2026, 6, 30)}
    hub = make_hub()
    hub.clock = lambda: today["d"]
    hub.ingestion.ingest_bytes(samples.pdf_from_pages(pages), "w.pdf", meta(expiry_date="2026-06-30"))
    assert not hub.ask("Does Zorbex increase the risk of infections?").refused
    today["d"] = dt.date(2026, 7, 1)  # the day after expiry, with no change to the catalog
    assert hub.ask("Does Zorbex increase the risk of infections?").refused


def test_unanswerable_question_is_refused(hub, label_pdf, meta):
    hub.ingestion.ingest_bytes(label_pdf, "zorbex-label.pdf", meta())
    answer = hub.ask("What is the list price of Zorbex in Germany?")
    # The reason names what the approved content lacks.
    assert answer.refused and answer.citations == [] and "Germany" in answer.reason


def test_filters_apply_inside_retrieval(hub, label_pdf, meta):
    hub.ingestion.ingest_bytes(label_pdf, "zorbex-label.pdf", meta())
    from hub.service import AskFilters

    assert hub.ask("What is the dose?", AskFilters(product="Zorbex")).citations
    other = hub.ask("What is the dose?", AskFilters(product="Another"))
    assert other.refused and other.retrieved == [] and "filters" in other.reason
    with pytest.raises(InvalidInput, match="doc_type"):
        hub.ask("What is the dose?", AskFilters(doc_type="poster"))


def test_withdrawing_hides_immediately_and_approving_restores(hub, label_pdf, meta):
    from ingest.metadata import Status

    v = hub.ingestion.ingest_bytes(label_pdf, "zorbex-label.pdf", meta())
    hub.ingestion.set_status(v.version_id, Status.withdrawn, "error found")
    assert hub.ask("What is the recommended dose of Zorbex?").refused
    hub.ingestion.set_status(v.version_id, Status.approved)
    assert not hub.ask("What is the recommended dose of Zorbex?").refused


def test_batch_reports_per_file_and_goes_on(hub, tmp_path, label_pdf):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "label.pdf").write_bytes(label_pdf)
    (folder / "label.meta.yaml").write_text("title: Zorbex label\ndoc_type: label\n")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 broken")
    (folder / "broken.meta.yaml").write_text("title: Broken\ndoc_type: label\n")
    (folder / "badmeta.pdf").write_bytes(label_pdf + b"\n")
    (folder / "badmeta.meta.yaml").write_text("title: Bad\ndoc_type: poster\n")
    (folder / "notes.txt").write_text("no sidecar here")
    results = {r.file: r for r in hub.ingestion.ingest_paths([folder])}
    assert results["label.pdf"].outcome == "ingested"
    assert results["broken.pdf"].outcome == "failed" and "could not be read" in results["broken.pdf"].message
    assert results["badmeta.pdf"].outcome == "failed" and "doc_type" in results["badmeta.pdf"].message
    assert results["notes.txt"].outcome == "skipped"
    assert hub.catalog.counts()["versions"] == 1
