"""The audit trail: an append-only, hash-chained log in the catalog's SQL database.

Every answer, refusal, lifecycle change, user change, failed sign-in, review and export is one
record. A record's ``hash`` is ``sha256(prev_hash + canonical_json(record without hash))``, where
``prev_hash`` is the previous record's hash (:data:`GENESIS` for the first). Changing, removing or
re-ordering any record therefore breaks every hash after it, and :meth:`AuditLog.verify` names the
first record that no longer matches. An exported file carries the same fields, so
:func:`verify_export` checks it offline, without the database.

Why a fork cannot happen: appends are serialised by a process lock *and* by a row lock on the
one-row ``audit_head`` table (the first statement of the append transaction is an UPDATE of that
row, which takes SQLite's write lock or PostgreSQL's row lock before the head is read), and
``prev_hash`` is UNIQUE, so even a writer that somehow raced would fail at the database rather than
write a second child of the same record. Nothing in the product updates or deletes audit rows; the
database refuses to (triggers from migration 0003 on SQLite and PostgreSQL, on ``audit_log`` and on
``audit_head``, which may only move forward to the newest record), and on PostgreSQL the app role
has no UPDATE or DELETE privilege on the log at all.

Why cutting the newest records cannot go unnoticed: someone able to bypass the triggers (the
database owner) could delete the last records and point the head back, leaving a chain that
re-hashes cleanly. :func:`write_checkpoint` (``hub audit checkpoint``) copies the head's seq and
hash to a file kept outside the database, and :meth:`AuditLog.verify` given those checkpoints
fails unless the chain still reaches each of them with the same hash.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import BaseModel, Field
from sqlalchemy import Boolean, Integer, String, Table, Text, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from hub.catalog import Base
from hub.errors import InvalidInput, NotFound
from hub.principal import Principal
from hub.schema import ensure_schema

log = logging.getLogger(__name__)

GENESIS = "0" * 64
"""``prev_hash`` of the first record."""

ANSWER_EVENTS = ("answer.given", "answer.refused")
REVIEW_STATUSES = ("reviewed_ok", "flagged")
EXPORT_FIELDS = (
    "seq",
    "id",
    "ts",
    "event",
    "actor",
    "role",
    "subject",
    "product",
    "refused",
    "flagged",
    "payload",
    "prev_hash",
    "hash",
)
MAX_COMMENT_CHARS = 4000


def canonical_json(value: Any) -> str:
    """The one serialisation that is hashed: sorted keys, no spaces, UTF-8 kept, no NaN."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def iso_utc(moment: dt.datetime) -> str:
    """UTC ISO-8601 with microseconds and an explicit offset, so strings sort as times do."""
    if moment.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def record_hash(fields: dict[str, Any]) -> str:
    """Hash of one record: its ``prev_hash`` followed by the canonical JSON of every field but ``hash``."""
    body = {k: v for k, v in fields.items() if k != "hash"}
    return hashlib.sha256((body["prev_hash"] + canonical_json(body)).encode("utf-8")).hexdigest()


class AuditRow(Base):
    """One audit record as stored. Never updated, never deleted."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    id: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    ts: Mapped[str] = mapped_column(String(40), index=True)
    event: Mapped[str] = mapped_column(String(60), index=True)
    actor: Mapped[str] = mapped_column(String(120), default="", index=True)
    role: Mapped[str] = mapped_column(String(40), default="")
    subject: Mapped[str] = mapped_column(String(120), default="", index=True)
    product: Mapped[str] = mapped_column(String(240), default="", index=True)
    refused: Mapped[bool] = mapped_column(Boolean, default=False)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The chain head (last seq and hash): the row every append locks first.

    It also lets :meth:`AuditLog.verify` notice records deleted from the end of the log.
    """

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


