"""The learning service: generate and review quiz items, run quizzes and modules, schedule reviews.

Built once per hub from the pieces it needs (catalog, audit log, learning settings, clock) and called
by the API, CLI and UI.
It reads approved chunks from the catalog, writes its own tables (:mod:`hub.learning.models`) in
the catalog's database, and audits every generation, review decision, quiz start and answer.

Nothing retired is ever shown: the hub calls :meth:`LearningService.retire_versions` when a
version stops being retrievable (superseded, withdrawn, expired), which retires its items and
deactivates the cards; and every read that serves MSLs also filters by the version being
retrievable today and retires what is not (defence in depth, and the only way to notice an expiry
that happened while no sweep ran).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from hub.catalog import Catalog, ChunkRow, Document, Version, new_id
from hub.errors import Conflict, InvalidInput, NotFound
from hub.learning.analytics import Analytics
from hub.learning.checks import CheckContext, run_checks
from hub.learning.generator import ItemGenerator, SourceChunk, sentences
from hub.learning.items import FALSE, GENERATOR_VERSION, TRUE, DraftItem, ItemStatus, ItemType, answer_matches, norm
from hub.learning.models import AnswerRow, AttemptRow, CardRow, ItemRow, RunRow
from hub.learning.scheduling import Schedule, rating_for
from hub.learning.schemas import (
    Citation,
    DueItem,
    Feedback,
    ItemOut,
    KeyPoint,
    ModuleOut,
    QuestionOut,
    QuizOut,
    RunOut,
)
from hub.schema import ensure_schema
from hub.settings import LearningSettings
from ingest.metadata import Status

if TYPE_CHECKING:
    from hub.audit import AuditLog
    from hub.auth import Principal

log = logging.getLogger(__name__)

MAX_ANSWER_CHARS = 500


class LearningService:
    """Quiz items, quizzes, micro-modules, FSRS reviews and training analytics over one hub."""

    def __init__(
        self,
        catalog: Catalog,
        audit: AuditLog,
        config: LearningSettings,
        *,
        now: Callable[[], dt.datetime],
        today: Callable[[], dt.date],
    ) -> None:
        """``now`` and ``today`` are the hub's clock (UTC time, and the date that decides expiry).

        The owner must call :meth:`retire_versions` when versions stop being retrievable.
        """
        self.catalog = catalog
        self.audit = audit
        self.config = config
        self._now = now
        self._today = today
        self.engine = catalog.engine
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        ensure_schema(self.engine)  # tables come from the migrations (hub.schema)
        self.schedule = Schedule(self.config)
        self.analytics = Analytics(self.sessions, audit, self.schedule, self.config, now=self.now)
        self._generator: tuple[tuple[int, dt.date], ItemGenerator] | None = None
        self._lock = threading.Lock()

    # --- time --------------------------------------------------------------------------------------

    def now(self) -> dt.datetime:
        return self._now().astimezone(dt.UTC)

    def today(self) -> dt.date:
        return self._today()

    # --- source content ----------------------------------------------------------------------------

    def retrievable_chunks(self, document_id: str | None = None) -> list[SourceChunk]:
        """Chunks of versions that are approved and in date today, in document order."""
        stmt = (
            select(ChunkRow, Version, Document.title)
            .join(Version, ChunkRow.version_id == Version.id)
            .join(Document, Version.document_id == Document.id)
            .where(Version.status == str(Status.approved))
            .order_by(Version.id, ChunkRow.seq)
        )
        if document_id:
            stmt = stmt.where(Version.document_id == document_id)
        today = self.today()
        with self.catalog.sessions() as s:
            rows = s.execute(stmt).all()
        return [
            SourceChunk(
                c.id,
                c.text,
                c.page,
                c.section,
                v.document_id,
                title,
                v.id,
                v.version_label,
                v.doc_type,
                v.product,
                "slide" if v.media_type == "pptx" else "page",
                c.kind,
                c.section_kind,
            )
            for c, v, title in rows
            if v.in_date(today)
        ]

    def retrievable_version_ids(self) -> set[str]:
        today = self.today()
        with self.catalog.sessions() as s:
            versions = s.scalars(select(Version).where(Version.status == str(Status.approved))).all()
        return {v.id for v in versions if v.in_date(today)}

    def generator(self) -> ItemGenerator:
        """The generator over today's retrievable corpus (rebuilt when the catalog changes)."""
        key = (self.catalog.generation(), self.today())
        with self._lock:
            if self._generator is None or self._generator[0] != key:
                self._generator = (key, ItemGenerator(self.retrievable_chunks(), self.config))
            return self._generator[1]

    # --- generation and review ---------------------------------------------------------------------

    def generate(self, actor: Principal, *, document_id: str | None = None, approve: bool = False) -> RunOut:
        """Generate draft items from retrievable chunks (one document, or all); store the run summary.

        ``approve`` approves every kept item at once (CLI bootstrapping only; audited as such).
        """
        if document_id:
            self.catalog.get_document(document_id)  # 404 with a helpful message
        chunks = self.retrievable_chunks(document_id)
        if document_id and not chunks:
            raise Conflict(f"document '{document_id}' has no approved, in-date version to generate items from")
        generator = self.generator()
        version_ids = {c.version_id for c in chunks}
        with self.sessions() as s:
            stored = s.execute(
                select(ItemRow.dedup_key, ItemRow.passage).where(
                    ItemRow.version_id.in_(version_ids), ItemRow.status != str(ItemStatus.retired)
                )
            ).all()
        report = generator.generate(chunks, seen={k for k, _ in stored}, asked={norm(p) for _, p in stored})
        now = self.now()
        run = RunRow(
            id=new_id(),
            started_at=now,
            actor=actor.name,
            scope={"document_id": document_id},
            generated=report.generated,
            kept=report.kept,
            summary=report.summary(),
            generator_version=GENERATOR_VERSION,
        )
        status = ItemStatus.approved if approve else ItemStatus.draft
        rows = [self._row(item, run.id, status, now, actor if approve else None) for item in report.items]
        with self.sessions.begin() as s:
            s.add(run)
            s.add_all(rows)
        summary = report.summary()
        self.audit.append(
            "quiz.items_generated",
            actor,
            {
                "run_id": run.id,
                "document_id": document_id,
                "generated": report.generated,
                "kept": report.kept,
                "rejected": summary["rejected"],
                "by_type": summary["by_type"],
                "auto_approved": approve,
                "generator_version": GENERATOR_VERSION,
            },
            subject=run.id,
        )
        log.info("generated %d items, kept %d (run %s)", report.generated, report.kept, run.id)
        return RunOut(
            run_id=run.id,
            started_at=now,
            scope=run.scope,
            generated=report.generated,
            kept=report.kept,
            kept_share=round(report.kept_share, 4),
            rejected=summary["rejected"],
            by_type=summary["by_type"],
            item_ids=[r.id for r in rows],
        )

    def _row(
        self, item: DraftItem, run_id: str, status: ItemStatus, now: dt.datetime, approver: Principal | None
    ) -> ItemRow:
        src = item.source
        return ItemRow(
            id=new_id(),
            type=str(item.type),
            stem=item.stem,
            options=list(item.options),
            answer=item.answer,
            explanation=item.explanation,
            fact_kind=item.fact_kind,
            fact_unit=item.fact_unit,
            original=item.original,
            altered=item.altered,
            passage=item.passage,
            document_id=src["document_id"],
            document_title=src["document_title"],
            version_id=src["version_id"],
            version_label=src["version_label"],
            chunk_id=src["chunk_id"],
            page=src["page"],
            page_label=src["page_label"],
            section=src["section"],
            product=src["product"],
            topic=src["topic"],
            doc_type=src["doc_type"],
            status=str(status),
            status_reason="auto-approved at generation" if approver else "",
            dedup_key=item.dedup_key(),
            generator_version=GENERATOR_VERSION,
            run_id=run_id,
            created_at=now,
            updated_at=now,
            reviewed_by=approver.name if approver else "",
            reviewed_at=now if approver else None,
        )

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        with self.sessions() as s:
            rows = s.scalars(select(RunRow).order_by(RunRow.started_at.desc()).limit(limit)).all()
        return [
            {"run_id": r.id, "started_at": r.started_at, "actor": r.actor, "scope": r.scope, **r.summary} for r in rows
        ]

    def list_items(
        self,
        *,
        status: str | None = None,
        document_id: str | None = None,
        product: str | None = None,
        limit: int = 200,
        offset: int = 0,
        item_type: str | None = None,
        topic: str | None = None,
    ) -> list[ItemOut]:
        if not 1 <= limit <= 1000 or offset < 0:
            raise InvalidInput("limit must be 1-1000 and offset not negative", field="limit")
        stmt = self._filtered(select(ItemRow), status, document_id, product, item_type, topic).order_by(
            ItemRow.created_at, ItemRow.document_title, ItemRow.page, ItemRow.id
        )
        with self.sessions() as s:
            return [ItemOut.of(r) for r in s.scalars(stmt.limit(limit).offset(offset))]

    def review_queue(
        self,
        *,
        document_id: str | None = None,
        item_type: str | None = None,
        topic: str | None = None,
        limit: int = 200,
    ) -> list[ItemOut]:
        """Drafts ranked by :func:`hub.learning.review.quality_score`, best first, with the list filters."""
        from hub.learning.review import rank

        drafts = self.list_items(
            status=str(ItemStatus.draft), document_id=document_id, item_type=item_type, topic=topic, limit=1000
        )
        order = {s.item_id: n for n, s in enumerate(rank(list(drafts)))}
        return sorted(drafts, key=lambda i: order[i.id])[:limit]

    def count_items(
        self,
        *,
        status: str | None = None,
        document_id: str | None = None,
        product: str | None = None,
        item_type: str | None = None,
        topic: str | None = None,
    ) -> int:
        """How many items :meth:`list_items` would list with these filters (for paging)."""
        stmt = self._filtered(select(func.count(ItemRow.id)), status, document_id, product, item_type, topic)
        with self.sessions() as s:
            return int(s.scalar(stmt) or 0)

    def item_facets(self) -> dict[str, list[tuple[str, str]]]:
        """Values to filter items by: documents (title, id), types and topics, each sorted."""
        with self.sessions() as s:
            docs = s.execute(select(ItemRow.document_title, ItemRow.document_id).distinct()).all()
            types = s.scalars(select(ItemRow.type).distinct()).all()
            topics = s.scalars(select(ItemRow.topic).distinct()).all()
        return {
            "document": sorted((str(t), str(i)) for t, i in docs),
            "type": [(str(t), str(t)) for t in sorted(types) if t],
            "topic": [(str(t), str(t)) for t in sorted(topics) if t],
        }

    @staticmethod
    def _filtered(stmt: Any, status: Any, document_id: Any, product: Any, item_type: Any, topic: Any) -> Any:
        if status is not None and status not in ItemStatus.__members__:
            raise InvalidInput(f"status '{status}' is unknown; use one of {', '.join(ItemStatus)}", field="status")
        for column, value in (
            (ItemRow.status, status),
            (ItemRow.document_id, document_id),
            (ItemRow.product, product),
            (ItemRow.type, item_type),
            (ItemRow.topic, topic),
        ):
            if value:
                stmt = stmt.where(column == value)
        return stmt

    def decide_many(
        self, item_ids: Sequence[str], actor: Principal, decision: str, note: str = ""
    ) -> tuple[list[ItemOut], dict[str, str]]:
        """Approve or reject several items, each audited as on its own; returns (done, failed id -> why).

        One refused item (retired source, already decided) does not stop the others.
        """
        if decision not in ("approve", "reject"):
            raise InvalidInput("decision must be 'approve' or 'reject'", field="decision")
        if decision == "reject" and not (note or "").strip():
            raise InvalidInput("say why the items are rejected", field="note")
        done: list[ItemOut] = []
        failed: dict[str, str] = {}
        for item_id in dict.fromkeys(item_ids):
            try:
                act = self.approve if decision == "approve" else self.reject
                done.append(act(item_id, actor, note))
            except (Conflict, NotFound) as exc:
                failed[item_id] = exc.message
        return done, failed

    def get_item(self, item_id: str) -> ItemOut:
        return ItemOut.of(self._item(item_id))

    def _item(self, item_id: str) -> ItemRow:
        with self.sessions() as s:
            row = s.get(ItemRow, item_id)
        if row is None:
            raise NotFound(f"no quiz item with id '{item_id}'; list items with GET /api/quiz-items")
        return row

    def approve(self, item_id: str, actor: Principal, note: str = "") -> ItemOut:
        """Approve a draft (or previously rejected) item whose source version is still retrievable."""
        item = self._item(item_id)
        if item.status not in (ItemStatus.draft, ItemStatus.rejected):
            raise Conflict(f"item '{item_id}' is {item.status}; only draft or rejected items can be approved")
        if item.version_id not in self.retrievable_version_ids():
            self.retire_versions([item.version_id])
            raise Conflict(
                f"the source version of item '{item_id}' is no longer approved and current; the item was retired"
            )
        row = self._set_status(item_id, ItemStatus.approved, actor, note)
        self.audit.append(
            "quiz_item.approved",
            actor,
            {"item_id": item_id, "from": item.status, "note": note, "version_id": item.version_id},
            subject=item_id,
            product=item.product,
        )
        return row

    def reject(self, item_id: str, actor: Principal, reason: str = "") -> ItemOut:
        item = self._item(item_id)
        if item.status not in (ItemStatus.draft, ItemStatus.approved):
            raise Conflict(f"item '{item_id}' is {item.status}; only draft or approved items can be rejected")
        row = self._set_status(item_id, ItemStatus.rejected, actor, reason)
        self._deactivate_cards([item_id])
        self.audit.append(
            "quiz_item.rejected",
            actor,
            {"item_id": item_id, "from": item.status, "reason": reason},
            subject=item_id,
            product=item.product,
        )
        return row

    def _set_status(self, item_id: str, status: ItemStatus, actor: Principal, reason: str) -> ItemOut:
        now = self.now()
        with self.sessions.begin() as s:
            row = s.get(ItemRow, item_id)
            assert row is not None
            row.status, row.status_reason = str(status), reason
            row.reviewed_by, row.reviewed_at, row.updated_at = actor.name, now, now
        return ItemOut.of(row)

    def edit(
        self,
        item_id: str,
        actor: Principal,
        *,
        stem: str | None = None,
        options: Sequence[str] | None = None,
        answer: str | None = None,
        explanation: str | None = None,
    ) -> ItemOut:
        """Edit an item's wording; it is re-checked, goes back to draft, and the audit keeps old and new."""
        item = self._item(item_id)
        if item.status == ItemStatus.retired:
            raise Conflict(f"item '{item_id}' is retired with its source version; it cannot be edited")
        if item.type == ItemType.true_false and (options is not None or answer is not None):
            # The key follows from the statement: a true one states the passage's facts, a false one has
            # one fact changed. Rewording is an edit; turning one into the other is a new item.
            raise InvalidInput(
                "a true/false item's options and answer follow from its statement; edit the stem or "
                "explanation, or reject it",
                field="answer",
            )
        changes: dict[str, Any] = {
            k: v
            for k, v in {
                "stem": stem,
                "options": list(options) if options is not None else None,
                "answer": answer,
                "explanation": explanation,
            }.items()
            if v is not None
        }
        if not changes:
            raise InvalidInput("nothing to change: give stem, options, answer or explanation", field="stem")
        for key, value in changes.items():
            if key != "options" and not str(value).strip():
                raise InvalidInput(f"{key} must not be empty", field=key)
        draft = DraftItem(
            ItemType(item.type),
            changes.get("stem", item.stem),
            changes.get("options", item.options),
            changes.get("answer", item.answer),
            item.passage,
            changes.get("explanation", item.explanation),
            item.fact_kind,
            item.fact_unit,
            item.original,
            item.altered,
        )
        with self.sessions() as s:
            others = set(
                s.scalars(
                    select(ItemRow.dedup_key).where(
                        ItemRow.version_id == item.version_id,
                        ItemRow.id != item_id,
                        ItemRow.status != str(ItemStatus.retired),
                    )
                )
            )
        generator = self.generator()
        ctx = CheckContext(
            generator.lexicon,
            min_words=self.config.min_stem_words,
            max_words=self.config.max_stem_words,
            mcq_options=self.config.mcq_options,
            seen=others,
        )
        reason = run_checks(draft, ctx)
        if reason:
            raise InvalidInput(
                f"the edited item fails the '{reason}' check (see docs/learning.md); change it and try again",
                field="stem",
            )
        before = {k: getattr(item, k) for k in changes}
        now = self.now()
        with self.sessions.begin() as s:
            row = s.get(ItemRow, item_id)
            assert row is not None
            for key, value in changes.items():
                setattr(row, key, value)
            row.dedup_key = draft.dedup_key()
            row.status, row.status_reason = str(ItemStatus.draft), "edited; needs approval"
            row.updated_at = now
        self.audit.append(
            "quiz_item.edited",
            actor,
            {"item_id": item_id, "before": before, "after": changes, "previous_status": item.status},
            subject=item_id,
            product=item.product,
        )
        return ItemOut.of(row)

    # --- lifecycle ---------------------------------------------------------------------------------

    def retire_versions(self, version_ids: Iterable[str]) -> int:
        """Retire the items of versions that stopped being retrievable, and deactivate their cards.

        Called by the hub (``retire_listeners``) on supersession, withdrawal and expiry. Returns
        the number of items retired.
        """
        ids = list(dict.fromkeys(version_ids))
        if not ids:
            return 0
        now = self.now()
        with self.sessions.begin() as s:
            item_ids = list(
                s.scalars(
                    select(ItemRow.id).where(
                        ItemRow.version_id.in_(ids),
                        ItemRow.status.in_([str(ItemStatus.draft), str(ItemStatus.approved)]),
                    )
                )
            )
            if not item_ids:
                return 0
            s.execute(
                update(ItemRow)
                .where(ItemRow.id.in_(item_ids))
                .values(
                    status=str(ItemStatus.retired),
                    status_reason="source version no longer approved and current",
                    updated_at=now,
                )
            )
        cards = self._deactivate_cards(item_ids)
        self.audit.append(
            "quiz_item.retired",
            None,
            {"version_ids": ids, "items": len(item_ids), "cards_deactivated": cards},
            subject=",".join(ids)[:120],
        )
        log.info("retired %d quiz items (%d cards) of versions %s", len(item_ids), cards, ids)
        return len(item_ids)

    def _deactivate_cards(self, item_ids: list[str]) -> int:
        with self.sessions.begin() as s:
            result = cast(
                CursorResult[Any],
                s.execute(
                    update(CardRow).where(CardRow.item_id.in_(item_ids), CardRow.active.is_(True)).values(active=False)
                ),
            )
            return int(result.rowcount or 0)

    def sync_lifecycle(self) -> int:
        """Retire items whose version is no longer retrievable today (e.g. expired since the last sweep)."""
        with self.sessions() as s:
            live = set(
                s.scalars(
                    select(ItemRow.version_id)
                    .distinct()
                    .where(ItemRow.status.in_([str(ItemStatus.draft), str(ItemStatus.approved)]))
                )
            )
        stale = live - self.retrievable_version_ids()
        return self.retire_versions(sorted(stale)) if stale else 0

    # --- quizzes -----------------------------------------------------------------------------------

    def _servable(self) -> list[ItemRow]:
        """Approved items whose version is retrievable today (after retiring any that are not)."""
        self.sync_lifecycle()
        versions = self.retrievable_version_ids()
        with self.sessions() as s:
            rows = s.scalars(select(ItemRow).where(ItemRow.status == str(ItemStatus.approved))).all()
        return [r for r in rows if r.version_id in versions]

    def start_quiz(
        self,
        actor: Principal,
        *,
        document_id: str | None = None,
        product: str | None = None,
        topic: str | None = None,
        n: int | None = None,
        item_ids: Sequence[str] | None = None,
        review: bool = False,
    ) -> QuizOut:
        """A new attempt for ``actor``: N approved items by document, product or topic, given ids, or due reviews.

        Each attempt starts with no answers; nothing carries over from earlier attempts.
        """
        n = self.config.quiz_default_items if n is None else n
        if not 1 <= n <= self.config.quiz_max_items:
            raise InvalidInput(f"n must be between 1 and {self.config.quiz_max_items}", field="n")
        servable = {r.id: r for r in self._servable()}
        attempt_id = new_id()
        if item_ids:
            missing = [i for i in item_ids if i not in servable]
            if missing:
                raise InvalidInput(
                    f"items {', '.join(missing)} are not approved and current; ask for others", field="item_ids"
                )
            chosen = [servable[i] for i in dict.fromkeys(item_ids)][: self.config.quiz_max_items]
            kind = "module"
        elif review:
            chosen = [servable[d.item.id] for d in self.due_reviews(actor, limit=n)]
            kind = "review"
            if not chosen:
                raise NotFound("nothing is due for review now; start a quiz instead")
        else:
            pool = [
                r
                for r in servable.values()
                if (not document_id or r.document_id == document_id)
                and (not product or r.product == product)
                and (not topic or r.topic == topic)
            ]
            if not pool:
                scope = (
                    ", ".join(
                        f"{k}={v}"
                        for k, v in (("document_id", document_id), ("product", product), ("topic", topic))
                        if v
                    )
                    or "any scope"
                )
                raise NotFound(f"no approved quiz items for {scope}; a content owner must generate and approve some")
            chosen = self._pick(actor, pool, n, attempt_id)
            kind = "quiz"
        now = self.now()
        quiz_scope = {"document_id": document_id, "product": product, "topic": topic, "n": n}
        with self.sessions.begin() as s:
            s.add(
                AttemptRow(
                    id=attempt_id,
                    user_id=actor.user_id,
                    user_name=actor.name,
                    kind=kind,
                    scope=quiz_scope,
                    item_ids=[r.id for r in chosen],
                    started_at=now,
                )
            )
        self.audit.append(
            "quiz.started",
            actor,
            {"attempt_id": attempt_id, "kind": kind, "scope": quiz_scope, "item_ids": [r.id for r in chosen]},
            subject=attempt_id,
            product=",".join(sorted({r.product for r in chosen if r.product})),
        )
        return QuizOut(attempt_id=attempt_id, kind=kind, started_at=now, items=[QuestionOut.of(r) for r in chosen])

    def _pick(self, actor: Principal, pool: list[ItemRow], n: int, seed: str) -> list[ItemRow]:
        """Items the user has not seen first, then those whose review is nearest; random within ties."""
        with self.sessions() as s:
            cards = {c.item_id: c.due for c in s.scalars(select(CardRow).where(CardRow.user_id == actor.user_id))}
        rng = random.Random(seed)
        far = dt.datetime.max.replace(tzinfo=dt.UTC)
        keyed = [((r.id in cards), cards.get(r.id, far), rng.random(), r) for r in pool]
        keyed.sort(key=lambda k: k[:3])
        return [k[3] for k in keyed[:n]]

    def answer(self, actor: Principal, attempt_id: str, item_id: str, given: str) -> Feedback:
        """Score one answer of an attempt, store it, review the FSRS card, and explain with the citation."""
        given = " ".join((given or "").split())
        if not given:
            raise InvalidInput("the answer is empty", field="answer")
        if len(given) > MAX_ANSWER_CHARS:
            raise InvalidInput(f"the answer is longer than {MAX_ANSWER_CHARS} characters", field="answer")
        with self.sessions() as s:
            attempt = s.get(AttemptRow, attempt_id)
        if attempt is None or attempt.user_id != actor.user_id:
            # Someone else's attempt is as unknown to this user as a made-up id.
            raise NotFound(f"no quiz attempt '{attempt_id}' for user '{actor.name}'; start one with POST /api/quizzes")
        if item_id not in attempt.item_ids:
            raise InvalidInput(f"item '{item_id}' is not part of attempt '{attempt_id}'", field="item_id")
        self.sync_lifecycle()
        item = self._item(item_id)
        if item.status != ItemStatus.approved:
            raise Conflict(f"item '{item_id}' is {item.status} (its source changed since the quiz started); skip it")
        given = self._validate_choice(item, given)
        with self.sessions() as s:
            done = s.scalar(
                select(AnswerRow.id).where(AnswerRow.attempt_id == attempt_id, AnswerRow.item_id == item_id)
            )
        if done is not None:
            raise Conflict(
                f"item '{item_id}' was already answered in attempt '{attempt_id}'; start a new quiz to try again"
            )
        correct = answer_matches(item.type, item.answer, given)
        now = self.now()
        with self.sessions.begin() as s:
            card_row = s.get(CardRow, (actor.user_id, item_id))
            card = self.schedule.load(card_row.card) if card_row is not None else self.schedule.new_card(now)
            reviewed = self.schedule.review(card, correct, now).card
            if card_row is None:
                card_row = CardRow(user_id=actor.user_id, item_id=item_id, user_name=actor.name, reviews=0, lapses=0)
                s.add(card_row)
            card_row.card, card_row.due, card_row.active = self.schedule.dump(reviewed), reviewed.due, True
            card_row.reviews = (card_row.reviews or 0) + 1
            card_row.lapses = (card_row.lapses or 0) + (0 if correct else 1)
            s.add(
                AnswerRow(
                    id=new_id(),
                    attempt_id=attempt_id,
                    item_id=item_id,
                    user_id=actor.user_id,
                    user_name=actor.name,
                    product=item.product,
                    topic=item.topic,
                    given=given,
                    correct=correct,
                    answered_at=now,
                    rating=int(rating_for(correct)),
                    stability=reviewed.stability,
                    difficulty=reviewed.difficulty,
                    due_after=reviewed.due,
                )
            )
            try:
                s.flush()
            except IntegrityError as exc:
                raise Conflict(
                    f"item '{item_id}' was already answered in attempt '{attempt_id}'; start a new quiz to try again"
                ) from exc
        self.audit.append(
            "quiz.answered",
            actor,
            {
                "attempt_id": attempt_id,
                "item_id": item_id,
                "given": given,
                "correct": correct,
                "version_id": item.version_id,
                "next_review": reviewed.due.isoformat(),
            },
            subject=attempt_id,
            product=item.product,
        )
        return Feedback(
            attempt_id=attempt_id,
            item_id=item_id,
            correct=correct,
            given=given,
            correct_answer=item.answer,
            explanation=item.explanation,
            citation=Citation.of(item),
            next_review=reviewed.due,
        )

    @staticmethod
    def _validate_choice(item: ItemRow, given: str) -> str:
        if item.type == ItemType.true_false:
            lowered = given.casefold()
            if lowered not in ("true", "false"):
                raise InvalidInput("answer a true/false item with 'True' or 'False'", field="answer")
            return TRUE if lowered == "true" else FALSE
        if item.type == ItemType.mcq:
            match = next((o for o in item.options if norm(o) == norm(given)), None)
            if match is None:
                raise InvalidInput(f"choose one of the options: {'; '.join(item.options)}", field="answer")
            return match
        return given

    # --- spaced repetition -------------------------------------------------------------------------

    def due_reviews(self, actor: Principal, *, limit: int = 50) -> list[DueItem]:
        """The caller's cards due now (due <= now), oldest first; only approved, current items."""
        if not 1 <= limit <= 500:
            raise InvalidInput("limit must be between 1 and 500", field="limit")
        servable = {r.id: r for r in self._servable()}
        now = self.now()
        with self.sessions() as s:
            cards = s.scalars(
                select(CardRow)
                .where(CardRow.user_id == actor.user_id, CardRow.active.is_(True), CardRow.due <= now)
                .order_by(CardRow.due, CardRow.item_id)
            ).all()
        out = [
            DueItem(item=QuestionOut.of(servable[c.item_id]), due=c.due, reviews=c.reviews, lapses=c.lapses)
            for c in cards
            if c.item_id in servable
        ]
        return out[:limit]

    # --- micro-modules -----------------------------------------------------------------------------

    def module(self, document_id: str, section: str | None = None) -> ModuleOut:
        """Key points (verbatim sentences with citations) then a few approved items, for ~5 minutes."""
        doc = self.catalog.get_document(document_id)
        chunks = [
            c
            for c in self.retrievable_chunks(document_id)
            if not section or c.section == section or c.section.startswith(section + " > ")
        ]
        if not chunks:
            where = f" section '{section}'" if section else ""
            raise NotFound(f"document '{doc.title}'{where} has no approved, current content")
        items = [
            r
            for r in self._servable()
            if r.document_id == document_id
            and (not section or r.section == section or r.section.startswith(section + " > "))
        ]
        lo_items, hi_items = self.config.module_items
        if len(items) < lo_items:
            raise NotFound(
                f"'{doc.title}' has {len(items)} approved quiz items here; a module needs at least "
                f"{lo_items}; ask a content owner to approve more"
            )
        key_points = self._key_points(chunks, items)
        chosen = self._module_items(items, key_points, hi_items)
        minutes = self._minutes(key_points, chosen)
        while minutes > self.config.module_minutes and len(chosen) > lo_items:
            chosen.pop()
            minutes = self._minutes(key_points, chosen)
        while minutes > self.config.module_minutes and len(key_points) > self.config.module_key_points[0]:
            key_points.pop()
            minutes = self._minutes(key_points, chosen)
        first = chunks[0]
        return ModuleOut(
            document_id=document_id,
            title=first.title,
            version=first.version_label,
            section=section,
            key_points=key_points,
            items=[QuestionOut.of(r) for r in chosen],
            estimated_minutes=round(minutes, 2),
        )

    def _key_points(self, chunks: list[SourceChunk], items: list[ItemRow]) -> list[KeyPoint]:
        """Fact-dense complete sentences; those the module's items ask about come first."""
        from hub.learning.checks import sentence_problem

        generator = self.generator()
        asked = {norm(r.passage) for r in items}
        candidates: list[tuple[int, int, str, SourceChunk]] = []
        seen: set[str] = set()
        for chunk in chunks:
            for sentence in sentences(chunk.text):
                key = norm(sentence)
                if key in seen or key in generator.boilerplate or sentence_problem(sentence, 6, 40):
                    continue
                seen.add(key)
                facts = len(generator.lexicon.facts(sentence))
                if facts:
                    candidates.append((0 if key in asked else 1, -facts, sentence, chunk))
        candidates.sort(key=lambda c: (c[0], c[1]))
        top = candidates[: self.config.module_key_points[1]]
        # Read in document order, whatever the ranking was.
        order = {c.chunk_id: i for i, c in enumerate(chunks)}
        top.sort(key=lambda c: order[c[3].chunk_id])
        return [
            KeyPoint(
                text=s,
                citation=Citation(
                    document_id=c.document_id,
                    title=c.title,
                    version_id=c.version_id,
                    version=c.version_label,
                    page=c.page,
                    page_label=f"{c.page_unit} {c.page}",
                    section=c.section,
                    passage=s,
                ),
            )
            for _, _, s, c in top
        ]

    @staticmethod
    def _module_items(items: list[ItemRow], key_points: list[KeyPoint], most: int) -> list[ItemRow]:
        points = {norm(k.text) for k in key_points}
        ranked = sorted(items, key=lambda r: (norm(r.passage) not in points, r.page, r.id))
        chosen: list[ItemRow] = []
        for row in ranked:
            if len(chosen) == most:
                break
            if all(norm(c.passage) != norm(row.passage) for c in chosen):  # one question per sentence
                chosen.append(row)
        return chosen

    def _minutes(self, key_points: list[KeyPoint], items: list[ItemRow]) -> float:
        words = sum(len(k.text.split()) for k in key_points) + sum(len(r.stem.split()) for r in items)
        return words / self.config.reading_wpm + len(items) * self.config.seconds_per_item / 60

    # --- counts ------------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        with self.sessions() as s:
            by_status = dict(s.execute(select(ItemRow.status, func.count()).group_by(ItemRow.status)).all())
        return {str(k): int(v) for k, v in by_status.items()}
