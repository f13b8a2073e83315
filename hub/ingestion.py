"""Ingestion service: a file and its approval metadata become a published, searchable version.

Order of work, so nothing half-written is ever visible:

1. validate (name, size, metadata), hash; identical bytes already in the catalog -> ``unchanged``;
2. parse and chunk (``ingest``), embed - all in memory;
3. write vectors to Chroma flagged ``live=False`` (invisible to every query);
4. one SQL transaction: version + chunks + the original file's bytes (kept in the database so every
   worker can serve and re-process it), supersede the previous approved version;
5. flip the ``live`` flags in Chroma; the lexical index follows the catalog generation;
6. tell the ``on_published`` listeners (the hub audits every new version and retires superseded ones).

A failure in 3 or 4 removes what was written; the catalog (step 4) is the commit point.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.orm import Session

from hub.auth import Principal
from hub.catalog import Catalog, NewChunk, NewVersion, StatusHook, Version, chunk_id, new_id
from hub.embedding import Embedder
from hub.errors import FileTooLargeError, HubError, InvalidInput
from hub.upload_rules import admissible_upload_status
from hub.vector_index import ChromaVectorIndex, VectorRecord
from ingest.chunk_limits import enforce_chunk_size
from ingest.chunking import ChunkingConfig, chunk_document
from ingest.errors import BadMetadata, IngestError
from ingest.files import expand_paths
from ingest.loaders import media_type_for, safe_file_name
from ingest.metadata import DocumentMetadata, Status, load_sidecar, parse_metadata
from ingest.model import Block, ParsedDocument
from ingest.normalize import collapse_whitespace, normalize_text
from ingest.sandbox import SandboxedParser

log = logging.getLogger(__name__)

Outcome = Literal["ingested", "unchanged", "failed", "skipped"]
PublishListener = Callable[[list[tuple[Version, list[str]]], "Principal | None"], None]
"""Called after versions are published, with each version and the ids it superseded, and the actor."""
PublishAudit = Callable[[Session, list[tuple[Version, list[str]]], "Principal | None"], None]
"""Called *inside* the catalog transaction that publishes versions (the hub appends the audit records there)."""


@dataclass(frozen=True)
class TextRecord:
    """A text document for the bulk path; ``key`` identifies it across versions."""

    key: str
    title: str
    text: str
    meta: DocumentMetadata
    file_name: str = "record.txt"


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
        parser: SandboxedParser | None = None,
    ) -> None:
        self.catalog = catalog
        self._embedder = embedder
        self.vectors = vectors
        # The web UI serves originals from this folder; the database keeps them too (shared by workers).
        self.files_dir = files_dir
        self.chunking = chunking
        self.max_bytes = max_bytes
        # Files are parsed and chunked in a resource-limited worker process (ingest/sandbox.py).
        self.parser = parser or SandboxedParser(chunking)
        self.on_published: list[PublishListener] = []
        # Set by the hub: the audit append lock (taken before the catalog transaction, never inside
        # it) and the hook that writes the audit records in that same transaction.
        self.write_lock: Callable[[], AbstractContextManager[None]] = contextlib.nullcontext
        self.publish_audit: PublishAudit | None = None
        # Set by the hub: today's date, and whether a person's upload needs a second person to approve it.
        self.clock: Callable[[], dt.date] = lambda: dt.datetime.now(dt.UTC).date()
        self.four_eyes = False

    def _audit_hook(self, actor: Principal | None) -> Callable[[Session, list[tuple[Version, list[str]]]], None]:
        def hook(session: Session, published: list[tuple[Version, list[str]]]) -> None:
            if self.publish_audit is not None:
                self.publish_audit(session, published, actor)

        return hook

    def _published(self, published: list[tuple[Version, list[str]]], actor: Principal | None) -> None:
        for listener in self.on_published:
            listener(published, actor)

    def ingest_bytes(
        self, data: bytes, file_name: str, meta: DocumentMetadata, *, actor: Principal | None = None
    ) -> IngestResult:
        """Ingest one file. Raises :class:`HubError` subclasses with an actionable message.

        ``actor`` is who uploaded it (for the audit log; maintenance when None).
        """
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
                file_name,
                "unchanged",
                "identical bytes are already in the catalog",
                document_id=existing.document_id,
                version_id=existing.id,
                version=existing.version_label,
                title=existing.title,
                status=existing.status,
                pages=existing.page_count,
                chunks=existing.chunk_count,
            )
        meta, note = admissible_upload_status(
            meta, self.clock(), four_eyes=self.four_eyes, by_person=actor is not None and not actor.is_system
        )
        t = time.perf_counter()
        try:
            parsed = self.parser.parse(data, file_name)
        except IngestError as exc:
            raise InvalidInput(exc.message, file=file_name) from exc
        chunks = parsed.chunks
        timings["parse"] = time.perf_counter() - t - parsed.seconds.get("chunk", 0.0)
        timings["chunk"] = parsed.seconds.get("chunk", 0.0)
        if not chunks:
            raise InvalidInput(f"{file_name}: no text could be chunked; check the file has body text", file=file_name)
        t = time.perf_counter()
        embedder = self._embedder()
        vectors = embedder.encode([c.index_text(meta.title) for c in chunks])
        timings["embed"] = time.perf_counter() - t

        t = time.perf_counter()
        version_id = new_id()
        ids = [chunk_id(version_id, c.seq) for c in chunks]
        self.vectors.add(
            [
                VectorRecord(
                    cid,
                    version_id,
                    c.index_text(meta.title),
                    vec,
                    False,
                    meta.effective_date,
                    meta.expiry_date,
                    meta.product,
                    str(meta.doc_type),
                    meta.therapeutic_area,
                )
                for cid, c, vec in zip(ids, chunks, vectors, strict=True)
            ]
        )
        try:
            stored = self._store_original(sha, media_type, data)
            with self.write_lock():
                version, superseded = self.catalog.add_version(
                    NewVersion(
                        meta,
                        sha,
                        file_name,
                        media_type,
                        parsed.page_count,
                        [NewChunk(c.seq, c.page, c.section, c.kind, c.text, c.section_kind) for c in chunks],
                        embedder.model_id,
                        version_id,
                        original=data,
                    ),
                    before_commit=self._audit_hook(actor),
                )
        except Exception:
            self.vectors.delete(ids)
            self._drop_original(sha, stored)
            raise
        if version.status == Status.approved:
            self.vectors.set_live(ids, True)
            for old in superseded:
                self.vectors.set_live(self.catalog.chunk_ids_of(old), False)
        timings["write"] = time.perf_counter() - t
        self._published([(version, superseded)], actor)
        log.info("ingested %s as %s v%s (%d chunks)", file_name, version.id, version.version_label, len(chunks))
        return IngestResult(
            file_name,
            "ingested",
            note,
            document_id=version.document_id,
            version_id=version.id,
            version=version.version_label,
            title=meta.title,
            status=version.status,
            pages=parsed.page_count,
            chunks=len(chunks),
            superseded=superseded,
            seconds=timings,
        )

    def ingest_records(
        self,
        records: Iterable[TextRecord],
        *,
        batch_docs: int = 512,
        on_batch: Callable[[int], None] | None = None,
        actor: Principal | None = None,
    ) -> dict[str, Any]:
        """Bulk path for many small text documents (benchmarks, feeds): same parse/chunk/embed/
        publish steps as files, but embedded and written in batches across documents.

        Returns counts and seconds per stage. Records whose content is already in the catalog are
        skipped (counted as ``unchanged``).
        """
        stats: dict[str, Any] = {
            "documents": 0,
            "unchanged": 0,
            "chunks": 0,
            "seconds": {"parse": 0.0, "chunk": 0.0, "embed": 0.0, "write": 0.0},
        }
        batch: list[TextRecord] = []
        for record in records:
            batch.append(record)
            if len(batch) >= batch_docs:
                self._ingest_record_batch(batch, stats, actor)
                if on_batch:
                    on_batch(len(batch))
                batch = []
        if batch:
            self._ingest_record_batch(batch, stats, actor)
            if on_batch:
                on_batch(len(batch))
        return stats

    def _ingest_record_batch(self, batch: list[TextRecord], stats: dict[str, Any], actor: Principal | None) -> None:
        sec = stats["seconds"]
        t = time.perf_counter()
        shas = [hashlib.sha256(f"{r.key}\0{r.title}\0{r.text}".encode()).hexdigest() for r in batch]
        known = self.catalog.existing_shas(shas)
        parsed = []
        for record, sha in zip(batch, shas, strict=True):
            if sha in known:
                stats["unchanged"] += 1
                continue
            text = normalize_text(record.text)
            doc = ParsedDocument(record.file_name, "txt", "page", 1, [Block(1, "paragraph", collapse_whitespace(text))])
            parsed.append((record, sha, doc))
        sec["parse"] += time.perf_counter() - t
        t = time.perf_counter()
        hard_max = self.parser.hard_max_words
        chunked = [
            (record, sha, doc, enforce_chunk_size(chunk_document(doc, self.chunking), hard_max))
            for record, sha, doc in parsed
        ]
        chunked = [item for item in chunked if item[3]]
        sec["chunk"] += time.perf_counter() - t
        if not chunked:
            return
        t = time.perf_counter()
        embedder = self._embedder()
        texts = [c.index_text(record.title) for record, _, _, chunks in chunked for c in chunks]
        vectors = embedder.encode(texts)
        sec["embed"] += time.perf_counter() - t

        t = time.perf_counter()
        vector_records, news, all_ids = [], [], []
        row = 0
        today = self.clock()
        by_person = actor is not None and not actor.is_system
        for record, sha, _doc, chunks in chunked:
            meta = record.meta.model_copy(update={"title": record.title or record.key})
            meta, _ = admissible_upload_status(meta, today, four_eyes=self.four_eyes, by_person=by_person)
            version_id = new_id()
            ids = [chunk_id(version_id, c.seq) for c in chunks]
            all_ids.extend(ids)
            for cid, c in zip(ids, chunks, strict=True):
                vector_records.append(
                    VectorRecord(
                        cid,
                        version_id,
                        c.index_text(meta.title),
                        vectors[row],
                        False,
                        meta.effective_date,
                        meta.expiry_date,
                        meta.product,
                        str(meta.doc_type),
                        meta.therapeutic_area,
                    )
                )
                row += 1
            news.append(
                NewVersion(
                    meta,
                    sha,
                    record.file_name,
                    "txt",
                    1,
                    [NewChunk(c.seq, c.page, c.section, c.kind, c.text, c.section_kind) for c in chunks],
                    embedder.model_id,
                    version_id,
                    record.key,
                )
            )
        self.vectors.add(vector_records)
        try:
            with self.write_lock():
                published = self.catalog.add_versions(news, before_commit=self._audit_hook(actor))
        except Exception:
            self.vectors.delete(all_ids)
            raise
        live = [
            cid
            for (version, _), vr in zip(published, news, strict=True)
            if version.status == Status.approved
            for cid in (chunk_id(version.id, c.seq) for c in vr.chunks)
        ]
        self.vectors.set_live(live, True)
        for _, superseded in published:
            for old in superseded:
                self.vectors.set_live(self.catalog.chunk_ids_of(old), False)
        sec["write"] += time.perf_counter() - t
        self._published(published, actor)
        stats["documents"] += len(chunked)
        stats["chunks"] += len(vector_records)

    def set_status(
        self,
        version_id: str,
        status: Status,
        reason: str = "",
        *,
        expect: str | None = None,
        before_commit: StatusHook | None = None,
    ) -> list[str]:
        """Change a version's state in the catalog, then mirror it into the vector index.

        Low level: no lifecycle rules. ``before_commit`` runs in the catalog transaction (the hub's
        audit records). People go through :meth:`hub.service.Hub.set_status`.
        """
        with self.write_lock():
            superseded = self.catalog.set_status(version_id, status, reason, expect=expect, before_commit=before_commit)
        self.vectors.set_live(self.catalog.chunk_ids_of(version_id), status == Status.approved)
        for old in superseded:
            self.vectors.set_live(self.catalog.chunk_ids_of(old), False)
        return superseded

    def _store_original(self, sha: str, media_type: str, data: bytes) -> Path | None:
        """Keep the original by content hash; returns its path if this call created it."""
        # Originals are kept by content hash: provenance for audit, and no name can escape the folder.
        self.files_dir.mkdir(parents=True, exist_ok=True)
        target = self.files_dir / f"{sha}.{media_type}"
        if target.exists():
            return None
        tmp = target.with_suffix(f".{new_id()}.part")
        tmp.write_bytes(data)
        tmp.replace(target)
        return target

    def _drop_original(self, sha: str, created: Path | None) -> None:
        # A failed publish (e.g. a concurrent first upload of the same title) must not leave an
        # orphan file - unless a version committed meanwhile with the same bytes needs it.
        if created is not None and self.catalog.version_by_sha(sha) is None:
            created.unlink(missing_ok=True)

    # --- batches from the file system ------------------------------------------------------------

    def ingest_paths(
        self,
        paths: Iterable[Path],
        overrides: dict[str, Any] | None = None,
        on_file: Callable[[IngestResult], None] | None = None,
        *,
        actor: Principal | None = None,
    ) -> list[IngestResult]:
        """Ingest files and folders; one result per file, failures recorded and the batch goes on.

        In a folder, files of unsupported types and files without a sidecar (when no metadata was
        given on the command line) are skipped; a file named explicitly must be ingestible.
        """
        overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
        results = []
        for path, explicit in expand_paths(paths):
            result = self._ingest_path(path, explicit, overrides, actor)
            results.append(result)
            if on_file:
                on_file(result)
        return results

    def _ingest_path(
        self, path: Path, explicit: bool, overrides: dict[str, Any], actor: Principal | None
    ) -> IngestResult:
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
            return self.ingest_bytes(path.read_bytes(), name, meta, actor=actor)
        except (IngestError, HubError) as exc:  # BadMetadata is an IngestError
            return IngestResult(name, "failed", exc.message)
        except OSError as exc:
            return IngestResult(name, "failed", f"could not read the file: {exc.strerror or exc}")
        except Exception as exc:  # a batch records every failure per file and goes on to the next file
            log.exception("ingesting %s failed unexpectedly", path)
            return IngestResult(name, "failed", f"unexpected error ({type(exc).__name__}); see the server log")