class AuditEntry(BaseModel):
    """One audit record, as the API returns and the export writes it."""

    seq: int
    id: str
    ts: str = Field(description="UTC time, ISO-8601 with microseconds.")
    event: str
    actor: str
    role: str
    subject: str = Field(description="What the event is about: a version id, user name, reviewed record id ...")
    product: str
    refused: bool
    flagged: bool
    payload: dict[str, Any]
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, row: AuditRow, payload: dict[str, Any] | None = None) -> AuditEntry:
        """The entry of a stored row; ``payload`` replaces the row's parsed payload when given."""
        return cls(
            seq=row.seq,
            id=row.id,
            ts=row.ts,
            event=row.event,
            actor=row.actor,
            role=row.role,
            subject=row.subject,
            product=row.product,
            refused=bool(row.refused),
            flagged=bool(row.flagged),
            payload=json.loads(row.payload) if payload is None else payload,
            prev_hash=row.prev_hash,
            hash=row.hash,
        )

    def hashed_fields(self) -> dict[str, Any]:
        return self.model_dump()


class VerifyResult(BaseModel):
    """Outcome of re-hashing a chain (in the database or in an export)."""

    ok: bool
    checked: int = Field(description="Records re-hashed.")
    head_seq: int = Field(0, description="seq of the last record checked.")
    head_hash: str = Field(GENESIS, description="hash of the last record checked.")
    bad_seq: int | None = Field(None, description="seq of the first record that does not match.")
    bad_id: str | None = None
    problem: str | None = Field(None, description="Why it does not match.")


