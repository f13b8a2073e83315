"""The SQL catalog: documents, their versions with lifecycle state, and the chunks of each version.

SQLite by default, any SQLAlchemy URL (PostgreSQL for scale-out) by setting. The catalog is the
source of truth for what may be shown; the vector and lexical indexes mirror it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    create_engine,
    event,
    func,
    select,
    text,
    update,
)
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, sessionmaker

from hub.errors import Conflict, NotFound
from hub.schema import ensure_schema
from ingest.metadata import DocumentMetadata, Status
from ingest.model import index_text

SCHEMA_VERSION = 1
T = TypeVar("T")
log = logging.getLogger(__name__)
ONE_APPROVED_INDEX = "uq_versions_one_approved"
PublishHook = Callable[[Session, "list[tuple[Version, list[str]]]"], None]
"""Runs inside the transaction that adds versions: ``(session, [(version, superseded ids), ...])``."""
StatusHook = Callable[[Session, list[str]], None]
"""Runs inside the transaction that changes a version's state: ``(session, superseded ids)``."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_id() -> str:
    return uuid.uuid4().hex[:16]


class Base(DeclarativeBase):
    pass


class Document(Base):
    """A logical document (e.g. "LUMERZA Prescribing Information"), stable across versions."""

    __tablename__ = "documents"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(300))
    title_key: Mapped[str] = mapped_column(String(300), unique=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    versions: Mapped[list[Version]] = relationship(
        back_populates="document", order_by="Version.created_at", lazy="selectin"
    )


class Version(Base):
    """One uploaded file of a document, identified by its content hash."""

    __tablename__ = "versions"
    # At most one approved version per document, whatever the number of workers (migration 0002).
    __table_args__ = (
        Index(
            ONE_APPROVED_INDEX,
            "document_id",
            unique=True,
            sqlite_where=text("status = 'approved'"),
            postgresql_where=text("status = 'approved'"),
        ),
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), index=True)
    version_label: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    source_file: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(10))
    doc_type: Mapped[str] = mapped_column(String(20), index=True)
    product: Mapped[str] = mapped_column(String(120), default="", index=True)
    therapeutic_area: Mapped[str] = mapped_column(String(120), default="")
    approval_id: Mapped[str] = mapped_column(String(80), default="")
    owner: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(20), index=True)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    effective_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    expiry_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    chunk_count: Mapped[int] = mapped_column(Integer, default=0)
    embedding_model: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status_changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    document: Mapped[Document] = relationship(back_populates="versions", lazy="joined")

    @property
    def title(self) -> str:
        return self.document.title

    def in_date(self, today: dt.date) -> bool:
        return (self.effective_date is None or self.effective_date <= today) and (
            self.expiry_date is None or today <= self.expiry_date
        )

    def is_retrievable(self, today: dt.date) -> bool:
        """Approved (which implies latest: approving supersedes older ones) and within its dates."""
        return self.status == Status.approved and self.in_date(today)


class ChunkRow(Base):
    __tablename__ = "chunks"
    id: Mapped[str] = mapped_column(String(48), primary_key=True)
    version_id: Mapped[str] = mapped_column(ForeignKey("versions.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    page: Mapped[int] = mapped_column(Integer)
    section: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(10), default="text")
    section_kind: Mapped[str] = mapped_column(String(32), default="body")
    text: Mapped[str] = mapped_column(Text)
    version: Mapped[Version] = relationship(lazy="joined")


class Original(Base):
    """An uploaded file's bytes, kept by content hash (migration 0004; shared by every worker)."""

    __tablename__ = "originals"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(10))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class IndexState(Base):
    """A counter bumped by every change to what is retrievable; caches key on it."""

    __tablename__ = "index_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    schema_version: Mapped[int] = mapped_column(Integer, default=SCHEMA_VERSION)


@dataclass(frozen=True)
class NewChunk:
    seq: int
    page: int
    section: str
    kind: str
    text: str
    section_kind: str = "body"


