"""Extractive answers: verbatim quotes from retrieved approved chunks, each with a citation.

The composer never writes words of its own. It cuts the top retrieved chunks into quotable units
(a sentence, two neighbouring sentences, a bullet, a lead-in with its bullets, a table row with its
header), scores each for how likely it holds the answer, quotes the best few on their own lines,
and cites each by document, version, page or slide and section. When even the best unit is
unlikely to hold the answer it refuses, saying what was missing.

A unit's score is a logistic model over features (:mod:`hub.support`): question-unit and
question-chunk cosines, idf-weighted coverage of the question's terms, whether the unit holds the
kind of fact asked for (:mod:`hub.question`), whether its section answers that kind of question,
its retrieval rank and shape. The model is fitted by ``hub eval answer-model`` on the sample
questions and the real development set, and judged leave-one-document-out (docs/answering.md).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np
from pydantic import BaseModel, Field

from hub.catalog import ChunkRow
from hub.question import (
    KIND_WORDS,
    QuestionIntent,
    drug_like,
    holds_value,
    key_words,
    populations,
    same_time,
    time_points,
    understand,
)
from hub.retrieval import Hit
from hub.support import SupportModel, features, question_features
from hub.vector_index import QueryFilters
from ingest.sections import NOT_QUOTABLE
from ingest.sentences import split_sentences

REFUSAL_TEXT = "Not found in approved content."
_BULLET = "\u2022"


class Citation(BaseModel):
    n: int = Field(description="Marker number used in the answer text as [n].")
    document_id: str
    version_id: str
    title: str
    version: str = Field(description="The owner's version label.")
    source_file: str
    page: int = Field(description="1-based PDF page or slide number (1 for formats without pages).")
    page_label: str = Field(description="'page N' or 'slide N'.")
    section: str = Field("", description="Heading path of the quoted text ('2 DOSAGE AND ADMINISTRATION > 2.1 ...').")
    section_kind: str = Field("body", description="Kind of section (ingest.sections), e.g. dosage, clinical_studies.")
    quote: str = Field(description="The verbatim text quoted (a table row follows its header after ' | ').")
    score: float = Field(description="Support score of the quote (probability it holds the answer).")
    chunk_id: str


class Answer(BaseModel):
    answer: str
    refused: bool
    reason: str | None = None
    citations: list[Citation] = Field(default_factory=list)
    support: float = Field(0.0, description="Support score of the best quote.")
    asked_for: str = Field("other", description="The kind of answer the question asks for (hub.question).")
    retrieved: list[dict[str, Any]] = Field(default_factory=list, description="Chunks read, with scores.")
    timings_ms: dict[str, float] = Field(default_factory=dict)
    audit_id: str | None = Field(None, description="Id of the audit record of this answer (quote it to compliance).")
    flagged: bool = Field(False, description="A possible adverse event was mentioned: flagged for pharmacovigilance.")


@dataclass(frozen=True)
class ComposerConfig:
    max_sentences: int = 3
    max_words: int = 150
    threshold: float = 0.5
    min_ratio: float = 0.8


@dataclass
class Candidate:
    """One quotable unit of a retrieved chunk, with its features and support score."""

    hit_rank: int
    hit: Hit
    chunk: ChunkRow
    text: str  # the quote as shown (verbatim pieces; a table row after its header)
    shape: str  # sentence | window | item | list | row
    parts: tuple[str, ...]  # the pieces that were embedded (their mean is the unit's vector)
    feats: dict[str, float] = field(default_factory=dict)
    score: float = 0.0

    @property
    def chunk_id(self) -> str:
        return str(self.chunk.id)

    @property
    def section(self) -> str:
        return self.chunk.section


class TermIndex(Protocol):
    """What the composer needs of the lexical index: its tokenizer and term rarity."""

    def terms(self, text: str) -> list[str]: ...

    def idf(self, tokens: Sequence[str]) -> dict[str, float]: ...

    def unknown(self, tokens: Sequence[str]) -> set[str]: ...


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    """NLTK's English stop words (shipped in llama-index's package data) plus question words."""
    import llama_index.core
    import nltk
    from nltk.corpus import stopwords

    cache = str(Path(llama_index.core.__file__).parent / "_static" / "nltk_cache")
    if cache not in nltk.data.path:
        nltk.data.path.append(cache)
    extra = {"tell", "much", "many", "use", "used", "using", "give", "given", "also", "would", "could", "get"}
    return frozenset(stopwords.words("english")) | frozenset(extra)


def question_terms(question: str, index: TermIndex) -> list[str]:
    """Content terms of a question in the lexical index's own token space."""
    stop = index.terms(" ".join(_stopwords()))
    return [t for t in dict.fromkeys(index.terms(question)) if t not in stop]


