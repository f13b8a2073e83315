"""Spaced repetition with FSRS-6 (the ``fsrs`` package): one card per (user, item).

Mapping of quiz answers to FSRS ratings (the hub does not ask MSLs to grade themselves; the
answer is scored): a correct answer is ``Rating.Good``, a wrong one ``Rating.Again``. ``Hard`` and
``Easy`` are not used. Every time passed to the scheduler is timezone-aware UTC (``hub.now()``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fsrs import Card, Rating, Scheduler

from hub.settings import LearningSettings


def rating_for(correct: bool) -> Rating:
    """Correct -> Good, wrong -> Again (see module docstring)."""
    return Rating.Good if correct else Rating.Again


@dataclass(frozen=True)
class Review:
    """A card after one review."""

    card: Card
    rating: Rating

    @property
    def due(self) -> dt.datetime:
        return self.card.due


class Schedule:
    """The FSRS scheduler configured from :class:`LearningSettings`, with (de)serialisation helpers."""

    def __init__(self, config: LearningSettings) -> None:
        self.scheduler = Scheduler(
            desired_retention=config.desired_retention,
            learning_steps=config.learning_steps,
            relearning_steps=config.relearning_steps,
            maximum_interval=config.maximum_interval_days,
            enable_fuzzing=config.enable_fuzzing,
        )

    @staticmethod
    def new_card(now: dt.datetime) -> Card:
        # card_id from the clock would sleep 1 ms per card; the SQL key identifies the card anyway.
        return Card(card_id=int(now.timestamp() * 1000), due=now)

    def review(self, card: Card, correct: bool, now: dt.datetime) -> Review:
        _require_utc(now)
        rating = rating_for(correct)
        updated, _log = self.scheduler.review_card(card, rating, review_datetime=now.astimezone(dt.UTC))
        return Review(updated, rating)

    def retrievability(self, card: Card, now: dt.datetime) -> float:
        """Predicted probability of recall at ``now`` (0 for a card never reviewed)."""
        _require_utc(now)
        return float(self.scheduler.get_card_retrievability(card, current_datetime=now))

    def retrievability_of(self, stability: float | None, last_review: dt.datetime | None, now: dt.datetime) -> float:
        """Retrievability from a stored review (stability and time), for analytics over history."""
        if stability is None or last_review is None:
            return 0.0
        card = Card(card_id=1, stability=stability, difficulty=5.0, last_review=last_review, due=now)
        return self.retrievability(card, now)

    @staticmethod
    def load(data: dict[str, object]) -> Card:
        return Card.from_dict(data)  # type: ignore[arg-type]

    @staticmethod
    def dump(card: Card) -> dict[str, object]:
        return dict(card.to_dict())


def _require_utc(moment: dt.datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() != dt.timedelta(0):
        raise ValueError("scheduling times must be timezone-aware UTC")
