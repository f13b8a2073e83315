"""The in-memory exact dense index agrees with Chroma's filtered query and follows the catalog."""

from __future__ import annotations

import datetime as dt

import pytest

from hub.dense_index import ExactDenseIndex
from hub.vector_index import QueryFilters
from ingest.metadata import Status
from tests import samples

TODAY = dt.date(2026, 11, 25)
QUESTIONS = ["What is the recommended dose?", "infection risk", "storage temperature", "pregnancy"]


@pytest.fixture
def loaded(hub, label_pdf, meta):
    pages = [
        ("5 WARNINGS", ["Zorbex may increase the risk of serious infections such as tuberculosis."]),
        ("16 STORAGE", ["Store in a refrigerator at 2 to 8 degrees Celsius in the original carton."]),
    ]
    label = hub.ingestion.ingest_bytes(label_pdf, "label.pdf", meta())
    leaflet = hub.ingestion.ingest_bytes(
        samples.pdf_from_pages(pages), "leaflet.pdf", meta(title="Zorbex leaflet", doc_type="other", product="Zorbex")
    )
    hub.ingestion.ingest_bytes(
        samples.pdf_from_pages(pages + [("x", ["Old text."])]),
        "old.pdf",
        meta(title="Old leaflet", expiry_date="2025-01-01", effective_date="2024-01-01"),
    )
    hub.ingestion.ingest_bytes(
        samples.pdf_from_pages(pages + [("y", ["Other product."])]),
        "other.pdf",
        meta(title="Other leaflet", product="Otherix"),
    )
    return hub, label, leaflet


@pytest.mark.parametrize(
    "filters",
    [
        QueryFilters(TODAY),
        QueryFilters(TODAY, product="zorbex"),
        QueryFilters(TODAY, doc_type="other"),
        QueryFilters(TODAY, therapeutic_area="Dermatology", product="Otherix"),
        QueryFilters(dt.date(2024, 6, 1)),
    ],
)
def test_exact_search_matches_chroma_filtered_query(loaded, filters):
    hub, _, _ = loaded
    exact = ExactDenseIndex(hub.catalog, hub.vectors)
    encoder = hub.embedder()
    for q in QUESTIONS:
        v = encoder.encode_query(q)
        ours = exact.search(v, 50, filters)
        chroma = hub.vectors.search(v, 50, filters)
        assert [c for c, _ in ours] == [c for c, _ in chroma]
        assert [round(s, 4) for _, s in ours] == pytest.approx([round(s, 4) for _, s in chroma], abs=1e-3)


def test_exact_index_follows_lifecycle_changes(loaded):
    hub, label, leaflet = loaded
    exact = ExactDenseIndex(hub.catalog, hub.vectors)
    v = hub.embedder().encode_query("infection risk")
    label_ids = set(hub.catalog.chunk_ids_of(label.version_id))
    assert label_ids & {c for c, _ in exact.search(v, 100, QueryFilters(TODAY))}
    hub.ingestion.set_status(label.version_id, Status.withdrawn, "test")
    assert not label_ids & {c for c, _ in exact.search(v, 100, QueryFilters(TODAY))}
    hub.ingestion.set_status(label.version_id, Status.approved)
    assert label_ids & {c for c, _ in exact.search(v, 100, QueryFilters(TODAY))}


def test_empty_index_and_no_match_return_nothing(hub):
    exact = ExactDenseIndex(hub.catalog, hub.vectors)
    v = hub.embedder().encode_query("anything")
    assert exact.search(v, 10, QueryFilters(TODAY)) == []