class AuditLog:
    """Append, query, sample, review, export and verify the audit trail."""

    def __init__(self, engine: Engine, *, now: Callable[[], dt.datetime], checkpoint_file: Path | None = None) -> None:
        self.engine = engine
        self.checkpoint_file = checkpoint_file
        """Checkpoints :meth:`verify` checks by default (HUB_AUDIT_CHECKPOINT_FILE), when the file exists."""
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.now = now
        self._lock = threading.Lock()
        # The tables, their append-only triggers and the head row come from the migrations.
        ensure_schema(engine)

    # --- writing -------------------------------------------------------------------------------

    def append(
        self,
        event: str,
        actor: Principal | None,
        payload: dict[str, Any],
        *,
        subject: str = "",
        product: str = "",
        refused: bool = False,
        flagged: bool = False,
    ) -> AuditEntry:
        """Append one record to the chain and return it (with its seq and hash)."""
        return self.append_many(
            [(event, actor, payload, dict(subject=subject, product=product, refused=refused, flagged=flagged))]
        )[0]

    def append_many(
        self, items: Sequence[tuple[str, Principal | None, dict[str, Any], dict[str, Any]]]
    ) -> list[AuditEntry]:
        """Append several records in one transaction (bulk ingestion writes one per version).

        Each item is ``(event, actor, payload, {"subject":..., "product":..., "refused":..., "flagged":...})``.
        """
        if not items:
            return []
        # Serialise once up front: a payload that cannot be canonical JSON is a programming error,
        # and must not hold the write lock.
        prepared = [(ev, actor, canonical_json(payload), extra) for ev, actor, payload, extra in items]
        for attempt in range(1, 9):
            try:
                with self._lock:
                    return self._append_locked(prepared)
            except (IntegrityError, OperationalError) as exc:
                # Another process appended between our lock and theirs (or SQLite stayed busy past its
                # timeout): nothing was written, so try again on the new head.
                if attempt == 8:
                    raise
                log.warning("audit append retry %d after %s", attempt, type(exc).__name__)
                time.sleep(0.01 * attempt)
        raise AssertionError("unreachable")

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the process's append lock: take it *before* opening a transaction that will call
        :meth:`append_in`, so that no thread ever waits for this lock while holding the database's."""
        with self._lock:
            yield

    def append_in(
        self, conn: Connection, items: Sequence[tuple[str, Principal | None, dict[str, Any], dict[str, Any]]]
    ) -> list[AuditEntry]:
        """Append records inside the caller's open transaction (the caller holds :meth:`writing`).

        A content change and its audit records then commit together or not at all: nothing is ever
        visible that the log does not show, and a crash cannot leave a change without its record.
        """
        prepared = [(ev, actor, canonical_json(payload), extra) for ev, actor, payload, extra in items]
        return self._append_rows(conn, prepared) if prepared else []

    def _append_locked(self, prepared: list[tuple[str, Principal | None, str, dict[str, Any]]]) -> list[AuditEntry]:
        with self.engine.begin() as conn:
            return self._append_rows(conn, prepared)

    def _append_rows(
        self, conn: Connection, prepared: list[tuple[str, Principal | None, str, dict[str, Any]]]
    ) -> list[AuditEntry]:
        # SQLAlchemy Core, not the ORM: the append is on every answer's path and the ORM's unit of
        # work cost several milliseconds more per record (evals/audit_cost.py).
        out: list[AuditEntry] = []
        head_t, log_t = cast(Table, AuditHead.__table__), cast(Table, AuditRow.__table__)
        # Take the write lock before reading the head (a no-op UPDATE is the portable way).
        conn.execute(update(head_t).where(head_t.c.id == 1).values(seq=head_t.c.seq))
        seq, prev = conn.execute(select(head_t.c.seq, head_t.c.hash).where(head_t.c.id == 1)).one()
        rows = []
        for ev, actor, payload_json, extra in prepared:
            seq += 1
            fields: dict[str, Any] = {
                "seq": seq,
                "id": uuid.uuid4().hex,
                "ts": iso_utc(self.now()),
                "event": ev,
                "actor": actor.name if actor else "",
                "role": actor.role_label if actor else "",
                "subject": str(extra.get("subject") or ""),
                "product": str(extra.get("product") or ""),
                "refused": bool(extra.get("refused", False)),
                "flagged": bool(extra.get("flagged", False)),
                "payload": json.loads(payload_json),
                "prev_hash": prev,
            }
            digest = record_hash(fields)
            rows.append({**fields, "payload": payload_json, "hash": digest})
            out.append(AuditEntry(**fields, hash=digest))
            prev = digest
        conn.execute(log_t.insert(), rows)
        conn.execute(update(head_t).where(head_t.c.id == 1).values(seq=seq, hash=prev))
        return out

    # --- reading -------------------------------------------------------------------------------

    def get(self, record_id: str) -> AuditEntry:
        with self.sessions() as s:
            row = s.scalar(select(AuditRow).where(AuditRow.id == record_id))
            if row is None:
                raise NotFound(f"no audit record with id '{record_id}'")
            return AuditEntry.of(row)

    def count(self) -> int:
        with self.sessions() as s:
            head = s.get(AuditHead, 1)
            return head.seq if head else 0

    def query(
        self,
        *,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        user: str | None = None,
        product: str | None = None,
        event: str | Sequence[str] | None = None,
        refused_only: bool = False,
        flagged_only: bool = False,
        unreviewed_only: bool = False,
        limit: int = 100,
        offset: int = 0,
        newest_first: bool = False,
    ) -> list[AuditEntry]:
        """Records matching every given filter, oldest first (``newest_first`` reverses the order).

        ``date_from``/``date_to`` are inclusive UTC days; ``product`` matches records about that
        product; ``unreviewed_only`` keeps answer records that no ``audit.reviewed`` record points at.
        """
        if limit < 1 or limit > 10_000:
            raise InvalidInput("limit must be between 1 and 10000", field="limit")
        if offset < 0:
            raise InvalidInput("offset must not be negative", field="offset")
        stmt = self._filtered(date_from, date_to, user, product, event, refused_only, flagged_only, unreviewed_only)
        with self.sessions() as s:
            order = AuditRow.seq.desc() if newest_first else AuditRow.seq
            rows = s.scalars(stmt.order_by(order).limit(limit).offset(offset)).all()
            return [AuditEntry.of(r) for r in rows]

    def _filtered(self, date_from, date_to, user, product, event, refused_only, flagged_only, unreviewed_only):  # type: ignore[no-untyped-def]
        if date_from and date_to and date_from > date_to:
            raise InvalidInput("date_from is after date_to", field="date_from")
        stmt = select(AuditRow)
        if date_from:
            stmt = stmt.where(AuditRow.ts >= date_from.isoformat())
        if date_to and date_to < dt.date.max:  # date.max is "no upper bound" (its next day does not exist)
            stmt = stmt.where(AuditRow.ts < (date_to + dt.timedelta(days=1)).isoformat())
        if user:
            stmt = stmt.where(AuditRow.actor == user)
        if product:
            # Answer records list every cited product, comma-separated.
            stmt = stmt.where(
                (AuditRow.product == product)
                | AuditRow.product.like(f"%,{product}")
                | AuditRow.product.like(f"{product},%")
                | AuditRow.product.like(f"%,{product},%")
            )
        if event:
            events = [event] if isinstance(event, str) else list(event)
            stmt = stmt.where(AuditRow.event.in_(events))
        if refused_only:
            stmt = stmt.where(AuditRow.refused.is_(True))
        if flagged_only:
            stmt = stmt.where(AuditRow.flagged.is_(True))
        if unreviewed_only:
            reviewed = select(AuditRow.subject).where(AuditRow.event == "audit.reviewed")
            stmt = stmt.where(AuditRow.event.in_(ANSWER_EVENTS), AuditRow.id.not_in(reviewed))
        return stmt

    def sample(
        self,
        n: int,
        seed: int | None = None,
        *,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        product: str | None = None,
        unreviewed_only: bool = False,
    ) -> list[AuditEntry]:
        """A uniform random sample of ``n`` answer records (all of them when fewer exist), by seq."""
        if n < 1 or n > 1000:
            raise InvalidInput("n must be between 1 and 1000", field="n")
        stmt = self._filtered(date_from, date_to, None, product, list(ANSWER_EVENTS), False, False, unreviewed_only)
        with self.sessions() as s:
            seqs = list(s.scalars(stmt.with_only_columns(AuditRow.seq).order_by(AuditRow.seq)))
            chosen = sorted(random.Random(seed).sample(seqs, min(n, len(seqs))))
            rows = s.scalars(select(AuditRow).where(AuditRow.seq.in_(chosen)).order_by(AuditRow.seq)).all()
            return [AuditEntry.of(r) for r in rows]

    # --- review workflow -----------------------------------------------------------------------

    def add_review(self, record_id: str, actor: Principal, status: str, comment: str = "") -> AuditEntry:
        """Record a compliance review of ``record_id`` as a new ``audit.reviewed`` record.

        The reviewed record is never touched; the review points at it through ``subject``.
        """
        if status not in REVIEW_STATUSES:
            raise InvalidInput(f"status '{status}' is unknown; use one of {', '.join(REVIEW_STATUSES)}", field="status")
        comment = (comment or "").strip()
        if len(comment) > MAX_COMMENT_CHARS:
            raise InvalidInput(f"the comment is longer than {MAX_COMMENT_CHARS} characters", field="comment")
        if status == "flagged" and not comment:
            raise InvalidInput("say why the record is flagged in the comment", field="comment")
        target = self.get(record_id)
        if target.event == "audit.reviewed":
            raise InvalidInput("a review cannot itself be reviewed; review the original record", field="record_id")
        return self.append(
            "audit.reviewed",
            actor,
            {"status": status, "comment": comment, "reviewed_seq": target.seq, "reviewed_event": target.event},
            subject=target.id,
            product=target.product,
            flagged=status == "flagged",
        )

    def reviews(self, record_id: str) -> list[AuditEntry]:
        """Reviews of one record, oldest first (raises NotFound for an unknown record)."""
        self.get(record_id)
        with self.sessions() as s:
            rows = s.scalars(
                select(AuditRow)
                .where(AuditRow.event == "audit.reviewed", AuditRow.subject == record_id)
                .order_by(AuditRow.seq)
            ).all()
            return [AuditEntry.of(r) for r in rows]

    # --- verification and export ---------------------------------------------------------------

    def iter_entries(self, batch: int = 1000) -> Iterator[AuditEntry]:
        """Every record in seq order, read in batches (the log can be large)."""
        last = 0
        while True:
            with self.sessions() as s:
                rows = s.scalars(select(AuditRow).where(AuditRow.seq > last).order_by(AuditRow.seq).limit(batch)).all()
            if not rows:
                return
            for row in rows:
                yield _entry_unchecked(row)
            last = rows[-1].seq

    def verify(self, checkpoints: Sequence[Checkpoint] | None = None) -> VerifyResult:
        """Re-hash the whole chain; report the first record whose hash or link does not match.

        With ``checkpoints`` (kept outside the database, see :func:`write_checkpoint`; by default
        those in :attr:`checkpoint_file`), the chain must also still reach every checkpoint, with
        the checkpointed hash at its seq.
        """
        if checkpoints is None:
            found = self.checkpoint_file is not None and self.checkpoint_file.exists()
            checkpoints = load_checkpoints(self.checkpoint_file) if found else []  # type: ignore[arg-type]
        wanted = {c.seq for c in checkpoints}
        seen: dict[int, AuditEntry] = {}

        def remember(entries: Iterable[AuditEntry]) -> Iterator[AuditEntry]:
            for entry in entries:
                if entry.seq in wanted:
                    seen[entry.seq] = entry
                yield entry

        result = verify_entries(remember(self.iter_entries()))
        if not result.ok:
            log.error("audit chain broken at seq %s: %s", result.bad_seq, result.problem)
            return result
        for cp in sorted(checkpoints, key=lambda c: c.seq):
            entry = seen.get(cp.seq)
            problem = None
            if cp.seq > result.head_seq:
                problem = (
                    f"the log ends at seq {result.head_seq} but checkpoint {cp.ts} recorded seq {cp.seq}: "
                    "records were removed from the end"
                )
            elif cp.seq > 0 and (entry is None or entry.hash != cp.hash):
                problem = (
                    f"record seq {cp.seq} no longer has the hash checkpoint {cp.ts} recorded: "
                    "the log was rewritten from there on"
                )
            if problem:
                log.error("audit checkpoint check failed: %s", problem)
                return result.model_copy(
                    update={"ok": False, "bad_seq": cp.seq, "bad_id": entry.id if entry else None, "problem": problem}
                )
        with self.sessions() as s:
            head = s.get(AuditHead, 1)
        if head is not None and (head.seq != result.head_seq or head.hash != result.head_hash):
            return result.model_copy(
                update={
                    "ok": False,
                    "bad_seq": result.head_seq + 1,
                    "problem": f"the log ends at seq {result.head_seq} but the chain head says seq {head.seq}: "
                    "records were removed from the end",
                }
            )
        return result

    def export(self, fmt: Literal["csv", "json"], actor: Principal | None = None) -> bytes:
        """The whole log as CSV or JSON (with hashes, for :func:`verify_export`), then an ``audit.exported`` record.

        The export record carries the file's SHA-256, so the log itself says what was handed out.
        """
        entries = list(self.iter_entries())
        data = export_bytes(entries, fmt)
        self.append(
            "audit.exported",
            actor,
            {
                "format": fmt,
                "records": len(entries),
                "through_seq": entries[-1].seq if entries else 0,
                "sha256": hashlib.sha256(data).hexdigest(),
            },
        )
        return data


