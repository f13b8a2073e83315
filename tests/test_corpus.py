"""The sample corpus end to end: retired content is never cited, questions it cannot answer are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import CORPUS, TODAY
from tests.samples import build_hub

pytestmark = pytest.mark.slow
QUESTIONS = Path(__file__).resolve().parents[1] / "evals" / "questions.jsonl"
RETIRED = {"lumerza-launch-deck-2024.pptx", "lumerza-dosing-quick-reference-v1.pdf"}


@pytest.fixture(scope="module")
def corpus_hub(tmp_path_factory, embedder):
    hub = build_hub(tmp_path_factory.mktemp("corpus") / "data", embedder, today=TODAY)
    results = hub.ingestion.ingest_paths([CORPUS])
    assert not [r for r in results if r.outcome == "failed"], [r.message for r in results if r.outcome == "failed"]
    return hub


def _questions():
    return [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]


def test_every_sample_file_is_ingested_with_pages(corpus_hub):
    docs = {v.source_file: v for d in corpus_hub.catalog.list_documents() for v in d.versions}
    assert (
        set(docs)
        >= {
            "lumerza-prescribing-information.pdf",
            "lumerza-clinical-overview-deck.pptx",
            "lumerza-dosing-faq.docx",
            "lumerza-storage-handling.md",
        }
        | RETIRED
    )
    assert docs["lumerza-prescribing-information.pdf"].page_count >= 10
    assert docs["lumerza-clinical-overview-deck.pptx"].page_count >= 12
    assert docs["lumerza-dosing-quick-reference-v1.pdf"].status == "withdrawn"
    assert not docs["lumerza-launch-deck-2024.pptx"].is_retrievable(TODAY)


def test_retired_documents_are_never_cited_or_retrieved(corpus_hub):
    retired_versions = {
        v.id for d in corpus_hub.catalog.list_documents() for v in d.versions if v.source_file in RETIRED
    }
    for q in _questions():
        answer = corpus_hub.ask(q["question"])
        assert not {c.source_file for c in answer.citations} & RETIRED, q["id"]
        assert not {r["version_id"] for r in answer.retrieved} & retired_versions, q["id"]


def test_retired_only_facts_do_not_surface(corpus_hub):
    # "every 8 weeks" maintenance appears only in the withdrawn quick reference
    answer = corpus_hub.ask("Is the maintenance dose given every 8 weeks?")
    assert all("LUMERZA 150 mg every 8 weeks" not in c.quote for c in answer.citations)
    interim = corpus_hub.ask("What interim PASI 90 response did LUMEN-1 report at week 12?")
    assert "68.0%" not in interim.answer


def test_off_topic_questions_are_refused(corpus_hub):
    for q in [
        "What is the list price of a LUMERZA pen in Germany?",
        "Has lumeracept been studied in hidradenitis suppurativa?",
        "What is the recommended first-line treatment for moderate acne vulgaris?",
    ]:
        answer = corpus_hub.ask(q)
        assert answer.refused, (q, answer.answer)
        assert answer.reason and answer.citations == []


def test_answers_cite_the_gold_page_for_direct_questions(corpus_hub):
    by_id = {q["id"]: q for q in _questions()}
    hits = 0
    chosen = ["q007", "q016", "q022", "q038", "q046", "q047"]
    for qid in chosen:
        q = by_id[qid]
        answer = corpus_hub.ask(q["question"])
        hits += (q["source_file"], q["page"]) in {(c.source_file, c.page) for c in answer.citations}
        for c in answer.citations:
            assert f"[{c.n}]" in answer.answer and c.quote in answer.answer
    assert hits == len(chosen)
