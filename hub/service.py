"""The hub service: where a question becomes an answer.

:class:`Hub` builds every component once from :class:`~hub.settings.Settings` (the only place
backends are chosen) and exposes the operations the API, CLI and UI call:

    ask(question, filters, user)  ->  retrieve (dense + lexical, filtered)  ->  compose (extractive)
                                  ->  audit record (hash-chained; safety terms flagged)
    ingestion.ingest_*            ->  parse -> chunk -> embed -> write -> publish -> audit
    set_status(version, status)   ->  lifecycle rules (hub.lifecycle) -> catalog + index -> audit
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from hub import lifecycle
from hub.answering import Answer, AnswerComposer, ComposerConfig
from hub.audit import ANSWER_EVENTS, AuditEntry, AuditLog
from hub.auth import Principal, Role, UserStore
from hub.catalog import Catalog, ChunkRow, Document, StatusHook, Version, make_engine
from hub.dense_index import ExactDenseIndex
from hub.embedding import Embedder
from hub.errors import Conflict, InvalidInput, NotFound
from hub.ingestion import IngestionService, IngestResult
from hub.learning.service import LearningService
from hub.lexical_index import BM25Index
from hub.question import KIND_QUERY_WORDS, common_words, understand
from hub.repair import repair_index
from hub.retrieval import Hit, HybridRetriever, Retrieval
from hub.routing import RoutingConfig, merge_hits, route, with_neighbours
from hub.safety import SafetyTerms
from hub.settings import Settings
from hub.signin_throttle import SignInThrottle
from hub.support import SupportModel
from hub.upload_rules import check_four_eyes_approval, parse_limits
from hub.vector_index import ChromaVectorIndex, QueryFilters, make_chroma_client
from ingest.chunking import ChunkingConfig
from ingest.metadata import DocType, DocumentMetadata, Status
from ingest.sandbox import SandboxedParser

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class _Answered:
    """An answer plus what the audit record needs from the way it was made."""

    answer: Answer
    question: str
    filters: AskFilters
    chunks: dict[str, ChunkRow]
    today: dt.date


@dataclass(frozen=True)
class AskFilters:
    product: str | None = None
    doc_type: str | None = None
    therapeutic_area: str | None = None


class Hub:
    """All service objects, built once at start-up and shared by API, CLI and UI.

    ``now`` (a UTC datetime) and ``clock`` (today's date) are injectable for tests. Given only one,
    the other follows it: ``clock`` defaults to ``now().date()``, and ``now`` to the real time of
    day on ``clock()``'s date, so audit timestamps and expiry decisions always agree on the day.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], dt.date] | None = None,
        now: Callable[[], dt.datetime] | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self.settings = settings
        self._now = now
        self._clock_given = clock is not None
        self.clock: Callable[[], dt.date] = clock or (lambda: self.now().date())
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.catalog = Catalog(
            make_engine(settings.resolved_database_url()), refresh_wait_s=settings.index_refresh_wait_s
        )
        self.audit = AuditLog(self.catalog.engine, now=self.now, checkpoint_file=settings.audit_checkpoint_file)
        self.users = UserStore(
            self.catalog.engine,
            self.audit,
            now=self.now,
            throttle=SignInThrottle(
                window_seconds=settings.auth.failure_window_seconds,
                per_client=settings.auth.max_failures_per_client,
                per_user=settings.auth.max_failures_per_user,
            ),
        )
        self.safety = SafetyTerms.load(settings.safety.terms_file)
        # Called with the ids of versions that stopped being retrievable; return values are ignored.
        self.retire_listeners: list[Callable[[list[str]], object]] = []
        self.settings_fingerprint = settings.answer_fingerprint()
        self.vectors = ChromaVectorIndex(
            make_chroma_client(settings.data_dir, settings.chroma_host, settings.chroma_port), settings.collection
        )
        r = settings.retrieval
        self.lexical = BM25Index(self.catalog, k1=r.bm25_k1, b=r.bm25_b, title_weight=r.bm25_title_weight)
        # Dense search: exact in memory over approved chunks (default), or Chroma's own filtered query.
        self.dense = ExactDenseIndex(self.catalog, self.vectors) if r.dense_search == "exact" else self.vectors
        self._embedder: Embedder | None = embedder
        self._embedder_lock = threading.Lock()
        self._composer: AnswerComposer | None = None
        self._lock = threading.Lock()
        self._priming: threading.Thread | None = None
        self._primed_generation: int | None = None
        self._lifecycle_lock = threading.Lock()
        self._swept_on: dt.date | None = None
        self.retriever = HybridRetriever(
            self._lazy_encoder(),
            self.dense,
            self.lexical,
            mode=r.mode,
            candidates=r.candidates,
            rrf_k=r.rrf_k,
            dense_weight=r.dense_weight,
            lexical_weight=r.lexical_weight,
            fusion=r.fusion,
        )
        chunking = ChunkingConfig(
            settings.chunk.max_words, settings.chunk.overlap_sentences, settings.chunk.table_max_words
        )
        self.ingestion = IngestionService(
            self.catalog,
            self.embedder,
            self.vectors,
            files_dir=settings.data_dir / "files",
            chunking=chunking,
            max_bytes=int(settings.max_upload_mb * 2**20),
            parser=SandboxedParser(chunking, parse_limits(settings)),
        )
        # Content changes and their audit records commit in one transaction (hub/audit.py append_in).
        self.ingestion.write_lock = self.audit.writing
        self.ingestion.publish_audit = self._audit_published
        self.ingestion.on_published.append(self._retire_superseded)
        self.ingestion.clock = lambda: self.clock()  # follows a clock swapped in later (tests do)
        self.ingestion.four_eyes = settings.approval_four_eyes
        # Registered before the start-up expiry sweep so that items of expired versions retire with them.
        # Lambdas, not bound methods: tests replace hub.clock / hub.now after construction.
        self.learning = LearningService(
            self.catalog, self.audit, settings.learning, now=lambda: self.now(), today=lambda: self.clock()
        )
        self.retire_listeners.append(self.learning.retire_versions)
        # A crash after a commit can leave the vector store's flags behind the catalog: put them right.
        repair_index(self.catalog, self.vectors, self.audit, self.learning)
        self.expire_due()

    def now(self) -> dt.datetime:
        """The current UTC time (injectable; see the class docstring)."""
        if self._now is not None:
            return self._now()
        real = utc_now()
        if not self._clock_given:
            return real
        return dt.datetime.combine(self.clock(), real.timetz())

    def embedder(self) -> Embedder:
        """The encoder, loaded on first use (so commands that do not embed start fast)."""
        if self._embedder is None:
            with self._embedder_lock:
                if self._embedder is None:
                    self._embedder = Embedder.from_settings(self.settings)
        return self._embedder

    def _lazy_encoder(self) -> _LazyEncoder:
        return _LazyEncoder(self)

    def composer(self) -> AnswerComposer:
        """The answer composer (one per hub: it caches sentence vectors)."""
        if self._composer is None:
            self._composer = self._make_composer()
        return self._composer

    def _make_composer(self) -> AnswerComposer:
        s = self.settings.answer
        return AnswerComposer(
            self.embedder(),
            self.lexical,
            ComposerConfig(
                max_sentences=s.max_sentences,
                max_words=s.max_words,
                threshold=s.refusal_threshold,
                min_ratio=s.sentence_min_ratio,
            ),
            SupportModel.load(s.model_file),
            common_words(self.settings.embedding.model),
        )

    def warm_up(self) -> None:
        """Load the model and build the lexical index now rather than on the first question, and
        start encoding the approved content's quotable pieces in the background (:meth:`prime`)."""
        self.embedder().encode(["warm up"])
        self.lexical.snapshot()
        self._start_priming()

    def prime(self) -> int:
        """Encode the quotable pieces of approved content into the composer's cache (bounded by its
        size). Runs in the background after start-up and after each content change."""
        generation = self.catalog.generation()
        ids = [row.chunk_id for row in self.catalog.approved_chunks()]
        composer = self.composer()
        budget = min(self.settings.answer.prime_pieces, composer.cache_size)
        done = 0
        for start in range(0, len(ids), 500):
            if done >= budget:
                break
            rows = self.catalog.chunks(ids[start : start + 500])
            done += composer.prime([rows[i] for i in ids[start : start + 500] if i in rows], budget - done)
        self._primed_generation = generation
        return done

    def wait_primed(self, timeout: float | None = None) -> None:
        """Block until background priming has finished (evals measure warm answers)."""
        thread = self._priming
        if thread is not None:
            thread.join(timeout)

    def _start_priming(self) -> None:
        if self.settings.answer.prime_pieces <= 0:
            return
        with self._lock:
            if self._priming is not None and self._priming.is_alive():
                return
            self._priming = threading.Thread(target=self._prime_quietly, name="hub-prime", daemon=True)
            self._priming.start()

    def _prime_quietly(self) -> None:
        try:
            self.prime()
        except Exception:  # priming is an optimisation: a failure must never stop answering
            log.exception("priming the answer cache failed; answers stay correct, only slower")

    # --- answering -----------------------------------------------------------------------------

    def ask(self, question: str, filters: AskFilters | None = None, *, user: Principal | None = None) -> Answer:
        """Answer from approved, current content only, or refuse with the reason; audit either way.

        ``user`` is who asked (maintenance/CLI when None). A question or answer matching a safety
        term is flagged in its audit record for pharmacovigilance follow-up.
        """
        if self._swept_on != self.clock():
            self.expire_due()
        if self._primed_generation is not None and self._primed_generation != self.catalog.generation():
            self._start_priming()  # new content: encode its pieces in the background
        done = self._answer(question, filters)
        record = self._audit_answer(done, user or Principal.system())
        done.answer.audit_id = record.id
        done.answer.flagged = record.flagged
        return done.answer

    def _answer(self, question: str, filters: AskFilters | None) -> _Answered:
        # The unaudited path: only evals/audit_cost.py calls it directly, to measure the audit's cost.
        question = " ".join((question or "").split())
        if not question:
            raise InvalidInput("the question is empty; type a question", field="question")
        if len(question) > MAX_QUESTION_CHARS:
            raise InvalidInput(
                f"the question is longer than {MAX_QUESTION_CHARS} characters; shorten it", field="question"
            )
        filters = filters or AskFilters()
        if filters.doc_type and filters.doc_type not in DocType.__members__:
            allowed = ", ".join(DocType.__members__)
            raise InvalidInput(f"doc_type '{filters.doc_type}' is unknown; use one of {allowed}", field="doc_type")
        today = self.clock()
        query_filters = QueryFilters(
            today, filters.product or None, filters.doc_type or None, filters.therapeutic_area or None
        )
        t0 = time.perf_counter()
        retrieval, hits, chunks = self.passages(question, query_filters)
        vector = retrieval.query_vector
        if vector is None:
            vector = self.embedder().encode_query(question)
        t1 = time.perf_counter()
        answer = self.composer().compose(question, vector, hits, chunks, query_filters)
        answer.timings_ms = {
            **{k: round(v, 2) for k, v in retrieval.timings_ms.items()},
            "retrieve": round((t1 - t0) * 1000, 2),
            "compose": round((time.perf_counter() - t1) * 1000, 2),
        }
        return _Answered(answer, question, filters, chunks, today)

    def passages(self, question: str, filters: QueryFilters) -> tuple[Retrieval, list[Hit], dict[str, ChunkRow]]:
        """Retrieve a pool, route it by section kind, add the top hits' neighbours (hub.routing)."""
        a, r = self.settings.answer, self.settings.routing
        cfg = RoutingConfig(
            pool=max(a.pool, a.chunks),
            read=a.chunks,
            section_boost=r.section_boost,
            table_boost=r.table_boost,
            patient_penalty=r.patient_penalty,
            neighbours_of=a.neighbours_of,
        )
        intent = understand(question)
        retrieval = self.retriever.retrieve(question, filters, k=cfg.pool)
        hits = list(retrieval.hits)
        expansion = KIND_QUERY_WORDS.get(intent.kind)
        if expansion:
            # The words of the section that answers this kind of question fill the pool too.
            extra = self.retriever.retrieve(f"{question} {expansion}", filters, k=cfg.pool)
            hits = merge_hits(hits, extra.hits)
        pool = self.catalog.chunks(h.chunk_id for h in hits)
        routed = route(hits, pool, intent, cfg)
        hits, chunks = with_neighbours(routed, pool, self.catalog.chunks, cfg)
        return retrieval, hits, chunks

    def _audit_answer(self, done: _Answered, actor: Principal) -> AuditEntry:
        t0 = time.perf_counter()
        answer = done.answer
        cited_versions = {c.version_id for c in answer.citations}
        products = sorted(
            {
                ch.version.product
                for ch in done.chunks.values()
                if ch.version_id in cited_versions and ch.version.product
            }
        )
        if not products:
            # A refusal cites nothing: label it with the product filter, else with what was retrieved,
            # so compliance filtering by product also finds the questions content could not answer.
            products = (
                [done.filters.product]
                if done.filters.product
                else sorted({ch.version.product for ch in done.chunks.values() if ch.version.product})
            )
        terms = self.safety.match(done.question, None if answer.refused else answer.answer)
        payload: dict[str, Any] = {
            "question": done.question,
            "filters": {k: v for k, v in asdict(done.filters).items() if v},
            "as_of": done.today.isoformat(),
            "retrieved": [
                {"chunk_id": r["chunk_id"], "version_id": r["version_id"], "page": r["page"], "score": r["score"]}
                for r in answer.retrieved
            ],
            "cited": [
                {
                    "n": c.n,
                    "document_id": c.document_id,
                    "version_id": c.version_id,
                    "version": c.version,
                    "title": c.title,
                    "page": c.page,
                    "chunk_id": c.chunk_id,
                    "score": c.score,
                }
                for c in answer.citations
            ],
            "answer": answer.answer,
            "refusal_reason": answer.reason if answer.refused else None,
            "support": answer.support,
            "embedding_model": self.embedder().model_id,
            "index_generation": self.catalog.generation(),
            "settings_fingerprint": self.settings_fingerprint,
            "safety_terms": terms,
        }
        if actor.operator:
            payload["operator"] = actor.operator
        record = self.audit.append(
            "answer.refused" if answer.refused else "answer.given",
            actor,
            payload,
            product=",".join(products),
            refused=answer.refused,
            flagged=bool(terms),
        )
        answer.timings_ms["audit"] = round((time.perf_counter() - t0) * 1000, 2)
        return record

    # --- lifecycle -----------------------------------------------------------------------------

    def set_status(self, version_id: str, status: Status | str, *, actor: Principal, reason: str = "") -> list[str]:
        """Move a version through its lifecycle (rules in :mod:`hub.lifecycle`), audited.

        Returns the ids of versions this change superseded (approving a draft retires the previous
        approved version). Raises Conflict (409), Forbidden (403) or InvalidInput (422).
        """
        try:
            target = Status(status)
        except ValueError as exc:
            raise InvalidInput(f"status '{status}' is unknown; use one of {', '.join(Status)}", field="status") from exc
        reason = (reason or "").strip()
        with self._lifecycle_lock:
            version = self.catalog.get_version(version_id)
            lifecycle.check(version.status, target, actor, reason)
            if target == Status.approved:
                self._check_approvable(version)
                if self.settings.approval_four_eyes:
                    check_four_eyes_approval(self.audit, version, actor)

            def audit_change(session: Session, superseded: list[str]) -> None:
                entries: list[tuple[str, Principal | None, dict[str, Any], dict[str, Any]]] = [
                    (
                        f"document.{target}",
                        actor,
                        {**_version_facts(version), "from": version.status, "to": str(target), "reason": reason},
                        {"subject": version_id, "product": version.product},
                    )
                ]
                entries += self._superseded_entries(superseded, version, session)
                self.audit.append_in(session.connection(), entries)

            superseded = self.ingestion.set_status(
                version_id, target, reason, expect=version.status, before_commit=audit_change
            )
        retired = list(superseded) + ([] if target == Status.approved else [version_id])
        self.catalog.refresh()
        self._retire(retired)
        return superseded

    def documents(self) -> Sequence[Document]:
        """Every document with its versions (whatever their state)."""
        return self.catalog.list_documents()

    def document(self, document_id: str) -> Document:
        """One document with its versions, oldest first (NotFound when unknown)."""
        return self.catalog.get_document(document_id)

    # --- what the routers and the web UI read and record (they never reach the stores themselves) ---

    def version(self, version_id: str) -> Version:
        """One document version, whatever its state (NotFound when unknown)."""
        return self.catalog.get_version(version_id)

    def chunks(self, chunk_ids: Iterable[str]) -> dict[str, ChunkRow]:
        """Stored chunks by id, each with its version; unknown ids are left out."""
        return self.catalog.chunks(chunk_ids)

    def counts(self) -> dict[str, int]:
        """How many documents, versions and chunks are stored (health check, reports)."""
        return self.catalog.counts()

    @property
    def max_upload_bytes(self) -> int:
        """The largest file :meth:`upload` accepts (``max_upload_mb``)."""
        return self.ingestion.max_bytes

    def upload(self, data: bytes, file_name: str, meta: DocumentMetadata, *, actor: Principal) -> IngestResult:
        """Ingest one uploaded file with its approval metadata (audited as ``actor``'s upload)."""
        return self.ingestion.ingest_bytes(data, file_name, meta, actor=actor)

    def answerable_facets(self) -> dict[str, set[str]]:
        """Products, document types and therapeutic areas of the versions that answers come from today."""
        today = self.clock()
        found: dict[str, set[str]] = {"product": set(), "doc_type": set(), "therapeutic_area": set()}
        for doc in self.catalog.list_documents():
            for v in doc.versions:
                if v.is_retrievable(today):
                    for key, values in found.items():
                        value = getattr(v, key)
                        if value:
                            values.add(value)
        return found

    def recent_answers(self, user: Principal, *, days: int, limit: int = 200) -> list[AuditEntry]:
        """``user``'s answer and refusal records of the last ``days`` days, newest first."""
        since = self.now().date() - dt.timedelta(days=days)
        return self.audit.query(
            user=user.name, event=list(ANSWER_EVENTS), date_from=since, limit=limit, newest_first=True
        )

    def own_answer(self, user: Principal, audit_id: str) -> AuditEntry:
        """An earlier answer record of ``user``; another person's record is NotFound, as an unknown id is."""
        entry = self.audit.get(audit_id)
        if entry.actor != user.name or entry.event not in ANSWER_EVENTS:
            raise NotFound(f"no earlier question of yours with id '{audit_id}'")
        return entry

    def request_medical_information(
        self, user: Principal, question: str, refusal_audit_id: str, *, channel: str
    ) -> AuditEntry:
        """Record a medical-information request for a refused question (Medical Information answers it)."""
        return self.audit.append(
            "mi_request.created",
            user,
            {"question": question, "refusal_audit_id": refusal_audit_id, "channel": channel},
            subject=refusal_audit_id or "",
        )

    def open_original(
        self, user: Principal, version_id: str, *, page: int | None, channel: str
    ) -> tuple[Version, Path]:
        """The stored original of a version for ``user`` to read (audited as ``document.opened``).

        An MSL may open only versions shown in answers today (what they can be cited from); other
        readers any version. A version the MSL may not see is NotFound, as an unknown id is.
        """
        hidden = NotFound("no such document version")  # the same words for unknown and hidden ids
        try:
            version = self.catalog.get_version(version_id)
        except NotFound:
            raise hidden from None
        if user.role == Role.msl and not version.is_retrievable(self.clock()):
            raise hidden
        path = self.settings.data_dir / "files" / f"{version.sha256}.{version.media_type}"
        if not path.is_file():
            raise NotFound("the original file of this version is not stored")
        self.audit.append(
            "document.opened",
            user,
            {
                "version_id": version.id,
                "title": version.title,
                "version": version.version_label,
                "page": page,
                "channel": channel,
            },
            subject=version.id,
            product=version.product or "",
        )
        return version, path

    def record_export(self, user: Principal, data: bytes, *, kind: str, records: int, filters: dict[str, Any]) -> None:
        """Audit that ``user`` took a file of ``records`` records out of the hub: the filters and the file's hash."""
        self.audit.append(
            "audit.exported",
            user,
            {"format": kind, "records": records, "filters": filters, "sha256": hashlib.sha256(data).hexdigest()},
        )

    def approve_document(
        self, document_id: str, version_id: str | None, *, actor: Principal
    ) -> tuple[Version, list[str]]:
        """Approve ``version_id``, or the document's newest draft; returns it and the versions it superseded."""
        version = lifecycle.pick_version(self.document(document_id), version_id, [Status.draft], "approve")
        return version, self.set_status(version.id, Status.approved, actor=actor)

    def withdraw_document(self, document_id: str, version_id: str | None, *, actor: Principal, reason: str) -> Version:
        """Withdraw ``version_id``, or the approved version (else the newest draft), with the reason."""
        doc = self.document(document_id)
        version = lifecycle.pick_version(doc, version_id, [Status.approved, Status.draft], "withdraw")
        self.set_status(version.id, Status.withdrawn, actor=actor, reason=reason)
        return version

    def _check_approvable(self, version: Version) -> None:
        today = self.clock()
        if version.expiry_date is not None and version.expiry_date < today:
            raise Conflict(
                f"version {version.version_label} expired on {version.expiry_date}; upload a version "
                "with a later expiry date"
            )
        if version.effective_date is not None and version.effective_date > today:
            # Approving now would retire the live version at once while this one is not yet shown.
            raise Conflict(
                f"version {version.version_label} takes effect on {version.effective_date}; approve it on or "
                "after that date, so the current version stays in answers until then"
            )
        doc = self.catalog.get_document(version.document_id)
        newer = [v for v in doc.versions if v.status == Status.approved and v.created_at > version.created_at]
        if newer:
            raise Conflict(
                f"a newer version ({newer[-1].version_label}, {newer[-1].id}) is approved; approving "
                "this older one would bring back retired content"
            )

    def _record_in_transaction(self, entry: tuple[str, Principal, dict[str, Any], dict[str, Any]]) -> StatusHook:
        """A catalog hook that appends ``entry`` to the audit log inside the status change's transaction."""

        def hook(session: Session, _superseded: list[str]) -> None:
            self.audit.append_in(session.connection(), [entry])

        return hook

    def expire_due(self) -> list[str]:
        """Mark approved versions past their expiry date as expired (audited); returns their ids.

        Runs at start-up and on the first question of each UTC day. Answers never depend on it:
        retrieval filters on the dates at query time whatever the stored state says.
        """
        today = self.clock()
        expired: list[str] = []
        with self._lifecycle_lock:
            for version in self.catalog.due_for_expiry(today):
                reason = f"expiry date {version.expiry_date} passed"
                entry = (
                    "document.expired",
                    Principal.system("expiry-sweep"),
                    {**_version_facts(version), "from": "approved", "to": "expired", "reason": reason},
                    {"subject": version.id, "product": version.product},
                )
                try:
                    self.ingestion.set_status(
                        version.id,
                        Status.expired,
                        reason,
                        expect=Status.approved,
                        before_commit=self._record_in_transaction(entry),
                    )
                except Conflict:
                    continue  # someone else changed it meanwhile
                expired.append(version.id)
            self._swept_on = today
        if expired:
            self.catalog.refresh()
        self._retire(expired)
        if expired:
            log.info("expired %d version(s) past their expiry date", len(expired))
        return expired

    def _audit_published(
        self, session: Session, published: list[tuple[Version, list[str]]], actor: Principal | None
    ) -> None:
        """Audit records of newly published versions, written in the transaction that publishes them."""
        actor = actor or Principal.system()
        entries: list[tuple[str, Principal | None, dict[str, Any], dict[str, Any]]] = []
        for version, superseded in published:
            facts = {
                **_version_facts(version),
                "status": version.status,
                "sha256": version.sha256,
                "source_file": version.source_file,
                "pages": version.page_count,
                "chunks": version.chunk_count,
                "embedding_model": version.embedding_model,
            }
            if actor.operator:
                facts["operator"] = actor.operator
            entries.append(("document.uploaded", actor, facts, {"subject": version.id, "product": version.product}))
            entries += self._superseded_entries(superseded, version, session)
        self.audit.append_in(session.connection(), entries)

    def _retire_superseded(self, published: list[tuple[Version, list[str]]], _actor: Principal | None) -> None:
        # This worker's own indexes catch up before the upload returns (others rebuild in the background).
        self.catalog.refresh()
        self._retire([old for _, superseded in published for old in superseded])

    def _superseded_entries(
        self, superseded: list[str], by: Version, session: Session
    ) -> list[tuple[str, Principal | None, dict[str, Any], dict[str, Any]]]:
        out: list[tuple[str, Principal | None, dict[str, Any], dict[str, Any]]] = []
        for old_id in superseded:
            old = session.get(Version, old_id)
            if old is None:  # cannot happen inside the transaction that superseded it
                raise NotFound(f"no document version with id '{old_id}'")
            out.append(
                (
                    "document.superseded",
                    Principal.system("lifecycle"),
                    {
                        **_version_facts(old),
                        "from": "approved",
                        "to": "superseded",
                        "superseded_by": by.id,
                        "superseded_by_version": by.version_label,
                    },
                    {"subject": old_id, "product": old.product},
                )
            )
        return out

    def _retire(self, version_ids: list[str]) -> None:
        if not version_ids:
            return
        failures: list[Exception] = []
        for listener in self.retire_listeners:
            # Every listener runs even if one fails; the state change is already committed, so the
            # first failure is raised afterwards rather than hidden.
            try:
                listener(list(version_ids))
            except Exception as exc:
                log.exception("retire listener %r failed for %s", listener, version_ids)
                failures.append(exc)
        if failures:
            raise failures[0]


def _version_facts(v: Version) -> dict[str, Any]:
    return {
        "document_id": v.document_id,
        "version_id": v.id,
        "version": v.version_label,
        "title": v.title,
        "doc_type": v.doc_type,
        "approval_id": v.approval_id,
        "effective_date": v.effective_date.isoformat() if v.effective_date else None,
        "expiry_date": v.expiry_date.isoformat() if v.expiry_date else None,
    }


class _LazyEncoder:
    """Lets the retriever be built before the model is loaded."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def encode_query(self, text: str) -> np.ndarray:
        return self.hub.embedder().encode_query(text)
