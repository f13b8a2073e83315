"""SQL tables of the learning module, on the catalog's ``Base`` (one database, one ``create_all``).

learning_items    generated items with their citation and review state
learning_runs     one row per generation run: counts kept and rejected by reason
learning_attempts a quiz (or review session) started by one user: the item ids, nothing else
learning_answers  each scored answer; doubles as the FSRS review log (card state after it)
learning_cards    the FSRS card of each (user, item) pair, with its due time indexed
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, Text, TypeDecorator, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column

from hub.catalog import Base, new_id


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the offset; this puts it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("learning timestamps must be timezone-aware UTC")
        return value.astimezone(dt.UTC).replace(tzinfo=None) if dialect.name == "sqlite" else value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class JSONText(TypeDecorator[Any]):
    """A JSON value stored as text (portable; nothing queries inside it)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


class ItemRow(Base):
    __tablename__ = "learning_items"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    type: Mapped[str] = mapped_column(String(16), index=True)
    stem: Mapped[str] = mapped_column(Text)
    options: Mapped[list[str]] = mapped_column(JSONText, default=list)
    answer: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text, default="")
    fact_kind: Mapped[str] = mapped_column(String(20), default="")
    fact_unit: Mapped[str] = mapped_column(String(40), default="")
    original: Mapped[str] = mapped_column(Text, default="")
    altered: Mapped[str] = mapped_column(Text, default="")
    passage: Mapped[str] = mapped_column(Text)
    document_id: Mapped[str] = mapped_column(String(32), index=True)
    document_title: Mapped[str] = mapped_column(String(300))
    version_id: Mapped[str] = mapped_column(String(32), index=True)
    version_label: Mapped[str] = mapped_column(String(40))
    chunk_id: Mapped[str] = mapped_column(String(48))
    page: Mapped[int] = mapped_column(Integer)
    page_label: Mapped[str] = mapped_column(String(20))
    section: Mapped[str] = mapped_column(Text, default="")
    product: Mapped[str] = mapped_column(String(120), default="", index=True)
    topic: Mapped[str] = mapped_column(String(120), default="", index=True)
    doc_type: Mapped[str] = mapped_column(String(20), default="")
    status: Mapped[str] = mapped_column(String(16), index=True)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    dedup_key: Mapped[str] = mapped_column(Text, index=True)
    generator_version: Mapped[str] = mapped_column(String(40))
    run_id: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str] = mapped_column(String(120), default="")
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class RunRow(Base):
    __tablename__ = "learning_runs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(120), default="")
    scope: Mapped[dict[str, Any]] = mapped_column(JSONText, default=dict)
    generated: Mapped[int] = mapped_column(Integer, default=0)
    kept: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONText, default=dict)
    generator_version: Mapped[str] = mapped_column(String(40))


class AttemptRow(Base):
    __tablename__ = "learning_attempts"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    user_name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))  # quiz | review | module
    scope: Mapped[dict[str, Any]] = mapped_column(JSONText, default=dict)
    item_ids: Mapped[list[str]] = mapped_column(JSONText, default=list)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class AnswerRow(Base):
    __tablename__ = "learning_answers"
    __table_args__ = (UniqueConstraint("attempt_id", "item_id", name="uq_learning_answer_once"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("learning_attempts.id"), index=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("learning_items.id"), index=True)
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    user_name: Mapped[str] = mapped_column(String(120), index=True)
    product: Mapped[str] = mapped_column(String(120), default="")
    topic: Mapped[str] = mapped_column(String(120), default="")
    given: Mapped[str] = mapped_column(Text)
    correct: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    rating: Mapped[int] = mapped_column(Integer)
    stability: Mapped[float | None] = mapped_column(Float, nullable=True)
    """FSRS stability after this review (days): lets analytics rebuild retrievability at any past time."""
    difficulty: Mapped[float | None] = mapped_column(Float, nullable=True)
    due_after: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CardRow(Base):
    __tablename__ = "learning_cards"
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("learning_items.id"), primary_key=True)
    user_name: Mapped[str] = mapped_column(String(120), index=True)
    card: Mapped[dict[str, Any]] = mapped_column(JSONText)
    """``fsrs.Card.to_dict()``: the whole scheduler state of this pair."""
    due: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    """False once the item is retired: the card is kept for history but never due again."""
    reviews: Mapped[int] = mapped_column(Integer, default=0)
    lapses: Mapped[int] = mapped_column(Integer, default=0)