@dataclass(frozen=True)
class NewVersion:
    """Everything needed to record one uploaded file as a version of a document.

    ``document_key`` identifies the document across versions; by default the normalised title.
    """

    meta: DocumentMetadata
    sha256: str
    source_file: str
    media_type: str
    page_count: int
    chunks: Sequence[NewChunk]
    embedding_model: str
    version_id: str | None = None
    document_key: str | None = None
    original: bytes | None = None

    @property
    def key(self) -> str:
        return self.document_key or title_key(self.meta.title)


@dataclass(frozen=True)
class LexicalRow:
    """What the lexical index needs of an approved chunk, including the fields it filters on."""

    chunk_id: str
    text: str
    effective: dt.date | None
    expiry: dt.date | None
    product: str
    doc_type: str
    therapeutic_area: str


class GenerationCache(Generic[T]):
    """One value derived from the catalog (an in-memory index), rebuilt when the generation moves.

    Every change to what is retrievable bumps the catalog's generation counter. The first read
    builds the value; after a change, a read starts one rebuild in a background thread and waits
    for it at most ``catalog.refresh_wait_s``, then answers from the previous value if the new one
    is not ready, so no question stalls behind a rebuild of a large index. Serving the previous
    value for a moment is safe: answers re-check every cited chunk's version against the catalog
    (hub.answering), so withdrawn or superseded content is never quoted, and new content appears
    as soon as the rebuild swaps in. The process that made a change calls :meth:`Catalog.refresh`
    so its own next read is current.
    """

    def __init__(self, catalog: Catalog, build: Callable[[int], T]) -> None:
        self.catalog = catalog
        self._build = build
        self._value: tuple[int, T] | None = None
        self._lock = threading.Lock()  # held while building
        self._pending: tuple[threading.Event, float] | None = None  # (set when built, monotonic start)
        self._state = threading.Lock()
        catalog.caches.append(self)

    def get(self) -> T:
        generation = self.catalog.generation()
        held = self._value
        if held is not None and held[0] == generation:
            return held[1]
        if held is None:
            return self.refresh()  # nothing to answer from meanwhile
        # Every index of this worker starts rebuilding now, and all share one deadline, so a question
        # that reads several of them waits refresh_wait_s once, not once per index.
        self.catalog.refresh_in_background()
        done, since = self._start_background()
        done.wait(max(0.0, since + self.catalog.refresh_wait_s - time.monotonic()))
        held = self._value
        assert held is not None
        return held[1]

    def refresh(self) -> T:
        """Build the value for the current generation now (unless it already is current)."""
        with self._lock:
            generation = self.catalog.generation()
            held = self._value
            if held is None or held[0] != generation:
                held = (generation, self._build(generation))
                self._value = held
            return held[1]

    def _start_background(self) -> tuple[threading.Event, float]:
        with self._state:
            if self._pending is None:
                self._pending = (threading.Event(), time.monotonic())
                threading.Thread(target=self._background, args=(self._pending[0],), daemon=True).start()
            return self._pending

    def _background(self, done: threading.Event) -> None:
        try:
            self.refresh()
        except Exception:  # readers keep the previous value; the next read tries again
            log.exception("background index rebuild failed")
        finally:
            with self._state:
                self._pending = None
            done.set()


def title_key(title: str) -> str:
    return " ".join(title.lower().split())


def chunk_id(version_id: str, seq: int) -> str:
    return f"{version_id}-{seq:05d}"


