"""Typed facts in a sentence: the raw material of quiz items.

A *fact* is a span of a sentence that a question can be asked about and that has a *kind* (and,
for numbers, a *unit*): ``72.4%`` is a ``percent``, ``150 mg`` a ``dose`` in ``mg``, ``every 12
weeks`` an ``interval``, ``week 16`` a ``timepoint``, ``PASI 90`` an ``endpoint``, ``ustekinumab``
a ``drug``. Distractors and true/false swaps are only ever drawn from facts of the same kind and
unit, so a number is never offered against a drug name and milligrams never against percentages.

Numbers come from regular expressions. Entities come from a :class:`Lexicon` mined from the
approved corpus itself (INN suffixes such as -mab/-cept/-nib, ``BRAND (generic)`` pairs, endpoint
and cytokine patterns) plus a short seed list of conventional drugs that no suffix rule catches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

NUMERIC_KINDS = frozenset(
    {"percent", "dose", "measure", "temperature", "interval", "duration", "timepoint", "count", "ratio"}
)
ENTITY_KINDS = frozenset({"drug", "endpoint", "target"})

# Who or what a trial enrolls: counted, they give a trial's size ("959 patients"), not a finding.
PARTICIPANT_NOUNS = (
    "patients",
    "subjects",
    "adults",
    "participants",
    "women",
    "men",
    "children",
    "sites",
    "centres",
    "centers",
    "countries",
    "trials",
    "studies",
)
# Things a number can count in trial reports; a closed list, because "Table 1 summarizes" is no count.
COUNT_NOUNS = (
    *PARTICIPANT_NOUNS,
    "injections",
    "doses",
    "visits",
    "cases",
    "percentage points",
)
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_TIME_UNITS = "minute|hour|day|week|month|year"

# Order matters: earlier patterns win overlapping spans ("every 12 weeks" before "12 weeks").
_NUMERIC_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("temperature", re.compile(rf"(?<![\w.])(?P<num>{_NUM})\s?°\s?(?P<unit>[CF])\b")),
    ("percent", re.compile(rf"(?<![\w.])(?P<num>{_NUM})\s?(?P<unit>%)")),
    (
        "dose",
        re.compile(rf"(?<![\w.])(?P<num>{_NUM})\s?(?P<unit>mg/kg|mg/mL|mcg/mL|µg/mL|ng/mL|mg|mcg|µg|g|mL|IU)\b(?!/)"),
    ),
    ("measure", re.compile(rf"(?<![\w.])(?P<num>{_NUM})\s?(?P<unit>kg|cm|mm|inch(?:es)?)\b")),
    ("interval", re.compile(rf"\bevery (?P<num>\d+) (?P<unit>(?:{_TIME_UNITS})s)\b")),
    ("duration", re.compile(rf"(?<![\w.])(?P<num>\d+)(?:-|\s)(?P<unit>(?:{_TIME_UNITS})s?)\b")),
    ("timepoint", re.compile(r"\b(?P<unit>week|day|month) (?P<num>\d+)\b(?! to\b)")),
    ("ratio", re.compile(r"(?<![\w.:])(?P<num>\d+:\d+)(?![\w:])(?P<unit>)")),
    ("count", re.compile(rf"(?<![\w.])(?P<num>{_NUM}) (?P<unit>{'|'.join(COUNT_NOUNS)})\b")),
]

_ENDPOINT = re.compile(
    r"\b(?:PASI|EASI|IGA|s?PGA|DLQI|NAPSI|ACR|SALT|ASAS|BASDAI|DAS28|HiSCR)"
    r"(?:[ -]?\d+(?:/\d+)?)\b|\bHbA1c\b|\bFEV1\b"
)
_TARGET = re.compile(r"\bIL-\d+[A-F]?(?:/\d+)?(?: p\d+)?\b|\bTNF(?:-alpha)?\b|\bJAK\d?\b|\bTYK2\b|\bPDE4\b")
_DRUG_SUFFIX = re.compile(r"\b[A-Za-z][a-z]{3,}(?:mab|cept|nib|kinra|limus)\b")
_BRAND_GENERIC = re.compile(r"\b([A-Z][A-Z0-9]{3,})\s\(([a-z][a-z-]{4,})\)")
# Conventional systemics and small molecules that carry no biologic suffix.
SEED_DRUGS = (
    "methotrexate",
    "ciclosporin",
    "cyclosporine",
    "acitretin",
    "apremilast",
    "dimethyl fumarate",
    "deucravacitinib",
    "prednisone",
    "hydroxychloroquine",
    "sulfasalazine",
    "leflunomide",
)


@dataclass(frozen=True)
class Fact:
    """A typed span of a sentence."""

    kind: str
    unit: str
    text: str
    start: int
    end: int
    number: str = ""
    """The number as written (``1,480``, ``72.4``, ``3:1``); empty for entities."""

    @property
    def value(self) -> float | None:
        if not self.number or ":" in self.number:
            return None
        return float(self.number.replace(",", ""))

    @property
    def signature(self) -> tuple[str, str]:
        """Kind and unit: two facts can stand in for each other only if these are equal."""
        return self.kind, self.unit

    def with_number(self, number: str) -> str:
        """This fact's text with another number in it, keeping its wording ("16-week" -> "12-week")."""
        if not self.number:
            raise ValueError("only numeric facts take another number")
        text = self.text.replace(self.number, number, 1)
        # "1 week" / "2 weeks": keep the unit word agreeing with the new number.
        if self.kind in ("duration", "interval") and "-" not in self.text:
            singular = number == "1"
            unit = self.unit.rstrip("s")
            text = re.sub(rf"\b{unit}s?\b", unit if singular else unit + "s", text)
        return text