class Checkpoint(BaseModel):
    """The chain head at one moment, copied outside the database (one JSON object per line)."""

    seq: int = Field(ge=0)
    hash: str = Field(min_length=64, max_length=64)
    ts: str = Field(description="UTC time the checkpoint was taken.")


def write_checkpoint(audit: AuditLog, path: Path) -> Checkpoint:
    """Append the current chain head to ``path`` after checking the chain (and earlier checkpoints).

    Refuses (InvalidInput) to checkpoint a chain that does not verify: a checkpoint vouches for
    everything before it.
    """
    earlier = load_checkpoints(path) if path.exists() else []
    result = audit.verify(earlier)
    if not result.ok:
        raise InvalidInput(
            f"the audit chain does not verify (seq {result.bad_seq}: {result.problem}); not checkpointed"
        )
    cp = Checkpoint(seq=result.head_seq, hash=result.head_hash, ts=iso_utc(audit.now()))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(canonical_json(cp.model_dump()) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return cp


def load_checkpoints(path: Path) -> list[Checkpoint]:
    """Checkpoints from a file written by :func:`write_checkpoint` (InvalidInput naming a bad line)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InvalidInput(f"cannot read the checkpoint file {path}: {exc.strerror or exc}") from exc
    out = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            out.append(Checkpoint.model_validate_json(line))
        except ValueError as exc:
            raise InvalidInput(f"{path} line {number} is not a checkpoint: {exc}") from exc
    return out


def _entry_unchecked(row: AuditRow) -> AuditEntry:
    # A tampered payload may not even be JSON; keep it visible to verify() instead of crashing.
    try:
        payload = json.loads(row.payload)
    except ValueError:
        payload = {"__unparseable__": row.payload}
    return AuditEntry.of(row, payload if isinstance(payload, dict) else {"__not_an_object__": payload})


def verify_entries(entries: Iterable[AuditEntry]) -> VerifyResult:
    """Check seq continuity, every link and every hash, stopping at the first problem."""
    prev, expected_seq, checked, last = GENESIS, 1, 0, None
    for entry in entries:
        problem = None
        if entry.seq != expected_seq:
            problem = f"seq {entry.seq} follows seq {expected_seq - 1}: records are missing or out of order"
        elif entry.prev_hash != prev:
            problem = "broken link: prev_hash does not equal the previous record's hash"
        elif record_hash(entry.hashed_fields()) != entry.hash:
            problem = "hash mismatch: the record's content was changed after it was written"
        if problem:
            return VerifyResult(
                ok=False,
                checked=checked,
                head_seq=last.seq if last else 0,
                head_hash=last.hash if last else GENESIS,
                bad_seq=entry.seq,
                bad_id=entry.id,
                problem=problem,
            )
        checked += 1
        prev, expected_seq, last = entry.hash, entry.seq + 1, entry
    return VerifyResult(
        ok=True, checked=checked, head_seq=last.seq if last else 0, head_hash=last.hash if last else GENESIS
    )


def export_bytes(entries: Sequence[AuditEntry], fmt: str) -> bytes:
    """Serialise records for hand-over: CSV (payload as canonical JSON text) or JSON."""
    if fmt == "json":
        doc = {"format": "msl-hub-audit", "version": 1, "records": [e.model_dump() for e in entries]}
        return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(EXPORT_FIELDS)
        for e in entries:
            writer.writerow(
                [
                    e.seq,
                    e.id,
                    e.ts,
                    e.event,
                    e.actor,
                    e.role,
                    e.subject,
                    e.product,
                    "true" if e.refused else "false",
                    "true" if e.flagged else "false",
                    canonical_json(e.payload),
                    e.prev_hash,
                    e.hash,
                ]
            )
        return buf.getvalue().encode("utf-8")
    raise InvalidInput(f"export format '{fmt}' is unknown; use csv or json", field="format")


def parse_export(data: bytes, fmt: str) -> list[AuditEntry]:
    """Read an exported file back into records (raises InvalidInput naming what is malformed)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput("the export is not UTF-8 text") from exc
    try:
        if fmt == "json":
            doc = json.loads(text)
            records = doc["records"] if isinstance(doc, dict) else doc
            return [AuditEntry(**r) for r in records]
        if fmt == "csv":
            reader = csv.DictReader(io.StringIO(text))
            if tuple(reader.fieldnames or ()) != EXPORT_FIELDS:
                raise InvalidInput(f"the CSV header must be {','.join(EXPORT_FIELDS)}")
            rows = list(reader)
            out = []
            for r in rows:
                flags = {}
                for name in ("refused", "flagged"):
                    if r[name] not in ("true", "false"):
                        raise InvalidInput(f"seq {r['seq']}: {name} must be true or false")
                    flags[name] = r[name] == "true"
                out.append(AuditEntry(**{**r, **flags, "seq": int(r["seq"]), "payload": json.loads(r["payload"])}))
            return out
    except InvalidInput:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"the {fmt} export is malformed: {exc}") from exc
    raise InvalidInput(f"export format '{fmt}' is unknown; use csv or json", field="format")


def verify_export(data: bytes, fmt: str) -> VerifyResult:
    """Re-hash an exported file offline: the same check as :meth:`AuditLog.verify`, without the database."""
    return verify_entries(parse_export(data, fmt))