# --- quotable units ----------------------------------------------------------------------------

_MIN_WORDS = 4
_WINDOW_MAX_WORDS = 70
_LIST_MAX_WORDS = 120


def units(chunk: ChunkRow) -> list[tuple[str, str, tuple[str, ...]]]:
    """The quotable units of a chunk as ``(quote, shape, embedded parts)``.

    Table rows come with their header; bullets alone and, under a lead-in ("...:"), the lead-in
    with all its bullets; sentences alone and with their neighbour in the same paragraph, so a
    finding split over two sentences ("X reduced Y. The hazard ratio was 0.74 ...") can be quoted
    whole.
    """
    if chunk.kind == "table":
        rows = chunk.text.split("\n")
        if len(rows) < 2:
            return [(rows[0], "row", (rows[0],))]
        header = rows[0]
        return [(f"{header} | {row}", "row", (f"{header} {row}",)) for row in rows[1:] if row.strip()]
    out: list[tuple[str, str, tuple[str, ...]]] = []
    lines = [ln.strip() for ln in chunk.text.split("\n") if ln.strip()]
    lead_in: str | None = None
    items: list[str] = []
    # Slide bullets are terse ("MIT license chosen"): shorter lines still make a quote.
    min_words = 3 if chunk.version.media_type == "pptx" else _MIN_WORDS
    previous: str | None = None  # the last sentence of the previous line, for windows across lines

    def close_list() -> None:
        nonlocal lead_in, items
        if items and (lead_in or len(items) >= 2):
            pieces = ([lead_in] if lead_in else []) + items
            if sum(len(p.split()) for p in pieces) <= _LIST_MAX_WORDS:
                text = (f"{lead_in} " if lead_in else "") + "; ".join(items)
                out.append((text, "list", tuple(pieces)))
        lead_in, items = None, []

    for line in lines:
        if line.startswith(_BULLET):
            previous = None
            item = line.lstrip(_BULLET).strip()
            if len(item.split()) >= min_words:
                out.append((item, "item", (item,)))
            if item:
                items.append(item)
            continue
        close_list()
        sentences = [x for x in split_sentences(line) if any(c.isalnum() for c in x)]
        if previous is not None and sentences:
            pair = (previous, sentences[0])
            if min(len(p.split()) for p in pair) >= 2 and sum(len(p.split()) for p in pair) <= _WINDOW_MAX_WORDS:
                out.append((f"{pair[0]} {pair[1]}", "window", pair))
        previous = sentences[-1] if sentences else None
        for i, sent in enumerate(sentences):
            # A lead-in ("... the following conditions:") is quoted with its bullets, never alone.
            if len(sent.split()) >= min_words and not sent.rstrip().endswith(":"):
                out.append((sent, "sentence", (sent,)))
            if i + 1 < len(sentences):
                pair = (sent, sentences[i + 1])
                words = sum(len(p.split()) for p in pair)
                if min(len(p.split()) for p in pair) >= 3 and words <= _WINDOW_MAX_WORDS:
                    out.append((f"{pair[0]} {pair[1]}", "window", pair))
        if sentences and sentences[-1].rstrip().endswith(":"):
            lead_in = sentences[-1]
    close_list()
    return out


