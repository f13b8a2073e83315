"""From a question's retrieved pool to the passages the composer reads.

Retrieval ranks chunks by similarity alone. Two things it cannot see are fixed here, in general
rules over section kinds (never per document):

* **section routing**: a question that asks for a dose is answered by a label's Dosage and
  Administration, a contraindication by Contraindications, a trial result by Clinical Studies
  (:data:`hub.question.KIND_SECTIONS`); chunks from those sections get a boost, result and rate
  questions also favour tables, patient-facing text yields to prescriber text, and contents,
  reference lists and front matter leave the pool (they are never quoted);
* **neighbours**: an answer often sits in the chunk right after the one that matched best (the
  trial is named in one chunk, its result in the next), so the chunks around the top few hits,
  on the same page and under the same heading, are read as well.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from hub.catalog import ChunkRow, chunk_id
from hub.question import QuestionIntent
from hub.retrieval import Hit
from ingest.sections import NOT_QUOTABLE, PATIENT_FACING


@dataclass(frozen=True)
class RoutingConfig:
    """Boosts are added to the fused retrieval score (convex fusion: 0..1)."""

    pool: int = 40  # chunks retrieved before routing
    read: int = 12  # chunks the composer reads after routing
    section_boost: float = 0.1
    table_boost: float = 0.05
    patient_penalty: float = 0.05
    neighbours_of: int = 3  # the top hits whose neighbouring chunks are read too


def merge_hits(first: Sequence[Hit], second: Sequence[Hit]) -> list[Hit]:
    """The union of two retrieved lists; a chunk found by both keeps its better score."""
    best: dict[str, Hit] = {h.chunk_id: h for h in first}
    for hit in second:
        if hit.chunk_id not in best or hit.score > best[hit.chunk_id].score:
            best[hit.chunk_id] = hit
    return sorted(best.values(), key=lambda h: (-h.score, h.chunk_id))


def route(hits: Sequence[Hit], chunks: dict[str, ChunkRow], intent: QuestionIntent, cfg: RoutingConfig) -> list[Hit]:
    """Re-rank the retrieved pool by section kind and keep the ``cfg.read`` best."""
    wanted = intent.sections
    scored = []
    for hit in hits:
        chunk = chunks.get(hit.chunk_id)
        if chunk is None or chunk.section_kind in NOT_QUOTABLE:
            continue
        score = hit.score
        if chunk.section_kind in wanted:
            score += cfg.section_boost
        if chunk.kind == "table" and intent.kind in ("result", "rate", "adverse_reaction"):
            score += cfg.table_boost
        if chunk.section_kind in PATIENT_FACING:
            score -= cfg.patient_penalty
        scored.append(replace(hit, score=score))
    scored.sort(key=lambda h: (-h.score, h.chunk_id))
    return scored[: cfg.read]


def neighbour_ids(top: Iterable[Hit], chunks: dict[str, ChunkRow]) -> list[tuple[str, Hit]]:
    """(neighbour chunk id, the hit it neighbours) for the chunks just before and after each hit."""
    out = []
    for hit in top:
        chunk = chunks.get(hit.chunk_id)
        if chunk is None:
            continue
        for seq in (chunk.seq - 1, chunk.seq + 1):
            if seq >= 0:
                out.append((chunk_id(chunk.version_id, seq), hit))
    return out


def with_neighbours(
    hits: list[Hit],
    chunks: dict[str, ChunkRow],
    fetch: Callable[[Iterable[str]], dict[str, ChunkRow]],
    cfg: RoutingConfig,
) -> tuple[list[Hit], dict[str, ChunkRow]]:
    """Add the neighbours (same page, same section) of the top hits after the routed hits."""
    present = {h.chunk_id for h in hits}
    wanted = [(cid, parent) for cid, parent in neighbour_ids(hits[: cfg.neighbours_of], chunks) if cid not in present]
    if not wanted:
        return hits, chunks
    found = fetch(cid for cid, _ in wanted)
    out = list(hits)
    merged = dict(chunks)
    added: set[str] = set()
    for cid, parent in wanted:
        row = found.get(cid)
        base = chunks[parent.chunk_id]
        if row is None or cid in added or row.page != base.page or row.section != base.section:
            continue
        added.add(cid)
        merged[cid] = row
        # A neighbour is read on its parent's evidence, a little below it.
        out.append(replace(parent, chunk_id=cid, score=parent.score * 0.9))
    return out, merged
