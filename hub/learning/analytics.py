"""Training analytics computed from stored answers, FSRS cards and the audit log.

Definitions (docs/learning.md has the same list):

* **attempts**: scored answers (quiz, module or review); **items seen**: distinct items answered.
* **accuracy**: correct answers / attempts.
* **retrievability** (R): FSRS's predicted probability of recall *now*, averaged over the user's
  active cards in the group (cards of retired or rejected items are left out).
* **overdue**: active cards whose due time is more than ``overdue_after`` (default 1 day) in the past.
* **mastery** = accuracy x mean retrievability: high only when a user both answered well and is
  predicted to still remember; either alone can be inflated (one lucky answer; a card just
  reviewed). Team figures pool answers (accuracy) and cards (R) across users.
* **content gaps**: questions the approved content does not answer well: ``answer.refused``
  audit records plus ``answer.given`` records whose support score is below ``low_support``
  (default :data:`LOW_SUPPORT`, just above the answerer's default refusal threshold of 0.5), by
  default from MSLs, grouped by the normalised question, with counts (refused and low-support
  apart), distinct askers, the lowest support seen and the first and last time asked.
* **mastery by document**: the same figures per document and section kind (the item's topic),
  across the team, answers to retired items left out.
* **retention series**: per UTC day, the answers and accuracy of that day, and the mean R at the
  end of that day over every (user, item) pair reviewed by then (from the stored review log).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from hub.errors import InvalidInput, NotFound
from hub.learning.items import ItemStatus, norm
from hub.learning.models import AnswerRow, CardRow, ItemRow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from hub.audit import AuditLog
    from hub.learning.scheduling import Schedule
    from hub.settings import LearningSettings

# Support below this makes a given answer a content gap too: the hub answered, but barely.
LOW_SUPPORT = 0.6

CSV_FIELDS = (
    "user",
    "product",
    "topic",
    "items_seen",
    "attempts",
    "correct",
    "accuracy",
    "retrievability",
    "mastery",
    "active_cards",
    "due",
    "overdue",
)


@dataclass
class GroupStats:
    """One (user, product, topic) row of the mastery table."""

    user: str
    product: str
    topic: str
    items_seen: int = 0
    attempts: int = 0
    correct: int = 0
    accuracy: float | None = None
    retrievability: float | None = None
    mastery: float | None = None
    active_cards: int = 0
    due: int = 0
    overdue: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None


def _r4(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


class Analytics:
    """Read-only figures for managers; every number is computed from stored attempts and cards."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        audit: AuditLog,
        schedule: Schedule,
        config: LearningSettings,
        *,
        now: Callable[[], dt.datetime],
    ) -> None:
        self.sessions = sessions
        self.audit = audit
        self.schedule = schedule
        self.config = config
        self.now = now

    # --- raw material ------------------------------------------------------------------------------

    def _load(self, *, current: bool = True) -> tuple[list[AnswerRow], list[tuple[CardRow, ItemRow]]]:
        """Answers and cards; with ``current`` only answers to items that are not retired.

        A retired item's answers stay in the history (retention, exports of attempts) but say
        nothing about what a user knows of the content that is approved today.
        """
        stmt = select(AnswerRow).order_by(AnswerRow.answered_at, AnswerRow.id)
        if current:
            stmt = stmt.join(ItemRow, AnswerRow.item_id == ItemRow.id).where(ItemRow.status != str(ItemStatus.retired))
        with self.sessions() as s:
            answers = s.scalars(stmt).all()
            cards = s.execute(select(CardRow, ItemRow).join(ItemRow, CardRow.item_id == ItemRow.id)).all()
        return list(answers), [(c, i) for c, i in cards]

    # --- per user x product x topic ----------------------------------------------------------------

    def table(self, *, user: str | None = None) -> list[GroupStats]:
        """The mastery table: one row per (user, product, topic) with any answers."""
        now = self.now()
        answers, cards = self._load()
        groups: dict[tuple[str, str, str], GroupStats] = {}
        seen: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        for a in answers:
            key = (a.user_name, a.product, a.topic)
            g = groups.setdefault(key, GroupStats(*key))
            g.attempts += 1
            g.correct += int(a.correct)
            seen[key].add(a.item_id)
        rs: dict[tuple[str, str, str], list[float]] = defaultdict(list)
        overdue_before = now - self.config.overdue_after
        for card_row, item in cards:
            if not card_row.active:
                continue
            key = (card_row.user_name, item.product, item.topic)
            g = groups.setdefault(key, GroupStats(*key))
            g.active_cards += 1
            g.due += int(card_row.due <= now)
            g.overdue += int(card_row.due < overdue_before)
            rs[key].append(self.schedule.retrievability(self.schedule.load(card_row.card), now))
        for key, g in groups.items():
            g.items_seen = len(seen[key])
            g.accuracy = _r4(g.correct / g.attempts) if g.attempts else None
            g.retrievability = _r4(_mean(rs[key]))
            g.mastery = (
                _r4(g.accuracy * g.retrievability) if g.accuracy is not None and g.retrievability is not None else None
            )
        rows = sorted(groups.values(), key=lambda g: (g.user, g.product, g.topic))
        return [g for g in rows if user is None or g.user == user]

    def user(self, name: str) -> dict[str, Any]:
        rows = self.table(user=name)
        if not rows:
            raise NotFound(f"no quiz answers recorded for user '{name}'")
        attempts = sum(r.attempts for r in rows)
        correct = sum(r.correct for r in rows)
        cards = [(r.retrievability, r.active_cards) for r in rows if r.retrievability is not None]
        weight = sum(n for _, n in cards)
        mean_r = sum(r * n for r, n in cards) / weight if weight else None
        accuracy = correct / attempts if attempts else None
        return {
            "user": name,
            "attempts": attempts,
            "correct": correct,
            "accuracy": _r4(accuracy),
            "items_seen": sum(r.items_seen for r in rows),
            "retrievability": _r4(mean_r),
            "mastery": _r4(accuracy * mean_r) if accuracy is not None and mean_r is not None else None,
            "due": sum(r.due for r in rows),
            "overdue": sum(r.overdue for r in rows),
            "groups": [r.as_dict() for r in rows],
        }

    # --- team --------------------------------------------------------------------------------------

    def mastery(self) -> dict[str, Any]:
        """Team mastery table: users x (product, topic) cells of mastery, plus each user's totals."""
        rows = self.table()
        users = sorted({r.user for r in rows})
        topics = sorted({(r.product, r.topic) for r in rows})
        least = self.config.min_answers_per_cell
        # A cell with fewer answers than ``least`` gets no mastery figure (and so no colour): one
        # lucky answer is not mastery. Its answer count is still shown.
        cells = {(r.user, r.product, r.topic): r.mastery if r.attempts >= least else None for r in rows}
        counts = {(r.user, r.product, r.topic): r.attempts for r in rows}
        return {
            "definition": "mastery = accuracy x mean FSRS retrievability (see docs/learning.md)",
            "min_answers_per_cell": least,
            "users": users,
            "topics": [{"product": p, "topic": t} for p, t in topics],
            "matrix": [[cells.get((u, p, t)) for p, t in topics] for u in users],
            "answers": [[counts.get((u, p, t), 0) for p, t in topics] for u in users],
            "rows": [r.as_dict() for r in rows],
            "totals": {u: {k: v for k, v in self.user(u).items() if k != "groups"} for u in users},
        }

    def topics(self) -> list[dict[str, Any]]:
        """Per (product, topic) across the team, weakest (lowest mastery) first."""
        now = self.now()
        answers, cards = self._load()
        acc: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        users: dict[tuple[str, str], set[str]] = defaultdict(set)
        for a in answers:
            acc[(a.product, a.topic)][0] += 1
            acc[(a.product, a.topic)][1] += int(a.correct)
            users[(a.product, a.topic)].add(a.user_name)
        rs: dict[tuple[str, str], list[float]] = defaultdict(list)
        for card_row, item in cards:
            if card_row.active:
                rs[(item.product, item.topic)].append(
                    self.schedule.retrievability(self.schedule.load(card_row.card), now)
                )
        out = []
        for key, (attempts, correct) in acc.items():
            accuracy = correct / attempts
            mean_r = _mean(rs[key])
            out.append(
                {
                    "product": key[0],
                    "topic": key[1],
                    "users": len(users[key]),
                    "attempts": attempts,
                    "accuracy": _r4(accuracy),
                    "retrievability": _r4(mean_r),
                    "mastery": _r4(accuracy * mean_r) if mean_r is not None else None,
                }
            )
        return sorted(out, key=lambda r: (r["mastery"] if r["mastery"] is not None else -1, r["product"], r["topic"]))

    def gaps(self, *, msl_only: bool = True, limit: int = 50, low_support: float = LOW_SUPPORT) -> list[dict[str, Any]]:
        """Questions the hub refused or answered with support below ``low_support``, most asked first."""
        if not 1 <= limit <= 1000:
            raise InvalidInput("limit must be between 1 and 1000", field="limit")
        if not 0.0 <= low_support <= 1.0:
            raise InvalidInput("low_support must be between 0 and 1", field="low_support")
        groups: dict[str, dict[str, Any]] = {}
        offset = 0
        while True:
            batch = self.audit.query(event=["answer.refused", "answer.given"], limit=1000, offset=offset)
            for entry in batch:
                if msl_only and entry.role != "msl":
                    continue
                support = entry.payload.get("support")
                refused = entry.event == "answer.refused"
                if not refused and (support is None or float(support) >= low_support):
                    continue
                question = str(entry.payload.get("question", "")).strip()
                key = norm(question).rstrip("?. ")
                g = groups.setdefault(
                    key,
                    {
                        "question": question,
                        "count": 0,
                        "askers": set(),
                        "products": set(),
                        "first_asked": entry.ts,
                        "last_asked": entry.ts,
                        "reason": entry.payload.get("refusal_reason"),
                        "refused": 0,
                        "low_support": 0,
                        "min_support": None,
                    },
                )
                g["count"] += 1
                g["refused" if refused else "low_support"] += 1
                if support is not None:
                    value = round(float(support), 4)
                    g["min_support"] = value if g["min_support"] is None else min(g["min_support"], value)
                if refused and not g["reason"]:
                    g["reason"] = entry.payload.get("refusal_reason")
                g["askers"].add(entry.actor)
                product = (entry.payload.get("filters") or {}).get("product") or entry.product
                if product:
                    g["products"].add(product)
                g["last_asked"] = entry.ts
            if len(batch) < 1000:
                break
            offset += 1000
        out = [{**g, "askers": len(g["askers"]), "products": sorted(g["products"])} for g in groups.values()]
        out.sort(key=lambda g: (-g["count"], g["question"]))
        return out[:limit]

    def by_document(self) -> list[dict[str, Any]]:
        """Team figures per document and section kind (topic), weakest first; retired items' answers left out.

        Each row: document, topic, users, attempts, correct, accuracy, retrievability (mean R of the
        active cards of that document's items in that topic), mastery and whether it has enough
        answers (``min_answers_per_cell``) to be shown as a figure rather than a count.
        """
        now = self.now()
        least = self.config.min_answers_per_cell
        with self.sessions() as s:
            answered = s.execute(
                select(AnswerRow, ItemRow.document_title, ItemRow.topic)
                .join(ItemRow, AnswerRow.item_id == ItemRow.id)
                .where(ItemRow.status != str(ItemStatus.retired))
            ).all()
        _, cards = self._load()
        acc: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        users: dict[tuple[str, str], set[str]] = defaultdict(set)
        for a, title, topic in answered:
            key = (title, topic)
            acc[key][0] += 1
            acc[key][1] += int(a.correct)
            users[key].add(a.user_name)
        rs: dict[tuple[str, str], list[float]] = defaultdict(list)
        for card_row, item in cards:
            if card_row.active and item.status != str(ItemStatus.retired):
                rs[(item.document_title, item.topic)].append(
                    self.schedule.retrievability(self.schedule.load(card_row.card), now)
                )
        out = []
        for (title, topic), (attempts, correct) in acc.items():
            accuracy = correct / attempts
            mean_r = _mean(rs[(title, topic)])
            out.append(
                {
                    "document": title,
                    "topic": topic,
                    "users": len(users[(title, topic)]),
                    "attempts": attempts,
                    "correct": correct,
                    "accuracy": _r4(accuracy),
                    "retrievability": _r4(mean_r),
                    "mastery": _r4(accuracy * mean_r) if mean_r is not None else None,
                    "enough_answers": attempts >= least,
                }
            )
        return sorted(out, key=lambda r: (r["mastery"] if r["mastery"] is not None else -1, r["document"], r["topic"]))

    def retention(self, *, days: int | None = None, user: str | None = None) -> list[dict[str, Any]]:
        """Daily series: answers, accuracy that day, mean R at the end of the day over cards reviewed so far
        (the team's, or one ``user``'s). Answers to retired items count: this is history."""
        answers, _ = self._load(current=False)
        if user is not None:
            answers = [a for a in answers if a.user_name == user]
        if not answers:
            return []
        now = self.now()
        first = answers[0].answered_at.date()
        last = now.date()
        if days is not None:
            if not 1 <= days <= 3660:
                raise InvalidInput("days must be between 1 and 3660", field="days")
            first = max(first, last - dt.timedelta(days=days - 1))
        latest: dict[tuple[str, str], AnswerRow] = {}
        i = 0
        out = []
        day = answers[0].answered_at.date()
        while day <= last:
            end = min(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.UTC), now)
            todays = []
            while i < len(answers) and answers[i].answered_at < end:
                a = answers[i]
                latest[(a.user_id, a.item_id)] = a
                if a.answered_at.date() == day:
                    todays.append(a)
                i += 1
            if day >= first:
                r = _mean(self.schedule.retrievability_of(a.stability, a.answered_at, end) for a in latest.values())
                out.append(
                    {
                        "date": day.isoformat(),
                        "answers": len(todays),
                        "accuracy": _r4(sum(a.correct for a in todays) / len(todays)) if todays else None,
                        "retrievability": _r4(r),
                        "cards": len(latest),
                    }
                )
            day += dt.timedelta(days=1)
        return out

    # --- export ------------------------------------------------------------------------------------

    def export_csv(self) -> bytes:
        """The mastery table as CSV (one row per user, product and topic)."""
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
        writer.writeheader()
        for row in self.table():
            writer.writerow({k: "" if v is None else v for k, v in row.as_dict().items()})
        return buf.getvalue().encode("utf-8")
