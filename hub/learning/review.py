"""A quality signal for the review queue: which drafts a content owner should look at first.

The score only orders drafts; it never approves or rejects anything. It favours what an MSL is
most often asked about (dosing, indications, contraindications, warnings, adverse-reaction rates,
interactions, efficacy results), gaps on doses, rates and durations, items that test a fact rather
than restate a sentence, and stems short enough to read on a phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from hub.learning.generator import SECTION_TOPICS

# Topic (the section kind's name) -> weight: the label sections an MSL must know come first.
_TOPIC_WEIGHT = {
    SECTION_TOPICS[k]: w
    for k, w in {
        "dosage": 1.0,
        "indications": 1.0,
        "contraindications": 1.0,
        "boxed_warning": 1.0,
        "warnings": 0.9,
        "adverse_reactions": 0.9,
        "drug_interactions": 0.9,
        "clinical_studies": 0.85,
        "results": 0.85,
        "abstract": 0.8,
        "conclusions": 0.8,
        "specific_populations": 0.8,
        "highlights": 0.75,
        "slide": 0.7,
        "clinical_pharmacology": 0.6,
        "dosage_forms": 0.55,
        "overdosage": 0.5,
        "discussion": 0.5,
    }.items()
}
_FACT_WEIGHT = {
    "contraindication": 1.0,
    "indication": 1.0,
    "dose": 1.0,
    "percent": 1.0,
    "interval": 0.9,
    "duration": 0.9,
    "endpoint": 0.8,
    "drug": 0.7,
}


class Reviewable(Protocol):
    """What ranking reads of an item (an :class:`~hub.learning.schemas.ItemOut` or an item row)."""

    id: str
    topic: str
    fact_kind: str
    type: str
    answer: str
    stem: str


@dataclass(frozen=True)
class Scored:
    """An item with its review-priority score (0-1, higher first)."""

    item_id: str
    score: float


def quality_score(*, topic: str, fact_kind: str, item_type: str, answer: str, stem: str) -> float:
    """Review priority of one item: section weight x fact weight x form x readability (0-1)."""
    section = _TOPIC_WEIGHT.get(topic, 0.4)
    fact = _FACT_WEIGHT.get(fact_kind, 0.5)
    # A true statement asked verbatim tests recognition only; a gap or a changed fact tests recall.
    form = 0.7 if item_type == "true_false" and answer == "True" else 1.0
    words = len(stem.split())
    readable = 1.0 if words <= 35 else max(0.5, 1.0 - (words - 35) / 60)
    return round(section * fact * form * readable, 4)


def rank(items: list[Reviewable]) -> list[Scored]:
    """Items ordered best first, ties by id."""
    scored = [
        Scored(
            str(i.id),
            quality_score(
                topic=str(i.topic),
                fact_kind=str(i.fact_kind),
                item_type=str(i.type),
                answer=str(i.answer),
                stem=str(i.stem),
            ),
        )
        for i in items
    ]
    return sorted(scored, key=lambda s: (-s.score, s.item_id))
