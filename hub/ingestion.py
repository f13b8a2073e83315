"""Ingestion service: a file and its approval metadata become a published, searchable version.

Order of work, so nothing half-written is ever visible:

1. validate (name, size, metadata), hash; identical bytes already in the catalog -> ``unchanged``;
2. parse and chunk (``ingest``), embed - all in memory;
3. write vectors to Chroma flagged ``live=False`` (invisible to every query);
4. one SQL transaction: version + chunks, supersede the previous approved version;
5. flip the ``live`` flags in Chroma; the lexical index follows the catalog generation.

A failure in 3 or 4 removes what was written; the catalog (step 4) is the commit point.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from hub.catalog import Catalog, NewChunk, chunk_id, new_id
from hub.embedding import Embedder
from hub.errors import FileTooLargeError, HubError, InvalidInput
from hub.vector_index import ChromaVectorIndex, VectorRecord
from ingest.chunking import ChunkingConfig, chunk_document
from ingest.errors import BadMetadata, IngestError
from ingest.loaders import SUPPORTED_EXTENSIONS, load_document, media_type_for, safe_file_name
from ingest.metadata import DocumentMetadata, Status, is_sidecar, load_sidecar, parse_metadata

log = logging.getLogger(__name__)

Outcome = Literal["ingested", "unchanged", "failed", "skipped"]


@dataclass
class IngestResult:
    """What happened to one file."""

    file: str
    outcome: Outcome
    message: str = ""
    document_id: str | None = None
    version_id: str | None = None
    version: str | None = None
    title: str | None = None
    status: str | None = None
    pages: int = 0
    chunks: int = 0
    superseded: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class IngestionService:
    """Turns files into catalog versions plus index entries (see module docstring)."""

    def __init__(
        self,
        catalog: Catalog,
        embedder: Callable[[], Embedder],
        vectors: ChromaVectorIndex,
        *,
        files_dir: Path,
        chunking: ChunkingConfig,
        max_bytes: int,
    ) -> None:
        self.catalog = catalog
        self._embedder = embedder
        self.vectors = vectors
        self.files_dir = files_dir
        self.chunking = chunking
        self.max_bytes = max_bytes

    def ingest_bytes(self, data: bytes, file_name: str, meta: DocumentMetadata) -> IngestResult:
        """Ingest one file. Raises :class:`HubError` subclasses with an actionable message."""
        timings: dict[str, float] = {}
        try:
            safe_file_name(file_name)
            media_type = media_type_for(file_name)
        except IngestError as exc:
            raise InvalidInput(exc.message, file=file_name) from exc
        if len(data) > self.max_bytes:
            raise FileTooLargeError(
                f"{file_name} is {len(data) / 2**20:.1f} MiB; the limit is {self.max_bytes / 2**20:.0f} MiB. "
                "Split the file or ask an admin to raise HUB_MAX_UPLOAD_MB.",
                file=file_name,
            )
        sha = hashlib.sha256(data).hexdigest()
        existing = self.catalog.version_by_sha(sha)
        if existing is not None:
            return IngestResult(
                file_name, "unchanged", "identical bytes are already in the catalog",
                document_id=existing.document_id, version_id=existing.id, version=existing.version_label,
                title=existing.title, status=existing.status, pages=existing.page_count, chunks=existing.chunk_count,
            )
        t = time.perf_counter()
        try:
            parsed = load_document(data, file_name)
        except IngestError as exc:
            raise InvalidInput(exc.message, file=file_name) from exc
        timings["parse"] = time.perf_counter() - t
        t = time.perf_counter()
        chunks = chunk_document(parsed, self.chunking)
        timings["chunk"] = time.perf_counter() - t
        if not chunks:
            raise InvalidInput(f"{file_name}: no text could be chunked; check the file has body text", file=file_name)
        t = time.perf_counter()
        embedder = self._embedder()
        vectors = embedder.encode([c.index_text(meta.title) for c in chunks])
        timings["embed"] = time.perf_counter() - t

        t = time.perf_counter()
        version_id = new_id()
        ids = [chunk_id(version_id, c.seq) for c in chunks]
        self.vectors.add([
            VectorRecord(cid, version_id, c.index_text(meta.title), vec, False, meta.effective_date,
                         meta.expiry_date, meta.product, str(meta.doc_type), meta.therapeutic_area)
            for cid, c, vec in zip(ids, chunks, vectors, strict=True)
        ])
        try:
            self._store_original(sha, media_type, data)
            version, superseded = self.catalog.add_version(
                meta, sha256=sha, source_file=file_name, media_type=media_type, page_count=parsed.page_count,
                chunks=[NewChunk(c.seq, c.page, c.section, c.kind, c.text) for c in chunks],
                embedding_model=embedder.model_id, version_id=version_id,
            )
        except Exception:
            self.vectors.delete(ids)
            raise
        if version.status == Status.approved:
            self.vectors.set_live(ids, True)
            for old in superseded:
                self.vectors.set_live(self.catalog.chunk_ids_of(old), False)
        timings["write"] = time.perf_counter() - t
        log.info("ingested %s as %s v%s (%d chunks)", file_name, version.id, version.version_label, len(chunks))
        return IngestResult(
            file_name, "ingested", document_id=version.document_id, version_id=version.id,
            version=version.version_label, title=meta.title, status=version.status,
            pages=parsed.page_count, chunks=len(chunks), superseded=superseded, seconds=timings,
        )

    def set_status(self, version_id: str, status: Status, reason: str = "") -> list[str]:
        """Change a version's state in the catalog, then mirror it into the vector index."""
        superseded = self.catalog.set_status(version_id, status, reason)
        self.vectors.set_live(self.catalog.chunk_ids_of(version_id), status == Status.approved)
        for old in superseded:
            self.vectors.set_live(self.catalog.chunk_ids_of(old), False)
        return superseded

    def _store_original(self, sha: str, media_type: str, data: bytes) -> None:
        # Originals are kept by content hash: provenance for audit, and no name can escape the folder.
        self.files_dir.mkdir(parents=True, exist_ok=True)
        target = self.files_dir / f"{sha}.{media_type}"
        if not target.exists():
            tmp = target.with_suffix(".part")
            tmp.write_bytes(data)
            tmp.replace(target)

    # --- batches from the file system ------------------------------------------------------------

    def ingest_paths(
        self,
        paths: Iterable[Path],
        overrides: dict[str, Any] | None = None,
        on_file: Callable[[IngestResult], None] | None = None,
    ) -> list[IngestResult]:
        """Ingest files and folders; one result per file, failures recorded and the batch goes on.

        In a folder, files of unsupported types and files without a sidecar (when no metadata was
        given on the command line) are skipped; a file named explicitly must be ingestible.
        """
        overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
        results = []
        for path, explicit in expand_paths(paths):
            result = self._ingest_path(path, explicit, overrides)
            results.append(result)
            if on_file:
                on_file(result)
        return results

    def _ingest_path(self, path: Path, explicit: bool, overrides: dict[str, Any]) -> IngestResult:
        name = path.name
        try:
            if not path.is_file():
                raise InvalidInput(f"{path} does not exist or is not a file")
            media_type_for(name)
            raw = load_sidecar(path)
            if raw is None and not overrides:
                if not explicit:
                    return IngestResult(name, "skipped", "no sidecar metadata (NAME.meta.yaml)")
                raise BadMetadata(
                    f"no metadata: add {path.stem}.meta.yaml beside the file or pass --title and --doc-type",
                    file=name,
                )
            meta = parse_metadata({**(raw or {}), **overrides}, file=name)
            return self.ingest_bytes(path.read_bytes(), name, meta)
        except BadMetadata as exc:
            return IngestResult(name, "failed", exc.message)
        except IngestError as exc:
            return IngestResult(name, "failed", exc.message)
        except HubError as exc:
            return IngestResult(name, "failed", exc.message)
        except OSError as exc:
            return IngestResult(name, "failed", f"could not read the file: {exc.strerror or exc}")


def expand_paths(paths: Iterable[Path]) -> list[tuple[Path, bool]]:
    """Files named directly (explicit) and the supported files found in folders, sorted."""
    out: list[tuple[Path, bool]] = []
    for p in paths:
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                if child.is_file() and child.suffix.lower() in SUPPORTED_EXTENSIONS and not is_sidecar(child):
                    if any(part.startswith(".") for part in child.relative_to(p).parts):
                        continue
                    out.append((child, False))
        else:
            out.append((p, True))
    return out
