"""The quiz eval's near-duplicate measure and per-document report, on rows the test writes."""

from __future__ import annotations

from types import SimpleNamespace

from evals.quiz import near_duplicates, to_markdown
from hub.learning.facts import Lexicon


def row(doc: str, kind: str, answer: str, passage: str, original: str = "") -> SimpleNamespace:
    return SimpleNamespace(document_id=doc, type=kind, answer=answer, passage=passage, original=original)


def test_near_duplicates_need_same_document_same_fact_and_half_the_words() -> None:
    lex = Lexicon()
    full = "The recommended dosage is 80 mg orally once daily with food."
    highlights = "Recommended dosage is 80 mg orally once daily."
    rows = [
        row("d1", "mcq", "80 mg", full),
        row("d1", "true_false", "True", highlights),  # states 80 mg in a passage sharing most words: a repeat
        row("d2", "cloze", "80 mg", full),  # another document: not a repeat
        row("d1", "cloze", "20 mg", "Reduce the dosage to 20 mg orally once daily in hepatic impairment."),
        row("d1", "true_false", "False", "Nausea occurred in 12% of patients given 80 mg.", original="12%"),
    ]
    assert near_duplicates(rows, lex) == 1


def test_markdown_lists_each_document_with_coverage() -> None:
    report = {
        "corpus": "c",
        "today": "2026-11-25",
        "documents": 1,
        "chunks": 3,
        "generated": 4,
        "kept": 2,
        "kept_share": 0.5,
        "rejected": {"duplicate_fact": 2},
        "by_type": {"mcq": {"generated": 4, "kept": 2}},
        "near_duplicates": 0,
        "near_duplicate_share": 0.0,
        "seed": 1,
        "sample": [],
        "per_document": [
            {
                "document": "Vantorin PI",
                "doc_type": "label",
                "items": 2,
                "by_type": {"mcq": 2},
                "covered": ["dosage"],
                "missing": ["contraindications"],
                "duplicates_removed": 2,
                "near_duplicates": 0,
            }
        ],
    }
    text = to_markdown(report)
    assert "| Vantorin PI | label | 2 | mcq 2 | dosage | contraindications | 2 | 0 |" in text
