"""What the learning service returns (pydantic, so the API, CLI and UI share one shape)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from hub.learning.models import ItemRow


class Citation(BaseModel):
    """Where an item, a key point or an answer comes from."""

    document_id: str
    title: str
    version_id: str
    version: str
    page: int
    page_label: str = Field(description="'page N' or 'slide N'.")
    section: str = ""
    passage: str = Field(description="The verbatim source sentence.")

    @classmethod
    def of(cls, item: ItemRow) -> Citation:
        return cls(
            document_id=item.document_id,
            title=item.document_title,
            version_id=item.version_id,
            version=item.version_label,
            page=item.page,
            page_label=item.page_label,
            section=item.section,
            passage=item.passage,
        )


class ItemOut(BaseModel):
    """An item as a content owner sees it: everything, including the answer and review state."""

    id: str
    type: str
    stem: str
    options: list[str]
    answer: str
    explanation: str
    status: str
    status_reason: str
    product: str
    topic: str
    fact_kind: str
    citation: Citation
    chunk_id: str
    generator_version: str
    created_at: dt.datetime
    updated_at: dt.datetime
    reviewed_by: str
    reviewed_at: dt.datetime | None

    @classmethod
    def of(cls, row: ItemRow) -> ItemOut:
        return cls(
            id=row.id,
            type=row.type,
            stem=row.stem,
            options=list(row.options),
            answer=row.answer,
            explanation=row.explanation,
            status=row.status,
            status_reason=row.status_reason,
            product=row.product,
            topic=row.topic,
            fact_kind=row.fact_kind,
            citation=Citation.of(row),
            chunk_id=row.chunk_id,
            generator_version=row.generator_version,
            created_at=row.created_at,
            updated_at=row.updated_at,
            reviewed_by=row.reviewed_by,
            reviewed_at=row.reviewed_at,
        )


class QuestionOut(BaseModel):
    """An item as an MSL sees it before answering: no answer, no explanation, no passage."""

    id: str
    type: str
    prompt: str = Field(description="What to do: choose, fill the gap, or say true or false.")
    stem: str
    options: list[str]
    context: str = Field(description="Source document and section, so the statement is read in context.")
    product: str
    topic: str

    @classmethod
    def of(cls, row: ItemRow) -> QuestionOut:
        prompt = {
            "mcq": "Choose the option that completes the statement.",
            "cloze": "Type the word or number that fills the gap.",
            "true_false": "True or false?",
        }.get(row.type, "")
        context = row.document_title + (f" - {row.section}" if row.section else "")
        return cls(
            id=row.id,
            type=row.type,
            prompt=prompt,
            stem=row.stem,
            options=list(row.options),
            context=context,
            product=row.product,
            topic=row.topic,
        )


class QuizOut(BaseModel):
    attempt_id: str
    kind: str
    started_at: dt.datetime
    items: list[QuestionOut]


class Feedback(BaseModel):
    """The result of one answer: scored, stored, and explained with its citation."""

    attempt_id: str
    item_id: str
    correct: bool
    given: str
    correct_answer: str
    explanation: str
    citation: Citation
    next_review: dt.datetime = Field(description="When FSRS schedules this item for the user again (UTC).")


class DueItem(BaseModel):
    item: QuestionOut
    due: dt.datetime
    reviews: int
    lapses: int


class KeyPoint(BaseModel):
    text: str
    citation: Citation


class ModuleOut(BaseModel):
    """A micro-module: a few verbatim key points with citations, then a few approved items."""

    document_id: str
    title: str
    version: str
    section: str | None
    key_points: list[KeyPoint]
    items: list[QuestionOut]
    estimated_minutes: float


class RunOut(BaseModel):
    run_id: str
    started_at: dt.datetime
    scope: dict[str, Any]
    generated: int
    kept: int
    kept_share: float
    rejected: dict[str, int]
    by_type: dict[str, dict[str, int]]
    item_ids: list[str] = Field(default_factory=list)
