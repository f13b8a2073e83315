"""Quiz item types and the in-memory draft the generator builds and the checks judge."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

GENERATOR_VERSION = "extractive-1"
BLANK = "_____"


class ItemType(StrEnum):
    mcq = "mcq"
    cloze = "cloze"
    true_false = "true_false"


class ItemStatus(StrEnum):
    """Items start as drafts; only approved ones reach MSLs; retired follows the source document."""

    draft = "draft"
    approved = "approved"
    rejected = "rejected"
    retired = "retired"


TRUE, FALSE = "True", "False"


@dataclass
class DraftItem:
    """A generated (or edited) item before it is stored; everything the checks need."""

    type: ItemType
    stem: str
    options: list[str]
    answer: str
    passage: str
    """The verbatim source sentence."""
    explanation: str = ""
    fact_kind: str = ""
    fact_unit: str = ""
    original: str = ""
    """For a false statement: the fact as the passage states it."""
    altered: str = ""
    """For a false statement: what replaced it."""
    source: dict[str, object] = field(default_factory=dict)
    """Citation and grouping fields (document, version, page, chunk, product, topic, section)."""

    def dedup_key(self) -> str:
        """Two items are duplicates when type, normalised stem and answer agree."""
        return "|".join((str(self.type), norm(self.stem), norm(self.answer)))


def norm(text: str) -> str:
    """Case- and whitespace-insensitive form used to compare options, answers and stems."""
    return " ".join(text.casefold().split())


def option_key(text: str) -> str:
    """Normalised option for the distinctness check ("4.2 %" and "4.2%" are one option)."""
    return re.sub(r"\s+(?=[%°])", "", norm(text))


def contains_phrase(haystack: str, phrase: str) -> bool:
    """True when ``phrase`` occurs in ``haystack`` as whole words (case and spacing ignored)."""
    phrase = norm(phrase)
    if not phrase:
        return False
    pattern = r"(?<![\w.])" + r"\s+".join(re.escape(w) for w in phrase.split()) + r"(?!\w|[.,]\d)"
    return re.search(pattern, norm(haystack)) is not None


def _loose(text: str) -> str:
    """Forgiving form of a typed answer: case, spacing, hyphens and plural -s do not matter."""
    text = norm(text).replace("-", " ")
    text = re.sub(r"\s+(%|°)", r"\1", text)
    text = re.sub(r"(?<=[a-z]{2})s\b", "", text)
    return " ".join(text.split())


_NUMBERS = re.compile(r"\d+(?:[.,:]\d+)*")


def answer_matches(item_type: str, expected: str, given: str) -> bool:
    """Whether ``given`` is the correct answer.

    MCQ and true/false: the chosen option equals the answer (case and spacing ignored). Cloze:
    the typed text matches loosely (case, spacing, hyphens, plural -s), or is just the number(s)
    of a numeric answer ("72.4" for "72.4%").
    """
    if item_type != ItemType.cloze:
        return norm(given) == norm(expected)
    if _loose(given) == _loose(expected):
        return True
    bare = norm(given).rstrip("%").strip()
    numbers = _NUMBERS.findall(expected)
    return bool(numbers) and re.fullmatch(r"[\d.,:\s]+", bare) is not None and _NUMBERS.findall(bare) == numbers
