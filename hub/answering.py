"""Extractive answers: verbatim sentences from retrieved approved chunks, each with a citation.

The composer never writes words of its own. It scores every sentence of the top retrieved chunks
for support of the question, keeps the best few (verbatim, capped in length), and cites each by
document, version and page or slide. When even the best sentence is weak support it refuses:
"not found in approved content" is the honest answer then.

Support of a sentence combines three signals (weights and threshold calibrated on the sample
question set, ``evals/questions.jsonl``; see docs/answering.md):

* ``sentence``: cosine between the question and the sentence embedding;
* ``chunk``: cosine between the question and the whole chunk (its context);
* ``coverage``: idf-weighted share of the question's content terms found in the sentence, its
  section heading or its document title. A term that no approved chunk contains carries the
  highest idf, so a question hinging on it ("... in hidradenitis suppurativa?") loses support.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from pydantic import BaseModel, Field

from hub.catalog import ChunkRow
from hub.retrieval import Hit
from hub.vector_index import QueryFilters
from ingest.sentences import split_sentences

REFUSAL_TEXT = "Not found in approved content."


class Citation(BaseModel):
    n: int = Field(description="Marker number used in the answer text as [n].")
    document_id: str
    version_id: str
    title: str
    version: str = Field(description="The owner's version label.")
    source_file: str
    page: int = Field(description="1-based PDF page or slide number (1 for formats without pages).")
    page_label: str = Field(description="'page N' or 'slide N'.")
    section: str = ""
    quote: str = Field(description="The verbatim text the sentence came from.")
    score: float = Field(description="Support score of the cited sentence.")
    chunk_id: str


class Answer(BaseModel):
    answer: str
    refused: bool
    reason: str | None = None
    citations: list[Citation] = Field(default_factory=list)
    support: float = Field(0.0, description="Support score of the best sentence.")
    retrieved: list[dict[str, Any]] = Field(default_factory=list, description="Chunks read, with scores.")
    timings_ms: dict[str, float] = Field(default_factory=dict)
    audit_id: str | None = Field(None, description="Id of the audit record of this answer (quote it to compliance).")
    flagged: bool = Field(False, description="A possible adverse event was mentioned: flagged for pharmacovigilance.")


@dataclass(frozen=True)
class ComposerConfig:
    max_sentences: int = 3
    max_words: int = 120
    threshold: float = 0.55
    min_ratio: float = 0.8
    w_sentence: float = 0.5
    w_chunk: float = 0.2
    w_coverage: float = 0.3
    w_focus: float = 0.0

    def score(self, sentence_cos: float, chunk_cos: float, coverage: float, focus_loss: float = 0.0) -> float:
        return (
            self.w_sentence * sentence_cos
            + self.w_chunk * chunk_cos
            + self.w_coverage * coverage
            - self.w_focus * focus_loss
        )


@dataclass
class _Candidate:
    hit_rank: int
    chunk: ChunkRow
    text: str
    sentence_cos: float = 0.0
    chunk_cos: float = 0.0
    coverage: float = 0.0
    focus_loss: float = 0.0
    score: float = 0.0


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


def _units(chunk: ChunkRow) -> list[str]:
    """Sentences of a prose chunk; for a table chunk, each row with its header row."""
    if chunk.kind == "table":
        rows = chunk.text.split("\n")
        return [f"{rows[0]}\n{row}" for row in rows[1:]] or rows
    return [s for s in split_sentences(chunk.text) if len(s.split()) >= 4]


class AnswerComposer:
    """Builds :class:`Answer` objects from retrieval hits and catalog chunks."""

    def __init__(self, encoder: Any, terms: TermIndex, config: ComposerConfig) -> None:
        self.encoder = encoder
        self.terms = terms
        self.config = config
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self.cache_size = 50_000

    def compose(
        self,
        question: str,
        query_vector: np.ndarray,
        hits: Sequence[Hit],
        chunks: dict[str, ChunkRow],
        filters: QueryFilters,
    ) -> Answer:
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
            }
            for _, h, c in allowed
        ]
        if not allowed:
            return Answer(
                answer=REFUSAL_TEXT,
                refused=True,
                retrieved=retrieved,
                reason="No approved, current content matched the question"
                + (
                    " with the chosen filters"
                    if filters.product or filters.doc_type or filters.therapeutic_area
                    else ""
                )
                + ". Rephrase it, widen the filters, or send a medical-information request.",
            )
        candidates = self.candidates(question, query_vector, allowed)
        if not candidates:
            return Answer(
                answer=REFUSAL_TEXT,
                refused=True,
                retrieved=retrieved,
                reason="The matching content holds no complete sentences to quote.",
            )
        best = candidates[0]
        cfg = self.config
        if best.score < cfg.threshold:
            return Answer(
                answer=REFUSAL_TEXT,
                refused=True,
                retrieved=retrieved,
                support=round(best.score, 4),
                reason=(
                    f"The closest approved content does not support an answer (support {best.score:.2f}, "
                    f"needed {cfg.threshold:.2f}). Consider a medical-information request."
                ),
            )
        chosen = self._select(candidates)
        parts, citations = [], []
        for n, cand in enumerate(chosen, start=1):
            parts.append(f"{cand.text} [{n}]")
            citations.append(_citation(n, cand))
        return Answer(
            answer=" ".join(parts),
            refused=False,
            citations=citations,
            support=round(best.score, 4),
            retrieved=retrieved,
        )

    def candidates(self, question: str, qvec: np.ndarray, allowed: list[tuple[int, Hit, ChunkRow]]) -> list[_Candidate]:
        """Every quotable unit of the allowed chunks with its features, best support first."""
        q_terms = question_terms(question, self.terms)
        idf = self.terms.idf(q_terms)
        total = sum(idf.values())
        candidates: list[_Candidate] = []
        seen: set[str] = set()
        for rank, hit, chunk in allowed:
            context = set(self.terms.terms(f"{chunk.version.document.title} {chunk.section}"))
            for text in _units(chunk):
                key = " ".join(text.lower().split())
                if key in seen:
                    continue  # overlapping chunks repeat sentences
                seen.add(key)
                cand = _Candidate(rank, chunk, text, chunk_cos=hit.dense if hit.dense is not None else 0.0)
                if total > 0:
                    found = set(self.terms.terms(text)) | context
                    cand.coverage = sum(w for t, w in idf.items() if t in found) / total
                candidates.append(cand)
        if not candidates:
            return []
        focus = self.focus_loss(question, qvec)
        sims = self._encode([c.text for c in candidates]) @ qvec
        for cand, sim in zip(candidates, sims, strict=True):
            cand.sentence_cos = float(sim)
            cand.focus_loss = focus
            cand.score = self.config.score(cand.sentence_cos, cand.chunk_cos, cand.coverage, focus)
        candidates.sort(key=lambda c: (-c.score, c.hit_rank))
        return candidates

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

    def _encode(self, texts: list[str]) -> np.ndarray:
        """Sentence vectors, cached: the same approved sentences come back across questions."""
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

    def _select(self, candidates: list[_Candidate]) -> list[_Candidate]:
        cfg = self.config
        best = candidates[0]
        chosen = [best]
        words = len(best.text.split())
        for cand in candidates[1:]:
            if len(chosen) >= cfg.max_sentences:
                break
            if cand.score < cfg.min_ratio * best.score:
                break
            n = len(cand.text.split())
            if words + n > cfg.max_words:
                continue
            if any(_redundant(cand.text, c.text) for c in chosen):
                continue
            chosen.append(cand)
            words += n
        return chosen


def _redundant(a: str, b: str) -> bool:
    ta, tb = set(a.lower().split()), set(b.lower().split())
    return len(ta & tb) / max(1, min(len(ta), len(tb))) > 0.8


def _showable(chunk: ChunkRow, filters: QueryFilters) -> bool:
    v = chunk.version
    return v.is_retrievable(filters.today) and filters.matches(v.product, v.doc_type, v.therapeutic_area)


def _citation(n: int, cand: _Candidate) -> Citation:
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
        quote=cand.text,
        score=round(cand.score, 4),
        chunk_id=chunk.id,
    )


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()
