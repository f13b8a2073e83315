"""Start-up repair: make the vector store agree with the catalog after a crash.

Publishing writes in three places in a fixed order (hub/ingestion.py): vectors are added to
Chroma hidden (``live=0``); one SQL transaction commits the catalog change *and* its audit
records; then the ``live`` flags are flipped. The SQL commit is the point of no return. A crash
before it leaves hidden vectors the catalog does not know (orphans); a crash after it leaves flags
that disagree with the catalog, and quiz items of retired versions still active. Retrieval
filters on the catalog either way, but Chroma's own filtered search (``HUB_RETRIEVAL_DENSE_SEARCH=chroma``)
reads the flags, so they must be right.

:func:`repair_index` runs when the hub starts: it deletes orphan vectors, sets every flag from the
catalog, retires the quiz items of versions that are no longer approved, and - only when it had
something to fix - appends one ``index.repaired`` audit record saying what it changed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from hub.principal import Principal

if TYPE_CHECKING:
    from hub.audit import AuditLog
    from hub.catalog import Catalog
    from hub.learning.service import LearningService
    from hub.vector_index import ChromaVectorIndex

log = logging.getLogger(__name__)

_LISTED = 50  # ids named in the audit record; the counts are always complete


def repair_index(
    catalog: Catalog, vectors: ChromaVectorIndex, audit: AuditLog, learning: LearningService | None = None
) -> dict[str, Any]:
    """Bring vector flags (and retired quiz items) in line with the catalog; audit what changed."""
    should = catalog.chunk_liveness()
    stored = vectors.live_flags()
    orphans = sorted(set(stored) - set(should))
    turn_on = sorted(cid for cid, live in should.items() if live and cid in stored and not stored[cid])
    turn_off = sorted(cid for cid, live in should.items() if not live and stored.get(cid))
    missing = sorted(cid for cid in should if cid not in stored)
    if orphans:
        vectors.delete(orphans)
    if turn_on:
        vectors.set_live(turn_on, True)
    if turn_off:
        vectors.set_live(turn_off, False)
    retired_items = 0
    if learning is not None:
        retired_items = learning.retire_versions(catalog.version_ids_not_approved())
    report: dict[str, Any] = {
        "orphan_vectors_deleted": len(orphans),
        "flags_set_live": len(turn_on),
        "flags_set_hidden": len(turn_off),
        "chunks_without_vectors": len(missing),
        "quiz_items_retired": retired_items,
    }
    if any(report.values()):
        details = {
            "orphan_ids": orphans[:_LISTED],
            "set_live_ids": turn_on[:_LISTED],
            "set_hidden_ids": turn_off[:_LISTED],
            "missing_ids": missing[:_LISTED],
        }
        audit.append("index.repaired", Principal.system("startup-repair"), {**report, **details})
        log.warning("start-up repair: %s", report)
    return report