def make_engine(url: str) -> Engine:
    """Engine with SQLite tuned for one writer and many readers (WAL, busy timeout)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


class Catalog:
    """Documents, versions and chunks in SQL. All methods are short transactions."""

    def __init__(self, engine: Engine, *, refresh_wait_s: float = 0.5) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.refresh_wait_s = refresh_wait_s
        """Longest a read waits for an index rebuild before answering from the previous snapshot."""
        self.caches: list[GenerationCache] = []  # type: ignore[type-arg]
        ensure_schema(engine)
        try:
            with self.sessions.begin() as s:
                if s.get(IndexState, 1) is None:
                    s.add(IndexState(id=1, generation=0))
        except IntegrityError:  # another worker created it first
            pass

    def refresh(self) -> None:
        """Rebuild every in-memory index of this process now (after this process changed content)."""
        for cache in self.caches:
            cache.refresh()

    def refresh_in_background(self) -> None:
        """Start rebuilding every stale in-memory index of this process, without waiting."""
        generation = self.generation()
        for cache in self.caches:
            held = cache._value
            if held is not None and held[0] != generation:
                cache._start_background()

    # --- reads ---------------------------------------------------------------------------------

    def generation(self) -> int:
        with self.sessions() as s:
            return int(s.scalar(select(IndexState.generation).where(IndexState.id == 1)) or 0)

    def version_by_sha(self, sha256: str) -> Version | None:
        with self.sessions() as s:
            return s.scalar(select(Version).where(Version.sha256 == sha256))

    def existing_shas(self, shas: Sequence[str]) -> set[str]:
        with self.sessions() as s:
            found: set[str] = set()
            for start in range(0, len(shas), 500):
                part = list(shas[start : start + 500])
                found.update(s.scalars(select(Version.sha256).where(Version.sha256.in_(part))))
            return found

    def document_keys_by_version(self) -> dict[str, str]:
        """version id -> document key, for mapping retrieved chunks back to external ids."""
        stmt = select(Version.id, Document.title_key).join(Document, Version.document_id == Document.id)
        with self.sessions() as s:
            return {vid: key for vid, key in s.execute(stmt)}

    def get_version(self, version_id: str) -> Version:
        with self.sessions() as s:
            version = s.get(Version, version_id)
            if version is None:
                raise NotFound(f"no document version with id '{version_id}'")
            return version

    def get_document(self, document_id: str) -> Document:
        with self.sessions() as s:
            doc = s.get(Document, document_id)
            if doc is None:
                raise NotFound(f"no document with id '{document_id}'; list documents with GET /api/documents")
            return doc

    def list_documents(self) -> Sequence[Document]:
        with self.sessions() as s:
            return s.scalars(select(Document).order_by(Document.title)).all()

    def chunks(self, ids: Iterable[str]) -> dict[str, ChunkRow]:
        ids = list(ids)
        if not ids:
            return {}
        with self.sessions() as s:
            rows = s.scalars(select(ChunkRow).where(ChunkRow.id.in_(ids))).all()
            return {r.id: r for r in rows}

    def approved_chunks(self) -> list[LexicalRow]:
        """Chunks of approved versions (dates are checked at query time, not here)."""
        stmt = (
            select(
                ChunkRow.id,
                ChunkRow.section,
                ChunkRow.text,
                Document.title,
                Version.effective_date,
                Version.expiry_date,
                Version.product,
                Version.doc_type,
                Version.therapeutic_area,
            )
            .join(Version, ChunkRow.version_id == Version.id)
            .join(Document, Version.document_id == Document.id)
            .where(Version.status == Status.approved)
            .order_by(ChunkRow.id)
        )
        with self.sessions() as s:
            return [
                LexicalRow(cid, index_text(title, section, text), eff, exp, product, doc_type, ta)
                for cid, section, text, title, eff, exp, product, doc_type, ta in s.execute(stmt)
            ]

    def due_for_expiry(self, today: dt.date) -> list[Version]:
        """Approved versions whose expiry date has passed (the expiry sweep marks them expired)."""
        with self.sessions() as s:
            return list(
                s.scalars(
                    select(Version).where(
                        Version.status == Status.approved, Version.expiry_date.is_not(None), Version.expiry_date < today
                    )
                )
            )

    def chunk_liveness(self) -> dict[str, bool]:
        """Every chunk id, with whether its version is approved (what the vector store's flag must say)."""
        stmt = select(ChunkRow.id, Version.status).join(Version, ChunkRow.version_id == Version.id)
        with self.sessions() as s:
            return {cid: status == Status.approved for cid, status in s.execute(stmt)}

    def version_ids_not_approved(self) -> list[str]:
        with self.sessions() as s:
            return list(s.scalars(select(Version.id).where(Version.status != Status.approved)))

    def chunk_ids_of(self, version_id: str) -> list[str]:
        with self.sessions() as s:
            return list(s.scalars(select(ChunkRow.id).where(ChunkRow.version_id == version_id)))

    # --- writes --------------------------------------------------------------------------------

    def add_version(self, new: NewVersion, *, before_commit: PublishHook | None = None) -> tuple[Version, list[str]]:
        """Insert one version and its chunks in one transaction (see :meth:`add_versions`)."""
        return self.add_versions([new], before_commit=before_commit)[0]

    def add_versions(
        self, batch: Sequence[NewVersion], *, before_commit: PublishHook | None = None
    ) -> list[tuple[Version, list[str]]]:
        """Insert versions and their chunks (and originals) in one transaction.

        When a new version is approved, every other approved version of the same document is
        marked superseded in the same transaction, before the new one is written, so the database's
        one-approved-version rule holds at every statement. ``before_commit(session, published)`` runs
        inside that transaction (the hub writes the audit records there). Returns each version with the
        ids it superseded.

        Raises :class:`Conflict` when another worker approved a version of the same document at
        the same moment (the loser of that race changes nothing). Two first uploads of one new
        title at once do not fail: the later one retries and becomes the document's next version.
        """
        for attempt in (1, 2):
            try:
                return self._add_versions(batch, before_commit)
            except IntegrityError as exc:
                problem = _constraint_problem(exc)
                if problem == "title" and attempt == 1:
                    log.info("document created concurrently by another worker; adding this upload as a version")
                    continue
                if problem == "approved":
                    raise Conflict(
                        "another version of this document was approved at the same moment by someone else; "
                        "nothing was changed: reload the document's versions and upload again if still needed"
                    ) from exc
                if problem == "sha256":
                    raise Conflict(
                        "the same file was uploaded at the same moment by someone else and is already in the "
                        "catalog; reload the document list"
                    ) from exc
                raise
        raise AssertionError("unreachable")

    def _add_versions(
        self, batch: Sequence[NewVersion], before_commit: PublishHook | None
    ) -> list[tuple[Version, list[str]]]:
        out: list[tuple[Version, list[str]]] = []
        with self.sessions.begin() as s:
            keys = {n.key for n in batch}
            docs = {d.title_key: d for d in s.scalars(select(Document).where(Document.title_key.in_(keys)))}
            for new in batch:
                meta = new.meta
                doc = docs.get(new.key)
                if doc is None:
                    doc = Document(id=new_id(), title=meta.title, title_key=new.key)
                    docs[new.key] = doc
                    s.add(doc)
                    s.flush()
                version_id = new.version_id or new_id()
                superseded: list[str] = []
                if str(meta.status) == Status.approved:
                    superseded = self._supersede(s, doc.id, version_id, meta.version)
                version = Version(
                    id=version_id,
                    document_id=doc.id,
                    version_label=meta.version,
                    sha256=new.sha256,
                    source_file=new.source_file,
                    media_type=new.media_type,
                    doc_type=str(meta.doc_type),
                    product=meta.product,
                    therapeutic_area=meta.therapeutic_area,
                    approval_id=meta.approval_id,
                    owner=meta.owner,
                    status=str(meta.status),
                    effective_date=meta.effective_date,
                    expiry_date=meta.expiry_date,
                    page_count=new.page_count,
                    chunk_count=len(new.chunks),
                    embedding_model=new.embedding_model,
                )
                version.document = doc
                s.add(version)
                if new.original is not None and s.get(Original, new.sha256) is None:
                    size = len(new.original)
                    s.add(Original(sha256=new.sha256, media_type=new.media_type, size=size, data=new.original))
                s.add_all(
                    ChunkRow(
                        id=chunk_id(version.id, c.seq),
                        version_id=version.id,
                        seq=c.seq,
                        page=c.page,
                        section=c.section,
                        kind=c.kind,
                        section_kind=c.section_kind,
                        text=c.text,
                    )
                    for c in new.chunks
                )
                # Flushed one by one: a later approved version of the same document in this batch
                # must see (and supersede) this one.
                s.flush()
                out.append((version, superseded))
            self._bump(s)
            if before_commit is not None:
                before_commit(s, out)
        return out

    def original(self, sha256: str) -> Original:
        """The stored bytes of an uploaded file, by content hash."""
        with self.sessions() as s:
            row = s.get(Original, sha256)
            if row is None:
                raise NotFound(f"no stored original with sha256 {sha256}")
            return row

    def _supersede(self, s: Session, document_id: str, by_id: str, by_label: str) -> list[str]:
        """Mark the document's approved versions (other than ``by_id``) superseded; returns their ids.

        The UPDATE takes row locks, so of two transactions approving versions of one document at
        once the second waits for the first, then finds nothing left to supersede and fails on the
        one-approved-version index instead of leaving two approved.
        """
        others = s.scalars(
            update(Version)
            .where(Version.document_id == document_id, Version.id != by_id, Version.status == Status.approved)
            .values(
                status=Status.superseded,
                status_changed_at=utcnow(),
                status_reason=f"superseded by version {by_label} ({by_id})",
            )
            .returning(Version.id)
        ).all()
        return list(others)

    def set_status(
        self,
        version_id: str,
        status: Status,
        reason: str = "",
        *,
        expect: str | None = None,
        before_commit: StatusHook | None = None,
    ) -> list[str]:
        """Change a version's lifecycle state; approving supersedes older approved versions.

        With ``expect``, the change happens only if the version is still in that state (so two
        people approving or withdrawing at once cannot both act on the same old state).
        ``before_commit(session, superseded)`` runs inside the transaction (the audit records).
        """
        try:
            with self.sessions.begin() as s:
                version = s.get(Version, version_id)
                if version is None:
                    raise NotFound(f"no document version with id '{version_id}'")
                # Supersede first: the one-approved-version index must hold after every statement.
                superseded = (
                    self._supersede(s, version.document_id, version.id, version.version_label)
                    if status == Status.approved
                    else []
                )
                if expect is not None:
                    # Compare-and-set in SQL: the WHERE re-reads the state under the write lock.
                    result = s.execute(
                        update(Version)
                        .where(Version.id == version_id, Version.status == expect)
                        .values(status=str(status))
                        .execution_options(synchronize_session=False)
                    )
                    changed = cast(CursorResult[Any], result).rowcount
                    if not changed:
                        s.rollback()
                        current = self.get_version(version_id)
                        raise Conflict(
                            f"version {version_id} is now {current.status}, no longer {expect}; reload and retry"
                        )
                    s.refresh(version)
                version.status = str(status)
                version.status_reason = reason
                version.status_changed_at = utcnow()
                self._bump(s)
                if before_commit is not None:
                    before_commit(s, superseded)
        except IntegrityError as exc:
            if _constraint_problem(exc) == "approved":
                raise Conflict(
                    "another version of this document was approved at the same moment; reload and retry"
                ) from exc
            raise
        return superseded

    def delete_version(self, version_id: str) -> None:
        """Remove a version that failed to publish (used only to roll back a half-done ingest)."""
        with self.sessions.begin() as s:
            s.query(ChunkRow).filter(ChunkRow.version_id == version_id).delete()
            s.query(Version).filter(Version.id == version_id).delete()
            self._bump(s)

    @staticmethod
    def _bump(s: Session) -> None:
        s.execute(update(IndexState).where(IndexState.id == 1).values(generation=IndexState.generation + 1))

    def counts(self) -> dict[str, int]:
        with self.sessions() as s:
            return {
                "documents": int(s.scalar(select(func.count()).select_from(Document)) or 0),
                "versions": int(s.scalar(select(func.count()).select_from(Version)) or 0),
                "chunks": int(s.scalar(select(func.count()).select_from(ChunkRow)) or 0),
            }


def _constraint_problem(exc: IntegrityError) -> str | None:
    """Which uniqueness rule an insert broke: ``approved``, ``title``, ``sha256`` or None (another)."""
    message = str(exc.orig)
    if ONE_APPROVED_INDEX in message or "versions.document_id" in message:
        return "approved"
    if "title_key" in message:
        return "title"
    if "sha256" in message:
        return "sha256"
    return None
