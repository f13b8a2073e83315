"""Verify the evaluation question set against the built sample corpus.

Checks performed (exit status 1 and a list of problems if any fails):

* every corpus document has a ``<stem>.meta.yaml`` sidecar with exactly the
  expected keys, and every document shows the fictional-content disclaimer on
  its first page or slide (and on every PDF page);
* every entry in ``evals/questions.jsonl`` has the expected keys, a unique id
  and a known category;
* every answerable entry cites a current approved document and page, and its
  evidence sentence, whitespace-collapsed, occurs in the text extracted from
  that page (pypdf for PDF pages; slide text, table cells and speaker notes for
  PPTX slides; the whole text for DOCX and Markdown, where ``page`` is 1);
* unanswerable and retired-content entries have null answer, source_file,
  page and evidence;
* statements that exist only in retired documents, and topics that the
  unanswerable questions rely on being absent, do not occur in any current
  approved document.

Run with any Python that has pypdf, python-pptx, python-docx and PyYAML:
``python corpus/check_questions.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from docx import Document
from pptx import Presentation
from pypdf import PdfReader

CORPUS_DIR = Path(__file__).resolve().parent
QUESTIONS = CORPUS_DIR.parent / "evals" / "questions.jsonl"
# The build script is the one place the disclaimer and sidecar keys are defined.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from build import DISCLAIMER, META_KEYS  # noqa: E402

DOCUMENT_SUFFIXES = (".pdf", ".pptx", ".docx", ".md")
QUESTION_KEYS = ["id", "question", "answer", "source_file", "page", "evidence", "category"]
CATEGORIES = {
    "dosing",
    "efficacy",
    "safety",
    "mechanism",
    "pharmacokinetics",
    "drug_interactions",
    "special_populations",
    "study_design",
    "guideline",
    "storage",
    "unanswerable",
    "retired_content",
}
# Date at which "current" is judged: all current documents are effective
# before it and expire after it (see corpus/README.md).
REFERENCE_DATE = dt.date(2026, 11, 1)

# Statements that only retired (expired or withdrawn) documents contain.
RETIRED_ONLY = {
    "lumerza-launch-deck-2024.pptx": [
        "Interim PASI 90 response of 68.0% at week 12",
        "67.9% (300 mg)",
    ],
    "lumerza-dosing-quick-reference-v1.pdf": [
        "needle-free LUMERZA training pen",
        "every 8 weeks thereafter",
    ],
}
# Terms that must not occur in current documents so that the unanswerable
# and retired-content questions stay unanswerable (case-insensitive, whole word).
ABSENT_FROM_CURRENT = [
    "training pen",
    "68.0%",
    "300 mg arm",
    "price",
    "reimbursed",
    "reimbursement",
    "NHS",
    "NICE",
    "Germany",
    "hidradenitis",
    "secukinumab",
    "acne",
    "Japan",
    "patent",
    "atopic",
    "co-pay",
    "copay",
    "alopecia",
    "EMA",
    "SmPC",
    "cost-effectiveness",
    "ICER",
]


def collapse(text: str) -> str:
    """Collapse every run of whitespace to a single space."""
    return re.sub(r"\s+", " ", text).strip()


@cache
def pages_of(name: str) -> tuple[str, ...]:
    """Return the whitespace-collapsed text of each page/slide of a document.

    DOCX and Markdown files are returned as a single page.
    """
    path = CORPUS_DIR / name
    if path.suffix == ".pdf":
        return tuple(collapse(page.extract_text() or "") for page in PdfReader(path).pages)
    if path.suffix == ".pptx":
        slides = []
        for slide in Presentation(str(path)).slides:
            parts: list[str] = []
            for shape in slide.shapes:
                if shape.has_text_frame:
                    parts.append(shape.text_frame.text)
                if shape.has_table:
                    for row in shape.table.rows:
                        parts.extend(cell.text for cell in row.cells)
            if slide.has_notes_slide:
                parts.append(slide.notes_slide.notes_text_frame.text)
            slides.append(collapse("\n".join(parts)))
        return tuple(slides)
    if path.suffix == ".docx":
        document = Document(str(path))
        parts = [p.text for p in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                parts.extend(cell.text for cell in row.cells)
        return (collapse("\n".join(parts)),)
    if path.suffix == ".md":
        return (collapse(path.read_text(encoding="utf-8")),)
    raise ValueError(f"unsupported document type: {name}")


def load_meta(name: str) -> dict[str, Any]:
    """Load the sidecar metadata of a corpus document."""
    stem = name.rsplit(".", 1)[0]
    return yaml.safe_load((CORPUS_DIR / f"{stem}.meta.yaml").read_text(encoding="utf-8"))


def is_current(meta: dict[str, Any]) -> bool:
    """Return True if a document is approved and in date at REFERENCE_DATE."""
    return meta["status"] == "approved" and meta["effective_date"] <= REFERENCE_DATE < meta["expiry_date"]


def check_documents(problems: list[str]) -> dict[str, dict[str, Any]]:
    """Check sidecars and disclaimers; return the metadata of every document."""
    metas: dict[str, dict[str, Any]] = {}
    for path in sorted(CORPUS_DIR.iterdir()):
        if path.suffix not in DOCUMENT_SUFFIXES or path.name == "README.md":
            continue
        try:
            meta = load_meta(path.name)
        except FileNotFoundError:
            problems.append(f"{path.name}: missing sidecar metadata")
            continue
        if tuple(meta) != META_KEYS:
            problems.append(f"{path.name}: sidecar keys {list(meta)} != {META_KEYS}")
            continue
        metas[path.name] = meta
        pages = pages_of(path.name)
        if DISCLAIMER not in pages[0]:
            problems.append(f"{path.name}: disclaimer missing from first page/slide")
        if path.suffix == ".pdf":
            for number, text in enumerate(pages, start=1):
                if DISCLAIMER not in text:
                    problems.append(f"{path.name}: disclaimer missing from page {number}")
    return metas


def check_corpus_terms(metas: dict[str, dict[str, Any]], problems: list[str]) -> None:
    """Check retired-only statements and absent topics against current documents."""
    current = [name for name, meta in metas.items() if is_current(meta)]
    for retired, phrases in RETIRED_ONLY.items():
        if retired not in metas or is_current(metas[retired]):
            problems.append(f"{retired}: expected a retired (expired or withdrawn) document")
            continue
        retired_text = " ".join(pages_of(retired))
        for phrase in phrases:
            if phrase not in retired_text:
                problems.append(f"{retired}: retired phrase {phrase!r} not found")
    for name in current:
        text = " ".join(pages_of(name))
        for phrases in RETIRED_ONLY.values():
            for phrase in phrases[:1]:
                if phrase.lower() in text.lower():
                    problems.append(f"{name}: contains retired-only statement {phrase!r}")
        for term in ABSENT_FROM_CURRENT:
            flags = 0 if term.isupper() else re.IGNORECASE
            if re.search(r"(?<!\w)" + re.escape(term) + r"(?!\w)", text, flags):
                problems.append(f"{name}: contains term {term!r} that must stay absent")


def check_questions(metas: dict[str, dict[str, Any]], problems: list[str]) -> dict[str, int]:
    """Check every question entry; return the number of questions per category."""
    counts: dict[str, int] = {}
    seen: set[str] = set()
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        entry = json.loads(line)
        qid = entry.get("id", f"line {number}")
        if list(entry) != QUESTION_KEYS:
            problems.append(f"{qid}: keys {list(entry)} != {QUESTION_KEYS}")
            continue
        if qid in seen:
            problems.append(f"{qid}: duplicate id")
        seen.add(qid)
        category = entry["category"]
        counts[category] = counts.get(category, 0) + 1
        if category not in CATEGORIES:
            problems.append(f"{qid}: unknown category {category!r}")
        if category in ("unanswerable", "retired_content"):
            for key in ("answer", "source_file", "page", "evidence"):
                if entry[key] is not None:
                    problems.append(f"{qid}: {key} must be null for {category}")
            continue
        source, page, evidence = entry["source_file"], entry["page"], entry["evidence"]
        if not entry["answer"] or not evidence:
            problems.append(f"{qid}: answerable entry needs answer and evidence")
            continue
        if source not in metas:
            problems.append(f"{qid}: unknown source_file {source!r}")
            continue
        if not is_current(metas[source]):
            problems.append(f"{qid}: source_file {source} is not a current approved document")
        pages = pages_of(source)
        if not isinstance(page, int) or not 1 <= page <= len(pages):
            problems.append(f"{qid}: page {page!r} out of range for {source}")
            continue
        if collapse(evidence) not in pages[page - 1]:
            found = [n for n, text in enumerate(pages, start=1) if collapse(evidence) in text]
            hint = f" (found on page {found})" if found else ""
            problems.append(f"{qid}: evidence not on {source} page {page}{hint}")
    return counts


def main() -> int:
    """Run all checks and print a one-line summary; return the exit status."""
    problems: list[str] = []
    metas = check_documents(problems)
    check_corpus_terms(metas, problems)
    counts = check_questions(metas, problems)
    for problem in problems:
        print(f"FAIL {problem}")
    summary = ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
    status = "FAILED" if problems else "OK"
    print(f"{status}: {sum(counts.values())} questions ({summary}); {len(metas)} documents")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
