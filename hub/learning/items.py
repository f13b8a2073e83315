"""Quiz item types and the in-memory draft the generator builds and the checks judge."""

from __future__ import annotations

import re
import unicodedata
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


# Spellings of one unit a learner may type; the key is what the source text would normally say.
_UNIT_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:milligram|milligramme)s?\b"), "mg"),
    (re.compile(r"\b(?:microgram|microgramme)s?\b|\bug\b|µg|μg"), "mcg"),
    (re.compile(r"\b(?:millilit(?:er|re))s?\b|\bml\b"), "ml"),
    (re.compile(r"\b(?:kilogram|kilogramme)s?\b"), "kg"),
    (re.compile(r"\bgrams?\b"), "g"),
    (re.compile(r"\bper ?cent\b"), "%"),
    (re.compile(r"\b(?:degrees?|deg)\s*(?=[cf]\b)"), "°"),
    (re.compile(r"\b(?:hrs?|hours?)\b"), "hour"),
    (re.compile(r"\b(?:wks?|weeks?)\b"), "week"),
    (re.compile(r"\b(?:mins?|minutes?)\b"), "minute"),
)
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
# A number glued to its unit ("100mg", "5%", "25°C") and a number spaced from it are one answer.
_NUMBER_UNIT_SPACE = re.compile(r"(?<=\d)\s+(?=[a-z%°])")


def normalise_answer(text: str) -> str:
    """Canonical form of a typed or expected cloze answer.

    Unicode compatibility forms (NFKC: non-breaking spaces, full-width digits, "µ"), case, spacing,
    dashes and hyphens, thousands separators, unit spellings ("milligrams", "mg", "100mg") and a
    plural -s do not change the answer; numbers and the words themselves do.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _DASHES.sub("-", text).replace("-", " ")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    for pattern, unit in _UNIT_WORDS:
        text = pattern.sub(unit, text)
    text = " ".join(text.split())
    text = _NUMBER_UNIT_SPACE.sub("", text)
    text = re.sub(r"(?<=° )(?=[cf]\b)|(?<=°) (?=[cf]\b)", "", text)
    text = re.sub(r"(?<=[a-z]{2})s\b", "", text)
    return text.strip(" .")


def _loose(text: str) -> str:
    """Forgiving form of a typed answer (see :func:`normalise_answer`)."""
    return normalise_answer(text)


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
    bare = normalise_answer(given).rstrip("%").strip()
    numbers = _NUMBERS.findall(expected)
    return bool(numbers) and re.fullmatch(r"[\d.,:\s]+", bare) is not None and _NUMBERS.findall(bare) == numbers
