"""Items on what a label *lists* rather than states as a number: its contraindications and indications.

"ELIQUIS is contraindicated in patients with: active pathological bleeding" holds no dose, rate or
drug name, so the typed-fact generator never asks about it, yet it is among the first things an MSL
must know. Here each such entry becomes:

* an **MCQ** "Which of these is a contraindication to X?": the entry plus three entries of the same
  kind taken from *other* products' labels;
* or, with fewer than three usable entries, a **false statement**: the source with its entry swapped
  for another product's.

A borrowed entry is used only when it cannot also be true for this product: it names no product
of the corpus (a "hypersensitivity to semaglutide" option gives itself away, and "hypersensitivity
to X" may be true of X), and no sentence of this document holds most of its words (a label that
warns about "hereditary or idiopathic angioedema" does not get that entry as a wrong answer).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hub.learning.items import BLANK, FALSE, TRUE, DraftItem, ItemType, contains_phrase, norm

# Section kind -> what its entries are called in a stem.
LISTED_KINDS = {"contraindications": "contraindication", "indications": "indication"}
# A slide deck's lines are its key messages: asked "which of these does the deck say?".
KEY_MESSAGE = "key_message"
KIND_LABELS = {**LISTED_KINDS, KEY_MESSAGE: "key message"}
_KEY_MESSAGE_WORDS = (6, 30)
# "X is contraindicated in patients with:" / "X is indicated:" -- a lead-in whose bullets are entries.
_LEAD_IN = {
    "contraindications": re.compile(r"\bcontraindicated\b[^:]*:\s*$", re.IGNORECASE),
    "indications": re.compile(r"\bindicated\b[^:]*:\s*$", re.IGNORECASE),
}
# A sentence stating one entry; the named group is the entry.
_SENTENCE = {
    "contraindications": re.compile(
        r"\b(?:is|are) contraindicated in (?:patients|persons|people) (?:with|who have) (?P<entry>.+)$", re.IGNORECASE
    ),
    "indications": re.compile(
        r"\b(?:is|are) indicated (?:in [^.]*? )?(?:for (?:the )?|to |as )(?P<entry>(?!\d)[a-z].+)$", re.IGNORECASE
    ),
}
# Where an entry stops: a cross-reference, an example list, a second sentence, the organisms list.
_ENTRY_END = re.compile(r"\s\[see\b|\s\(e\.g\.|\s\(\d|\.\s|\.$|;|\scaused by\b|\sdue to\b", re.IGNORECASE)
_STOP = frozenset(
    [
        "with",
        "the",
        "and",
        "for",
        "that",
        "this",
        "from",
        "have",
        "has",
        "are",
        "was",
        "were",
        "who",
        "which",
        "their",
        "than",
        "into",
        "such",
        "also",
        "any",
        "other",
        "patients",
        "persons",
        "adults",
        "adult",
        "history",
        "treatment",
    ]
)
_MIN_ENTRY_WORDS = 2
_MAX_ENTRY_WORDS = 25
_MOSTLY = 0.6
# Items per document and kind: a label with fifteen indications should not give fifteen near-identical
# questions; its first entries (the main ones) are asked.
MOST_PER_KIND = 3


@dataclass(frozen=True)
class Entry:
    """One listed contraindication or indication, as the label words it."""

    document_id: str
    product: str
    kind: str
    text: str


def entry_of(unit: str, shape: str, section_kind: str, lead_in: str | None) -> str | None:
    """The entry a unit states (a bullet under a matching lead-in, or a matching sentence), or None."""
    if section_kind not in LISTED_KINDS:
        return None
    if shape == "item":
        if lead_in is None or not _LEAD_IN[section_kind].search(lead_in):
            return None
        raw = unit[len(lead_in) :].strip() if unit.startswith(lead_in) else unit
    else:
        m = _SENTENCE[section_kind].search(unit)
        if m is None:
            return None
        raw = m.group("entry")
    end = _ENTRY_END.search(raw)
    entry = (raw[: end.start()] if end else raw).strip(" ,:")
    words = entry.split()
    if not _MIN_ENTRY_WORDS <= len(words) <= _MAX_ENTRY_WORDS:
        return None
    return entry


def key_message_of(unit: str, title: str = "") -> str | None:
    """A slide or notes line that makes a statement (not a heading, link, label or housekeeping), or None.

    A line that repeats a distinctive word of its deck's title ("PhUSE stands for ...") is left out:
    as an option it would name its deck and give the answer away.
    """
    words = unit.split()
    if not _KEY_MESSAGE_WORDS[0] <= len(words) <= _KEY_MESSAGE_WORDS[1] or unit.rstrip().endswith(":"):
        return None
    if re.search(r"https?://|www\.|@|\bet al\b", unit):
        return None
    # "We've installed everything for you": the talk's housekeeping, not its message.
    if re.search(r"\b(?:we|we[’']\w+|you|your|our|us|I)\b", unit, re.IGNORECASE):
        return None
    if content_words(unit) & _title_words(title):
        return None
    # A statement, not a label ("Wiki Button: minutes, etc.") nor a fragment leaning on the slide before.
    if ":" in unit or not unit.rstrip().endswith(".") or re.match(r"(?:It|They|This|These|Can|Also)\b", unit):
        return None
    # Title Case lines are headings ("Standard Analyses and Code Sharing Working Group Vision/Goals").
    capitalised = sum(w[:1].isupper() for w in words[1:])
    if capitalised > 0.4 * (len(words) - 1):
        return None
    return unit.strip()


def _title_words(title: str) -> frozenset[str]:
    """Distinctive title words: capitalised or mixed-case names ("PhUSE", "R/Pharma"), not ordinary words."""
    return frozenset(
        w.casefold() for w in re.findall(r"[A-Za-z][\w-]{3,}", title) if not w.islower() and not w.istitle()
    )


def content_words(text: str) -> frozenset[str]:
    """Words that carry meaning (4+ letters, not function words)."""
    return frozenset(w for w in re.findall(r"[a-z][a-z0-9-]{3,}", text.casefold()) if w not in _STOP)


class ListedEntries:
    """Every contraindication and indication of the corpus, and each document's sentences for the truth filter."""

    def __init__(self, product_names: Iterable[str]) -> None:
        self.entries: dict[str, list[Entry]] = defaultdict(list)
        self.sentences: dict[str, list[frozenset[str]]] = defaultdict(list)
        names = {w for name in product_names for w in re.findall(r"[a-z][a-z-]{3,}", name.casefold())}
        self.names = frozenset(names - {"none", "tablets", "injection"})

    def add(self, entry: Entry) -> None:
        if all(norm(e.text) != norm(entry.text) for e in self.entries[entry.kind]):
            self.entries[entry.kind].append(entry)

    def add_sentence(self, document_id: str, sentence: str) -> None:
        self.sentences[document_id].append(content_words(sentence))

    def names_a_product(self, text: str) -> bool:
        return bool(content_words(text) & self.names)

    def could_be_true(self, document_id: str, text: str) -> bool:
        """Does some sentence of the document hold most of the entry's words?"""
        words = content_words(text)
        if not words:
            return True
        return any(len(words & s) >= _MOSTLY * len(words) for s in self.sentences[document_id])

    def borrowed(self, entry: Entry) -> list[str]:
        """Entries of the same kind from other products that cannot also be true for this document.

        Those worded most like the entry come first ("treatment of ..." against "treatment of ..."),
        so an option's grammar does not give the answer away.
        """
        out = []
        for other in self.entries[entry.kind]:
            if other.product == entry.product or other.document_id == entry.document_id:
                continue
            if self.names_a_product(other.text) or self.could_be_true(entry.document_id, other.text):
                continue
            if content_words(other.text) & _title_words(entry.product):
                continue  # it names the asked deck: a wrong option that points at the right document
            out.append(other.text)
        first = entry.text.split()[0].casefold()
        return sorted(out, key=lambda t: (t.split()[0].casefold() != first, out.index(t)))


