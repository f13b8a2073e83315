"""Safety signals: questions or answers that may describe an adverse event in a patient.

Matching records are flagged in the audit log for pharmacovigilance follow-up; the hub still
answers (or refuses) as usual. The term list is a setting (``HUB_SAFETY_TERMS_FILE``): one term per
line, ``#`` starts a comment, a line starting with ``re:`` is a regular expression; every other
line is a phrase matched case-insensitively on word boundaries, with any run of spaces allowed
between its words. Without a file the :data:`DEFAULT_TERMS` apply.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from hub.errors import InvalidInput

log = logging.getLogger(__name__)

# Terms about an event in a particular patient, not the words "adverse event" alone: approved
# labels and publications talk about adverse reactions all the time, and a question such as "what
# are the most common adverse reactions?" is scientific exchange, not a case to report.
DEFAULT_TERMS: tuple[str, ...] = (
    "side effect in my",
    "my patient developed",
    "my patient had",
    "my patient has developed",
    "patient developed",
    "patient experienced",
    "patient reported",
    "patient died",
    "hospitalized after",
    "hospitalised after",
    "admitted to hospital after",
    "died after",
    "death after",
    "rash after",
    "anaphylaxis after",
    "reaction after",
    "took too much",
    "accidental overdose",
    "pregnant while taking",
    "became pregnant",
    r"re:\b(?:my|our|a|one of my) (?:patient|client)s?\b[^.?!]{0,80}\b(?:developed|experienced|had|suffered|reported)\b",  # noqa: E501
    r"re:\bdeveloped (?:a |an )?\w+ after (?:taking|starting|receiving|the (?:first|second|last) dose)\b",
)


@dataclass(frozen=True)
class SafetyTerms:
    """A compiled term list; :meth:`match` returns the terms found in a text."""

    terms: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]

    @classmethod
    def of(cls, terms: tuple[str, ...] | list[str]) -> SafetyTerms:
        compiled = []
        kept = []
        for raw in terms:
            term = raw.strip()
            if not term or term.startswith("#"):
                continue
            if term.startswith("re:"):
                try:
                    compiled.append(re.compile(term[3:], re.IGNORECASE))
                except re.error as exc:
                    raise InvalidInput(f"safety term '{term}' is not a valid regular expression: {exc}") from exc
            else:
                words = [re.escape(w) for w in term.split()]
                compiled.append(re.compile(r"\b" + r"\s+".join(words) + r"\b", re.IGNORECASE))
            kept.append(term)
        return cls(tuple(kept), tuple(compiled))

    @classmethod
    def load(cls, path: Path | None) -> SafetyTerms:
        """The terms in ``path``, or the defaults when no file is set."""
        if path is None:
            return cls.of(DEFAULT_TERMS)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise InvalidInput(f"cannot read the safety terms file {path}: {exc.strerror or exc}") from exc
        terms = cls.of(lines)
        if not terms.terms:
            log.warning("safety terms file %s holds no terms: nothing will be flagged", path)
        return terms

    def match(self, *texts: str | None) -> list[str]:
        """The terms (as written in the list) found in any of ``texts``, in list order."""
        joined = "\n".join(t for t in texts if t)
        return [term for term, pattern in zip(self.terms, self.patterns, strict=True) if pattern.search(joined)]

    def matched_words(self, text: str | None) -> list[str]:
        """The words of ``text`` that matched any term, as they stand in the text (for people to read).

        Reviewers see "my patient developed" rather than the regular expression that found it.
        Overlapping matches are merged; the result is in text order, without repeats.
        """
        if not text:
            return []
        spans = sorted(m.span() for pattern in self.patterns for m in pattern.finditer(text))
        merged: list[list[int]] = []
        for start, end in spans:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        words: list[str] = []
        for start, end in merged:
            found = " ".join(text[start:end].split())
            if found.casefold() not in (w.casefold() for w in words):
                words.append(found)
        return words
