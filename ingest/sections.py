"""Section kinds: what part of a document a chunk comes from, decided from its headings.

A US prescribing information has a fixed anatomy (Highlights, then numbered sections 1-17, then
patient-facing parts); articles have front matter, IMRaD sections and a reference list; slide
decks have titles, bullets, tables and speaker notes. Every chunk records one kind from
:data:`SECTION_KINDS`, so retrieval can route a question ("what dose" -> dosage) and the answer
composer can keep reference lists, contents pages and front matter out of quotes.

The rules read heading words only, never a particular document: they hold for any label,
guidance, article or deck laid out the usual way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SECTION_KINDS = (
    "highlights",
    "boxed_warning",
    "contents",
    "indications",
    "dosage",
    "dosage_forms",
    "contraindications",
    "warnings",
    "adverse_reactions",
    "drug_interactions",
    "specific_populations",
    "overdosage",
    "description",
    "clinical_pharmacology",
    "nonclinical_toxicology",
    "clinical_studies",
    "how_supplied",
    "patient_counseling",
    "patient_info",
    "front_matter",
    "abstract",
    "introduction",
    "methods",
    "results",
    "discussion",
    "conclusions",
    "references",
    "back_matter",
    "slide",
    "slide_table",
    "notes",
    "body",
)
# Kinds whose text is never quoted as an answer: it is about the document, not its content.
NOT_QUOTABLE = frozenset({"contents", "front_matter", "references", "back_matter"})
# Kinds written for patients: quoted only when the prescriber text does not answer.
PATIENT_FACING = frozenset({"patient_info"})

# Heading words -> kind, first match wins; checked against the heading without its number.
_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^highlights\b"), "highlights"),
    (re.compile(r"^full prescribing information\s*:?\s*contents|^table of contents$|^contents$"), "contents"),
    (re.compile(r"^(?:boxed )?warning\s*:"), "boxed_warning"),
    (
        re.compile(r"^(?:medication guide|patient information|instructions for use|patient package insert)\b"),
        "patient_info",
    ),
    (re.compile(r"^indications?\b"), "indications"),
    (re.compile(r"^dosage forms?\b"), "dosage_forms"),
    (re.compile(r"^dosage and administration|^dosing\b|^(?:recommended )?dos(?:e|age)s?\b"), "dosage"),
    (re.compile(r"^contraindications?\b"), "contraindications"),
    (re.compile(r"^warnings?\b|^precautions\b"), "warnings"),
    (re.compile(r"^adverse (?:reactions|events|effects)"), "adverse_reactions"),
    (re.compile(r"^drug interactions?\b|^interactions?\b"), "drug_interactions"),
    (re.compile(r"^use in specific populations|^specific populations"), "specific_populations"),
    (re.compile(r"^overdosage|^overdose"), "overdosage"),
    (re.compile(r"^description$"), "description"),
    (
        re.compile(r"^clinical pharmacology|^pharmacokinetics|^pharmacodynamics|^mechanism of action"),
        "clinical_pharmacology",
    ),
    (re.compile(r"^nonclinical toxicology"), "nonclinical_toxicology"),
    (re.compile(r"^clinical stud(?:y|ies)|^clinical trials?\b"), "clinical_studies"),
    (re.compile(r"^how supplied|^storage and handling"), "how_supplied"),
    (re.compile(r"^patient counseling"), "patient_counseling"),
    (re.compile(r"^abstract$|^summary$"), "abstract"),
    (re.compile(r"^(?:introduction|background)$"), "introduction"),
    (re.compile(r"^(?:materials and )?methods?\b|^methodology$|^study design$"), "methods"),
    (re.compile(r"^results?\b"), "results"),
    (re.compile(r"^discussion\b"), "discussion"),
    (re.compile(r"^conclusions?\b"), "conclusions"),
    (re.compile(r"^(?:references|bibliography|literature cited|works cited)$"), "references"),
    (
        re.compile(
            r"^(?:acknowledg|funding|author contributions|competing interests|conflicts? of interest|disclosure|"
            r"declarations?|additional information|data availability|ethics|supplementa)"
        ),
        "back_matter",
    ),
]
# Kinds that, once entered, hold for every later heading until a heading of a new part: a
# label's patient leaflet uses headings like "What is X?", a reference list has none.
_PARTS = frozenset({"highlights", "contents", "patient_info", "references", "back_matter"})
_DOT_LEADER = re.compile(r"\.{4,}|\u2026{2,}|(?:\. ){3,}")
_NUMBER = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*|[IVX]{1,5}|[A-H])[.)]?\s+")
_FRONT_MATTER_LINE = re.compile(
    r"^(?:received|accepted|revised|published|submitted|copyright|\u00a9|correspond|e-?mail|doi\b|"
    r"how to cite|academic editor|open access|distributed under|licen[cs]ed under|keywords|subjects)",
    re.IGNORECASE,
)


_LEADING_SECTION = re.compile(r"^(\d{1,2})(?:\.\d{1,2})+\s+[A-Z]")
# A US label cites its own sections: "[see Warnings and Precautions (5.2)]".
_CROSS_REF = re.compile(r"\[see ([A-Za-z][A-Za-z ,&/-]{3,60}?)\s*\((\d{1,2})(?:\.\d{1,2})?", re.IGNORECASE)


def section_numbering(texts: list[str]) -> dict[int, str]:
    """Section number -> kind, learnt from a label's cross-references to its own sections.

    Some label prints drop the top-level titles ("5 WARNINGS AND PRECAUTIONS") and keep only
    "5.2 Tendinitis ..."; the text still says "[see Warnings and Precautions (5.2)]", which
    tells what section 5 is. A number needs two agreeing references to count.
    """
    votes: dict[int, dict[str, int]] = {}
    for text in texts:
        for title, number in _CROSS_REF.findall(text):
            kind = heading_kind(title)
            if kind is not None and kind not in _PARTS:
                per = votes.setdefault(int(number), {})
                per[kind] = per.get(kind, 0) + 1
    out = {}
    for number, per in votes.items():
        kind, n = max(per.items(), key=lambda kv: kv[1])
        if n >= 2:
            out[number] = kind
    return out


def heading_kind(heading: str) -> str | None:
    """The section kind a heading announces, or None for a heading that names no known part."""
    text = _NUMBER.sub("", heading.strip()).strip().lower().rstrip(":. ")
    text = re.sub(r"\s+", " ", text)
    for pattern, kind in _RULES:
        if pattern.search(text):
            return kind
    return None


def is_front_matter_text(text: str) -> bool:
    """A line that is about the publication (dates, licence, correspondence), not its content."""
    return bool(_FRONT_MATTER_LINE.match(text.strip()))


@dataclass
class SectionTracker:
    """Follows headings through a document and names the kind of the text under them.

    ``unit`` is "page" or "slide". In a paged document everything before the first recognised
    heading on the first page(s) of an article (title, authors, affiliations) is front matter
    once an abstract or introduction heading follows; :meth:`kind` is asked per block.
    """

    unit: str = "page"
    part: str | None = None
    kinds: dict[int, str] | None = None
    part_page: int = 0
    numbering: dict[int, str] | None = None  # section number -> kind, from the document's own cross-references

    def __post_init__(self) -> None:
        self.kinds = {}

    def heading(self, text: str, level: int, page: int = 0) -> None:
        assert self.kinds is not None
        kind = heading_kind(text)
        low = text.strip().lower()
        if low.startswith("full prescribing information") and kind != "contents":
            self.part, self.kinds = None, {}
            return
        if kind in _PARTS:
            self.part = kind
            self.part_page = page
            self.kinds = {}
            return
        if self.part == "contents":
            # The contents list repeats every section title (with dot leaders, or numbered); it
            # ends at a heading on a later page that is neither.
            if _DOT_LEADER.search(text) or kind is not None or page <= self.part_page:
                return
            self.part = None
        if self.part in ("references", "back_matter") and kind not in (None, *_PARTS):
            self.part = None  # e.g. an appendix "Methods" after the references
        self.kinds = {lvl: k for lvl, k in self.kinds.items() if lvl < level}
        if kind is None and self.numbering:
            number = _LEADING_SECTION.match(text.strip())
            if number is not None:
                kind = self.numbering.get(int(number.group(1)))
        if kind is not None:
            if self.part == "highlights":
                return
            self.kinds[level] = kind

    def kind(self, block_kind: str, text: str = "") -> str:
        assert self.kinds is not None
        if self.unit == "slide":
            return {"table": "slide_table", "notes": "notes"}.get(block_kind, "slide")
        if self.part is not None:
            return self.part
        if text and is_front_matter_text(text):
            return "front_matter"
        if self.kinds:
            return self.kinds[max(self.kinds)]
        return "body"
