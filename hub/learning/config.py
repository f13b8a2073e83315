"""Learning settings in one small dataclass (the hub's Settings feed it; tests build it directly)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class LearningConfig:
    """Knobs of item generation, quizzes, the FSRS schedule and analytics.

    Defaults are the documented behaviour (docs/learning.md); every field maps to a
    ``HUB_LEARNING_*`` setting once the lead wires them into :class:`hub.settings.Settings`.
    """

    desired_retention: float = 0.9
    """FSRS target probability of recall when a review falls due (FSRS default 0.9)."""
    learning_steps: tuple[dt.timedelta, ...] = (dt.timedelta(minutes=1), dt.timedelta(minutes=10))
    """FSRS short steps for new cards (the package defaults)."""
    relearning_steps: tuple[dt.timedelta, ...] = (dt.timedelta(minutes=10),)
    enable_fuzzing: bool = True
    """Spread review intervals a little (FSRS fuzz) so a team's reviews do not all fall on one day."""
    maximum_interval_days: int = 365
    """Cap on a review interval: content is re-approved at least yearly, so longer gaps make little sense."""
    items_per_chunk: int = 3
    """Most items kept from one chunk, so a long dense passage does not dominate a quiz."""
    seed: int = 20261125
    """Seed of the generator's random choices (distractors, true/false variants): reruns are reproducible."""
    min_stem_words: int = 6
    max_stem_words: int = 60
    mcq_options: int = 4
    quiz_default_items: int = 5
    quiz_max_items: int = 30
    module_key_points: tuple[int, int] = (3, 5)
    module_items: tuple[int, int] = (3, 5)
    module_minutes: float = 5.0
    """A micro-module must fit this many minutes (reading at ``reading_wpm`` + ``seconds_per_item``)."""
    reading_wpm: int = 180
    seconds_per_item: int = 30
    min_answers_per_cell: int = 3
    """Answers a mastery cell needs before it shows a figure and a colour (fewer: count only)."""
    items_per_section: int = 8
    """Most items kept from one section kind of one document, so every section gets its share."""
    overdue_after: dt.timedelta = field(default=dt.timedelta(days=1))
    """A due review counts as overdue once it has waited this long (short learning steps are not "overdue")."""

    @classmethod
    def from_settings(cls, settings: Any) -> LearningConfig:
        """Defaults overridden by any ``learning_<field>`` attribute the hub's Settings define."""
        values = {
            f.name: getattr(settings, "learning_" + f.name)
            for f in fields(cls)
            if getattr(settings, "learning_" + f.name, None) is not None
        }
        return cls(**values)