class AnswerComposer:
    """Builds :class:`Answer` objects from retrieval hits and catalog chunks."""

    def __init__(
        self,
        encoder: Any,
        terms: TermIndex,
        config: ComposerConfig,
        model: SupportModel,
        common: frozenset[str] = frozenset(),
    ) -> None:
        self.encoder = encoder
        self.common = common  # everyday words (hub.question.key_words)
        self.terms = terms
        self.config = config
        self.model = model
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self.cache_size = 50_000

    @property
    def threshold(self) -> float:
        return self.model.threshold if self.model.threshold is not None else self.config.threshold

    def compose(
        self,
        question: str,
        query_vector: np.ndarray,
        hits: Sequence[Hit],
        chunks: dict[str, ChunkRow],
        filters: QueryFilters,
    ) -> Answer:
        intent = understand(question)
        allowed = [
            (rank, hit, chunks[hit.chunk_id])
            for rank, hit in enumerate(hits)
            if hit.chunk_id in chunks and _showable(chunks[hit.chunk_id], filters)
        ]
        retrieved = [
            {
                "chunk_id": h.chunk_id,
                "score": round(h.score, 6),
                "dense": h.dense,
                "lexical": h.lexical,
                "version_id": c.version_id,
                "page": c.page,
                "section_kind": c.section_kind,
            }
            for _, h, c in allowed
        ]
        if not allowed:
            return Answer(
                answer=REFUSAL_TEXT,
                refused=True,
                retrieved=retrieved,
                asked_for=intent.kind,
                reason="No approved, current content matched the question"
                + (
                    " with the chosen filters"
                    if filters.product or filters.doc_type or filters.therapeutic_area
                    else ""
                )
                + ". Rephrase it, widen the filters, or send a medical-information request.",
            )
        candidates, qfeats = self.assess(question, query_vector, allowed, intent)
        if not candidates:
            return Answer(
                answer=REFUSAL_TEXT,
                refused=True,
                retrieved=retrieved,
                asked_for=intent.kind,
                reason="The matching content holds no complete sentences to quote (only headings, "
                "contents or reference lists). Consider a medical-information request.",
            )
        answerable = self.model.answerable(qfeats)

        def refuse(reason: str) -> Answer:
            return Answer(
                answer=REFUSAL_TEXT,
                refused=True,
                retrieved=retrieved,
                support=round(answerable, 4),
                asked_for=intent.kind,
                reason=f"{reason} Consider a medical-information request.",
            )

        unnamed = self.unknown_medicines(question)
        if unnamed:
            said = ", ".join(f"'{w}'" for w in unnamed)
            return refuse(f"The approved content never mentions {said}, which the question asks about.")
        if answerable < self.threshold:
            return refuse(self.refusal_reason(question, intent, candidates, answerable))
        candidates, missing = self.meeting_constraints(question, intent, candidates)
        if missing:
            return refuse(missing)
        chosen = self._select(candidates)
        lines, citations = [], []
        for n, cand in enumerate(chosen, start=1):
            lines.append(f"{cand.text} [{n}]")
            citations.append(_citation(n, cand))
        return Answer(
            answer="\n".join(lines),
            refused=False,
            citations=citations,
            support=round(answerable, 4),
            asked_for=intent.kind,
            retrieved=retrieved,
        )

    def meeting_constraints(
        self, question: str, intent: QuestionIntent, candidates: list[Candidate]
    ) -> tuple[list[Candidate], str]:
        """The candidates that meet what the question pins down (:func:`meet_constraints`), or a
        reason naming what is missing."""
        asked_for = frozenset(populations(question))
        fitting, failed = meet_constraints(candidates, asked_for, intent.values, intent.points)
        if failed == "population":
            return [], (
                f"The closest approved passages do not cover {', '.join(sorted(asked_for))}, "
                "which the question asks about."
            )
        if failed == "value":
            kinds = " or ".join(KIND_WORDS.get(k, "a percentage") for k in sorted(intent.values))
            return [], (
                f"The question asks for {kinds}; the closest approved passages "
                f"({self._where(candidates[0])}) do not give one."
            )
        if failed == "time point":
            holders = value_holders(candidates, intent.values)
            asked = ", ".join(_point(p) for p in sorted(intent.points))
            given = sorted({_point(p) for c in holders[:5] for p in time_points(c.text)})
            return [], (
                f"The question asks about {asked}; the closest approved passages "
                f"({self._where(holders[0])}) give {', '.join(given)} only."
            )
        return fitting, ""

    @staticmethod
    def _where(cand: Candidate) -> str:
        """'Document title', heading: where a passage sits, for refusal reasons."""
        return f"'{cand.chunk.version.document.title}'" + (
            f", {cand.chunk.section.split(' > ')[-1]}" if cand.chunk.section else ""
        )

    def unknown_medicines(self, question: str) -> list[str]:
        """Medicines the question names (by the shape of their nonproprietary names) that no approved
        content mentions: "compared head-to-head with rivaroxaban" cannot be answered from documents
        that never name rivaroxaban."""
        out = []
        for word in key_words(question, self.common, _stopwords()):
            tokens = self.terms.terms(word)
            if (
                drug_like(word)
                and word.lower() not in self.common
                and tokens
                and self.terms.unknown(tokens) == set(tokens)
            ):
                out.append(word)
        return out

    def refusal_reason(self, question: str, intent: QuestionIntent, candidates: list[Candidate], support: float) -> str:
        """Say what was missing: words the content never uses, or the kind of fact asked for."""
        best = candidates[0]
        missing = self.missing_terms(question)
        where = self._where(best)
        if missing:
            said = ", ".join(f"'{w}'" for w in missing[:4])
            core = f"The approved content never mentions {said}, which the question hinges on."
        elif (absent := self.absent_key_words(question, best)) and best.feats.get("key_coverage", 1.0) < 1.0:
            said = ", ".join(f"'{w}'" for w in absent[:3])
            core = f"The closest approved passages ({where}) do not mention {said}."
        elif intent.kind in KIND_WORDS and not any(c.feats.get("kind_match") for c in candidates[:10]):
            core = (
                f"The question asks for {KIND_WORDS[intent.kind]}; the closest approved passages "
                f"({where}) do not give one."
            )
        else:
            core = (
                f"The closest approved passages ({where}) do not answer it "
                f"(support {support:.2f}, needed {self.threshold:.2f})."
            )
        return core

    def _context_terms(self, chunk: ChunkRow) -> set[str]:
        """Index terms of what frames a chunk: its document title and heading path."""
        return set(self.terms.terms(f"{chunk.version.document.title} {chunk.section}"))

    def absent_key_words(self, question: str, cand: Candidate) -> list[str]:
        """Key words of the question found neither in the quote nor in its section or title."""
        found = set(self.terms.terms(cand.text)) | self._context_terms(cand.chunk)
        out = []
        for word in key_words(question, self.common, _stopwords()):
            tokens = self.terms.terms(word)
            if tokens and not any(t in found for t in tokens):
                out.append(word)
        return out

    def missing_terms(self, question: str) -> list[str]:
        """Words of the question whose every index term is absent from approved content."""
        out = []
        for word in re.findall(r"[A-Za-z][\w'-]+", question):
            tokens = self.terms.terms(word)
            if tokens and self.terms.unknown(tokens) == set(tokens) and word.lower() not in _stopwords():
                out.append(word)
        return list(dict.fromkeys(out))

    def assess(
        self, question: str, qvec: np.ndarray, allowed: list[tuple[int, Hit, ChunkRow]], intent: QuestionIntent
    ) -> tuple[list[Candidate], dict[str, float]]:
        """The candidates, best first, and the features of the question as a whole."""
        cands = self.candidates(question, qvec, allowed, intent)
        specific = intent.kind in KIND_WORDS
        qfeats = question_features(specific, [(c.score, c.feats) for c in cands])
        return cands, qfeats

    def candidates(
        self,
        question: str,
        qvec: np.ndarray,
        allowed: list[tuple[int, Hit, ChunkRow]],
        intent: QuestionIntent | None = None,
    ) -> list[Candidate]:
        """Every quotable unit of the allowed chunks with its features, best support first."""
        intent = intent or understand(question)
        q_terms = question_terms(question, self.terms)
        idf = self.terms.idf(q_terms)
        keys = [t for t in (self.terms.terms(w) for w in key_words(question, self.common, _stopwords())) if t]
        unknown = self.terms.unknown(list(dict.fromkeys([*q_terms, *(t for k in keys for t in k)])))
        out: list[Candidate] = []
        seen: set[str] = set()
        for rank, hit, chunk in allowed:
            if chunk.section_kind in NOT_QUOTABLE:
                continue
            for text, shape, parts in units(chunk):
                key = " ".join(text.lower().split())
                if key in seen:
                    continue  # overlapping chunks repeat sentences
                seen.add(key)
                out.append(Candidate(rank, hit, chunk, text, shape, parts))
        if not out:
            return []
        focus = self.focus_loss(question, qvec)
        pieces = list(dict.fromkeys(p for c in out for p in c.parts))
        vectors = dict(zip(pieces, self._encode(pieces), strict=True))
        context = {c.chunk.id: self._context_terms(c.chunk) for c in out}
        top_lexical = max((h.lexical or 0.0 for _, h, _ in allowed), default=0.0) or 1.0
        top_fused = max((h.score for _, h, _ in allowed), default=0.0) or 1.0
        for cand in out:
            vec = np.mean([vectors[p] for p in cand.parts], axis=0)
            norm = float(np.linalg.norm(vec)) or 1.0
            cand.feats = features(
                intent=intent,
                text=cand.text,
                shape=cand.shape,
                section_kind=cand.chunk.section_kind,
                sentence_cos=float(vec @ qvec) / norm,
                chunk_cos=cand.hit.dense if cand.hit.dense is not None else 0.0,
                fused=cand.hit.score / top_fused,
                lexical=(cand.hit.lexical or 0.0) / top_lexical,
                rank=cand.hit_rank,
                unit_terms=set(self.terms.terms(cand.text)),
                context_terms=context[cand.chunk.id],
                idf=idf,
                unknown=unknown,
                focus_loss=focus,
                key_terms=keys,
            )
            cand.score = self.model.predict(cand.feats)
        out.sort(key=lambda c: (-c.score, c.hit_rank))
        return out

    def focus_loss(self, question: str, qvec: np.ndarray) -> float:
        """How much of the question's meaning rests on words the approved content never uses.

        The question is embedded again without those words; a large change (1 - cosine) means
        they were its topic ("... in hidradenitis suppurativa?"), a small one that they were
        incidental wording ("... a single 150 mg shot ...").
        """
        words = re.findall(r"[\w'-]+|[^\w\s]", question)
        keep, dropped = [], False
        for word in words:
            tokens = self.terms.terms(word)
            if tokens and self.terms.unknown(tokens) == set(tokens):
                dropped = True
                continue
            keep.append(word)
        if not dropped:
            return 0.0
        reduced = self.encoder.encode([" ".join(keep) or "?"])[0]
        return max(0.0, 1.0 - float(reduced @ qvec))

    def prime(self, chunks: Sequence[ChunkRow], budget: int | None = None) -> int:
        """Encode the quotable pieces of ``chunks`` into the vector cache ahead of questions.

        Encoding a question's candidate sentences is most of a cold answer's time; done once after
        start-up or a content change, it is not paid again per question. At most ``budget`` new
        pieces (default: what the cache holds). Returns how many were encoded.
        """
        limit = self.cache_size if budget is None else min(budget, self.cache_size)
        with self._lock:
            known = set(self._vectors)
        todo: list[str] = []
        for chunk in chunks:
            if chunk.section_kind in NOT_QUOTABLE:
                continue
            for _, _, parts in units(chunk):
                todo.extend(p for p in parts if p not in known)
            if len(todo) >= limit:
                break
        todo = list(dict.fromkeys(todo))[:limit]
        for start in range(0, len(todo), 256):
            self._encode(todo[start : start + 256])
        return len(todo)

    def _encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors, cached: the same approved sentences come back across questions."""
        cache = self._vectors
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in cache]
            known = {t: cache[t] for t in texts if t in cache}
        if missing:
            fresh = dict(zip(missing, self.encoder.encode(missing), strict=True))
            known.update(fresh)
            with self._lock:
                for text, vec in fresh.items():
                    if len(cache) >= self.cache_size:
                        cache.pop(next(iter(cache)))  # oldest first
                    cache[text] = vec
        return np.stack([known[t] for t in texts])

    def _select(self, candidates: list[Candidate]) -> list[Candidate]:
        cfg = self.config
        return select_quotes(candidates, cfg.max_sentences, cfg.max_words, cfg.min_ratio)


class Quotable(Protocol):
    """What quote selection reads of a candidate (the hub's and the evals' alike)."""

    score: float
    text: str
    shape: str
    parts: tuple[str, ...]

    @property
    def chunk_id(self) -> str: ...


Q = TypeVar("Q", bound=Quotable)


def select_quotes(candidates: Sequence[Q], max_quotes: int, max_words: int, min_ratio: float) -> list[Q]:
    """The quotes of an answer: the best unit (or the list or window it belongs to), then up to
    ``max_quotes`` - 1 more that reach ``min_ratio`` of its support, within ``max_words`` in all,
    skipping near-duplicates."""
    ranked = _consolidate(list(candidates))
    best = ranked[0]
    chosen = [best]
    words = len(best.text.split())
    for cand in ranked[1:]:
        if len(chosen) >= max_quotes or cand.score < min_ratio * best.score:
            break
        n = len(cand.text.split())
        if words + n > max_words or any(_redundant(cand.text, c.text) for c in chosen):
            continue
        chosen.append(cand)
        words += n
    return chosen


# A value question is answered only by quotes that hold such a value; the best of them must reach
# this share of the best candidate's support, else the content does not give the value.
VALUE_MIN_RATIO = 0.5


def value_holders(candidates: Sequence[Q], values: frozenset[str], min_ratio: float = VALUE_MIN_RATIO) -> list[Q]:
    """The candidates (best first) that state a value of one of the asked ``values`` kinds
    (:func:`hub.question.holds_value`); empty when none comes within ``min_ratio`` of the best
    candidate's support, which means the question is refused."""
    if not candidates:
        return []
    top = candidates[0].score
    holders = [c for c in candidates if any(holds_value(k, c.text) for k in values)]
    if not holders or holders[0].score < min_ratio * top:
        return []
    return holders