def listed_item(
    entry: Entry,
    passage: str,
    distractors: Sequence[str],
    source: dict[str, object],
    rng_pick: Sequence[int],
    options: int = 4,
) -> DraftItem | None:
    """An MCQ when there are enough distractors, else a false statement, else the true statement.

    ``rng_pick`` orders the distractors (the caller's seeded shuffle), so reruns are reproducible.
    """
    ordered = [distractors[i] for i in rng_pick if i < len(distractors)]
    ordered = [d for d in ordered if not contains_phrase(passage, d)]
    name = entry.product
    label = KIND_LABELS[entry.kind]
    article = "an" if label[0] in "aeiou" else "a"
    why = f'The label lists it: "{passage}"'
    if len(ordered) >= options - 1:
        chosen = ordered[: options - 1]
        opts = [entry.text, *chosen]
        # Answer position from the same seeded order, so it is not always first.
        position = rng_pick[0] % options if rng_pick else 0
        opts.insert(position, opts.pop(0))
        if entry.kind == KEY_MESSAGE:
            stem = f'Which of these is {article} {label} of "{name}"? {BLANK}'
        else:
            preposition = "to" if label == "contraindication" else "for"
            stem = f"Which of these is listed as {article} {label} {preposition} {name}? {BLANK}"
        return DraftItem(
            ItemType.mcq,
            stem,
            opts,
            entry.text,
            passage,
            explanation=why,
            fact_kind=label,
            source=source,
        )
    if entry.kind == KEY_MESSAGE:
        return None  # a deck's line swapped for another deck's says nothing on its own
    if not ordered:
        # No other label to borrow from: the statement itself, true, still puts the entry in front of
        # the learner (a single-label corpus would otherwise never ask about its indication).
        return DraftItem(
            ItemType.true_false,
            passage,
            [TRUE, FALSE],
            TRUE,
            passage,
            explanation=f'True: the label states it: "{passage}"',
            fact_kind=label,
            source=source,
        )
    altered = ordered[0]
    start = passage.find(entry.text)
    if start < 0:
        return None
    stem = passage[:start] + altered + passage[start + len(entry.text) :]
    return DraftItem(
        ItemType.true_false,
        stem,
        [TRUE, FALSE],
        FALSE,
        passage,
        explanation=f'False: the label lists "{entry.text}", not "{altered}": "{passage}"',
        fact_kind=label,
        original=entry.text,
        altered=altered,
        source=source,
    )