def _unit_key(kind: str, unit: str) -> str:
    """Normalise units so "week"/"weeks" and "inch"/"inches" are one unit."""
    if kind in ("duration", "timepoint", "interval"):
        return unit.rstrip("s")
    if unit == "inches":
        return "inch"
    if kind == "temperature":
        return "°" + unit
    return unit


def numeric_facts(sentence: str) -> list[Fact]:
    """Numbers with units, percentages, dose regimens, time spans and time points, left to right."""
    taken: list[tuple[int, int]] = []
    facts: list[Fact] = []
    for kind, pattern in _NUMERIC_PATTERNS:
        for m in pattern.finditer(sentence):
            start, end = m.span()
            if any(start < e and s < end for s, e in taken):
                continue
            unit = m.group("unit")
            taken.append((start, end))
            facts.append(Fact(kind, _unit_key(kind, unit), m.group(0), start, end, m.group("num")))
    return sorted(facts, key=lambda f: f.start)


@dataclass
class Lexicon:
    """Entity names mined from approved text: drugs (with brand/generic aliases), endpoints, targets."""

    drugs: set[str] = field(default_factory=set)
    """Lower-case drug names (generic and brand)."""
    aliases: dict[str, str] = field(default_factory=dict)
    """Lower-case brand -> lower-case generic, from "BRAND (generic)" in the text."""

    @classmethod
    def mine(cls, texts: Iterable[str]) -> Lexicon:
        lex = cls()
        for text in texts:
            lex.add_text(text)
        return lex

    def add_text(self, text: str) -> None:
        for m in _DRUG_SUFFIX.finditer(text):
            self.drugs.add(m.group(0).lower())
        for m in _BRAND_GENERIC.finditer(text):
            brand, generic = m.group(1).lower(), m.group(2).lower()
            if _DRUG_SUFFIX.fullmatch(generic):
                self.aliases[brand] = generic
                self.drugs.update((brand, generic))
        lowered = text.lower()
        for seed in SEED_DRUGS:
            if seed in lowered:
                self.drugs.add(seed)

    def canonical(self, name: str) -> str:
        """One name per substance: a brand maps to its generic, case and spacing ignored."""
        key = " ".join(name.lower().split())
        return self.aliases.get(key, key)

    def _drug_pattern(self) -> re.Pattern[str] | None:
        if not self.drugs:
            return None
        names = sorted(self.drugs, key=len, reverse=True)
        return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b", re.IGNORECASE)

    def entity_facts(self, sentence: str) -> list[Fact]:
        """Drug names, endpoints and targets in a sentence."""
        facts = [Fact("endpoint", "", m.group(0), *m.span()) for m in _ENDPOINT.finditer(sentence)]
        facts += [Fact("target", "", m.group(0), *m.span()) for m in _TARGET.finditer(sentence)]
        pattern = self._drug_pattern()
        if pattern is not None:
            facts += [Fact("drug", "", m.group(0), *m.span()) for m in pattern.finditer(sentence)]
        return facts

    def facts(self, sentence: str) -> list[Fact]:
        """Every fact of a sentence, left to right, without overlaps (entities win over numbers)."""
        entities = self.entity_facts(sentence)
        numbers = [f for f in numeric_facts(sentence) if not any(f.start < e.end and e.start < f.end for e in entities)]
        return sorted(entities + numbers, key=lambda f: f.start)

    def same_thing(self, a: Fact, b: Fact) -> bool:
        """True when two facts say the same (equal numbers and unit, or aliases of one entity)."""
        if a.signature != b.signature:
            return False
        if a.number and b.number:
            va, vb = a.value, b.value
            return a.number == b.number if va is None or vb is None else va == vb
        return self.canonical(a.text) == self.canonical(b.text)


def parse_option(lexicon: Lexicon, text: str) -> Fact | None:
    """The single fact an option consists of, or None when it is not exactly one typed fact."""
    facts = lexicon.facts(text)
    if len(facts) == 1 and facts[0].start == 0 and facts[0].end == len(text):
        return facts[0]
    return None