class Placed(Quotable, Protocol):
    """A quotable unit that knows its heading path (what frames it: "Week 16", "Table 2 ...")."""

    @property
    def section(self) -> str: ...


P = TypeVar("P", bound=Placed)


def meet_constraints(
    candidates: Sequence[P],
    asked_for: frozenset[str],
    values: frozenset[str],
    points: frozenset[tuple[str, str]],
) -> tuple[list[P], str]:
    """The candidates (best first) that meet what a question pins down, and "" ; or no candidates
    and the constraint none met: "population", "value" or "time point".

    In order: a population the question names ("in children") must be what the quote, or its
    heading, is about; a value question ("what dose", "what percentage", "hazard ratio", "how long")
    is answered only by quotes stating such a value (:func:`value_holders`); a time point it names
    ("at week 12") must be the quote's (:func:`at_time_points`). The composer and the
    leave-one-document-out simulation (evals/answer_model.py) both call this.
    """
    fitting = list(candidates)
    if asked_for:
        fitting = [c for c in fitting if asked_for <= populations(f"{c.text} {c.section}")]
        if not fitting:
            return [], "population"
    if not values:
        return fitting, ""
    fitting = value_holders(fitting, values)
    if not fitting:
        return [], "value"
    fitting = at_time_points(fitting, points)
    return (fitting, "") if fitting else ([], "time point")


def _point(point: tuple[str, str]) -> str:
    """A time point as people write it: "week 12", "day 4", but "6 months", "1 year"."""
    unit, n = point
    if unit in ("week", "day"):
        return f"{unit} {n}"
    return f"{n} {unit}" + ("" if n == "1" else "s")


def at_time_points(candidates: Sequence[P], points: frozenset[tuple[str, str]]) -> list[P]:
    """The candidates that name a time point the question names ("at week 12"), in the quote or its
    heading; one year and 52 weeks are the same point. A result "at week 16 and week 52", or one
    tied to no visit, does not answer "at week 12"."""
    if not points:
        return list(candidates)
    return [c for c in candidates if same_time(time_points(f"{c.text} {c.section}"), points)]


def _consolidate(candidates: list[Q]) -> list[Q]:
    """Prefer the whole over its part when the whole is nearly as well supported.

    A bullet is quoted with its lead-in and sibling bullets (the list unit) when that unit scores
    at least 80% of the bullet; a sentence with its neighbour (the window unit) at 90%. The answer
    then reads "X is contraindicated in: A; B" rather than "A" alone. The whole takes the part's
    place (and rank) in the list.
    """
    out = list(candidates)
    used: set[int] = set()
    for i, cand in enumerate(out[:5]):
        if cand.shape not in ("item", "sentence"):
            continue
        wholes = [
            (j, c)
            for j, c in enumerate(candidates)
            if j not in used
            and c.chunk_id == cand.chunk_id
            and c.shape == ("list" if cand.shape == "item" else "window")
            and cand.parts[0] in c.parts
            and c.score >= (0.8 if cand.shape == "item" else 0.9) * cand.score
        ]
        if wholes:
            j, whole = max(wholes, key=lambda jc: jc[1].score)
            used.add(j)
            out[i] = whole
    return out


def _redundant(a: str, b: str) -> bool:
    ta, tb = set(a.lower().split()), set(b.lower().split())
    return len(ta & tb) / max(1, min(len(ta), len(tb))) > 0.6


def _showable(chunk: ChunkRow, filters: QueryFilters) -> bool:
    v = chunk.version
    return v.is_retrievable(filters.today) and filters.matches(v.product, v.doc_type, v.therapeutic_area)


def _citation(n: int, cand: Candidate) -> Citation:
    chunk = cand.chunk
    v = chunk.version
    unit = "slide" if v.media_type == "pptx" else "page"
    return Citation(
        n=n,
        document_id=v.document_id,
        version_id=v.id,
        title=v.document.title,
        version=v.version_label,
        source_file=v.source_file,
        page=chunk.page,
        page_label=f"{unit} {chunk.page}",
        section=chunk.section,
        section_kind=chunk.section_kind,
        quote=cand.text,
        score=round(cand.score, 4),
        chunk_id=chunk.id,
    )


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()
