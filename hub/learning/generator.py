"""Quiz items from approved sentences, without a language model.

For every sentence of a chunk that holds at least one typed fact (:mod:`hub.learning.facts`) the
generator tries one item, rotating the type from sentence to sentence so a chunk yields a mix:

* **MCQ**: the sentence with one fact blanked out; the fact plus three distractors of the same kind
  and unit drawn from the approved corpus (numbers closest in size first, so they are plausible),
  none of which occurs in the sentence (so two options can never both be right by the passage);
* **cloze**: the sentence with one fact blanked out, answered by typing it;
* **true/false**: the sentence verbatim (true), or with exactly one fact swapped for another of
  the same kind and unit that the passage does not contain (false).

Each candidate goes through :func:`hub.learning.checks.run_checks`; if it fails, the next type is
tried on the same sentence. Every attempt counts as generated and every failure is counted by
reason. A chunk gives at most ``items_per_chunk`` items and a sentence at most one.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from hub.learning.checks import CheckContext, run_checks
from hub.learning.config import LearningConfig
from hub.learning.facts import NUMERIC_KINDS, Fact, Lexicon
from hub.learning.items import BLANK, FALSE, TRUE, DraftItem, ItemType, contains_phrase, norm
from ingest.sentences import split_sentences

# Which facts make the best gaps: numbers and endpoints are what MSLs must get exactly right.
_KIND_PRIORITY = {
    "percent": 0,
    "dose": 0,
    "interval": 0,
    "endpoint": 1,
    "timepoint": 1,
    "duration": 1,
    "drug": 2,
    "target": 2,
    "temperature": 2,
    "count": 3,
    "measure": 3,
    "ratio": 4,
}
_CAPTION = re.compile(r"^(?:Table|Figure) \d+\.$")
_TYPE_CYCLE = (ItemType.mcq, ItemType.true_false, ItemType.cloze)

# Section keywords -> a coarse topic shared across documents, so analytics can compare like with like.
_TOPIC_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Storage and handling", ("storage", "handling", "travel", "disposal", "complaint")),
    (
        "Dosing and administration",
        ("dosage", "dosing", "dose", "administration", "inject", "missed", "starting and combining", "dosage forms"),
    ),
    (
        "Safety",
        (
            "safety",
            "adverse",
            "warning",
            "precaution",
            "infection",
            "tuberculosis",
            "hypersensitivity",
            "immunogenicity",
            "contraindication",
            "interaction",
        ),
    ),
    ("Trial design", ("methods", "design", "programme", "program")),
    (
        "Efficacy",
        ("efficacy", "results", "response", "onset", "durability", "head-to-head", "lumen-1", "lumen-2", "subgroup"),
    ),
    ("Mechanism and pharmacology", ("mechanism", "pharmacolog", "pharmacokinetic", "molecule", "axis")),
    (
        "Disease and guidelines",
        (
            "severity",
            "goal",
            "algorithm",
            "guideline",
            "biologic",
            "screening",
            "monitoring",
            "special",
            "population",
            "place in therapy",
            "unmet",
            "scope",
        ),
    ),
)


# The shared splitter treats "mg." and "kg." as abbreviations; at a sentence end they are not.
_UNIT_STOP = re.compile(r"(?<=\b(?:mg|kg|mL)\.)\s+(?=[A-Z][a-z])")


def sentences(text: str) -> list[str]:
    """Sentences of a chunk (the ingest splitter, plus a split after a unit that ends a sentence)."""
    return [part for s in split_sentences(text) for part in _UNIT_STOP.split(s) if part]


def topic_of(section: str, doc_type: str) -> str:
    """A coarse topic from the chunk's section path (keyword rules), else an overview topic."""
    key = section.lower()
    for topic, words in _TOPIC_RULES:
        if any(w in key for w in words):
            return topic
    return "Overview" if section else {"label": "Prescribing information"}.get(doc_type, "Overview")


@dataclass(frozen=True)
class SourceChunk:
    """An approved, retrievable chunk with the citation fields items copy."""

    chunk_id: str
    text: str
    page: int
    section: str
    document_id: str
    title: str
    version_id: str
    version_label: str
    doc_type: str
    product: str
    page_unit: str = "page"

    def source_fields(self) -> dict[str, object]:
        return {
            "chunk_id": self.chunk_id,
            "page": self.page,
            "section": self.section,
            "document_id": self.document_id,
            "document_title": self.title,
            "version_id": self.version_id,
            "version_label": self.version_label,
            "product": self.product,
            "doc_type": self.doc_type,
            "page_label": f"{self.page_unit} {self.page}",
            "topic": topic_of(self.section, self.doc_type),
        }


@dataclass
class GenerationReport:
    """Counts of one run (what the run summary stores) and the kept drafts."""

    generated: int = 0
    kept: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    by_type: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: {"generated": 0, "kept": 0}))
    rejected_by_type: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    items: list[DraftItem] = field(default_factory=list)

    def record(self, item_type: ItemType, reason: str | None) -> None:
        self.generated += 1
        self.by_type[str(item_type)]["generated"] += 1
        if reason is None:
            self.kept += 1
            self.by_type[str(item_type)]["kept"] += 1
        else:
            self.rejected[reason] += 1
            self.rejected_by_type[str(item_type)][reason] += 1

    @property
    def kept_share(self) -> float:
        return self.kept / self.generated if self.generated else 0.0

    def summary(self) -> dict[str, object]:
        return {
            "generated": self.generated,
            "kept": self.kept,
            "kept_share": round(self.kept_share, 4),
            "rejected": dict(self.rejected.most_common()),
            "by_type": {t: dict(v) for t, v in sorted(self.by_type.items())},
            "rejected_by_type": {t: dict(c.most_common()) for t, c in sorted(self.rejected_by_type.items())},
        }


class FactPool:
    """Every distinct fact of the approved corpus, by kind and unit: where distractors come from."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._by_signature: dict[tuple[str, str], dict[str, Fact]] = defaultdict(dict)

    def add_sentence(self, sentence: str) -> None:
        for fact in self.lexicon.facts(sentence):
            key = self._key(fact)
            self._by_signature[fact.signature].setdefault(key, fact)

    def _key(self, fact: Fact) -> str:
        if fact.number:
            return str(fact.value) if fact.value is not None else fact.number
        return self.lexicon.canonical(fact.text)

    def alternatives(self, fact: Fact, sentence: str) -> list[Fact]:
        """Same kind and unit, not saying the same thing, not in the sentence; numbers nearest first."""
        out = [
            f
            for f in self._by_signature.get(fact.signature, {}).values()
            if not self.lexicon.same_thing(f, fact)
            and not contains_phrase(sentence, self.surface(fact, f))
            and not any(
                self.lexicon.canonical(f.text) == self.lexicon.canonical(g.text)
                for g in self.lexicon.entity_facts(sentence)
                if not f.number
            )
        ]
        if fact.value is not None:
            target = max(fact.value, 1e-6)
            out.sort(key=lambda f: (abs(math.log(max(f.value or 1e-6, 1e-6) / target)), f.number))
        else:
            out.sort(key=lambda f: self.lexicon.canonical(f.text))
        return out

    def surface(self, answer: Fact, other: Fact) -> str:
        """How ``other`` reads in the answer's place: same wording for numbers, same casing for names."""
        if answer.number:
            return answer.with_number(other.number)
        text = self.lexicon.canonical(other.text) if answer.kind == "drug" else other.text
        if answer.text.isupper() and answer.kind == "drug":
            return text.upper()
        if answer.text[:1].isupper() and answer.kind == "drug":
            return text[:1].upper() + text[1:]
        return text


def _spread(answer: Fact, alternatives: list[Fact], wanted: int, rng: random.Random) -> list[Fact]:
    """Distractors that are plausible (near the answer) but not hair-splitting (numbers >= 15% apart).

    ``alternatives`` come nearest first; a random few of the nearest are tried first so reruns on
    other seeds vary, then the rest in order.
    """
    head, tail = alternatives[: wanted * 3], alternatives[wanted * 3 :]
    head = rng.sample(head, len(head))
    chosen: list[Fact] = []
    values = [answer.value] if answer.value is not None else []
    for fact in head + tail:
        if len(chosen) == wanted:
            break
        if fact.value is not None and values:
            if any(abs(fact.value - v) < 0.15 * max(abs(fact.value), abs(v), 1e-9) for v in values):
                continue
            values.append(fact.value)
        chosen.append(fact)
    return chosen


class ItemGenerator:
    """Builds and checks items for chunks; distractors come from the whole approved corpus."""

    def __init__(self, corpus: Sequence[SourceChunk], config: LearningConfig | None = None) -> None:
        self.config = config or LearningConfig()
        self.lexicon = Lexicon.mine(c.text for c in corpus)
        self.pool = FactPool(self.lexicon)
        pages: dict[str, set[tuple[str, int]]] = defaultdict(set)
        for chunk in corpus:
            for sentence in sentences(chunk.text):
                self.pool.add_sentence(sentence)
                pages[norm(sentence)].add((chunk.version_id, chunk.page))
        # Disclaimers and running footers recur on many pages; they are never worth a question.
        self.boilerplate = {s for s, where in pages.items() if len(where) >= 3}

    def generate(
        self,
        chunks: Iterable[SourceChunk],
        *,
        seen: set[str] | None = None,
        asked: set[str] | None = None,
        seed: int | None = None,
    ) -> GenerationReport:
        """Items for ``chunks``.

        ``seen`` holds dedup keys of stored items and ``asked`` the normalised passages that already
        have an item: a rerun then counts those sentences as duplicates instead of asking about
        them again in another form.
        """
        asked = asked or set()
        rng = random.Random(self.config.seed if seed is None else seed)
        ctx = CheckContext(
            self.lexicon,
            min_words=self.config.min_stem_words,
            max_words=self.config.max_stem_words,
            mcq_options=self.config.mcq_options,
            boilerplate=self.boilerplate,
            seen=set(seen or ()),
        )
        report = GenerationReport()
        done_sentences: set[str] = set()
        turn = 0
        for chunk in chunks:
            kept_here = 0
            previous = ""
            for sentence in sentences(chunk.text):
                after_caption, previous = bool(_CAPTION.match(previous)), sentence
                if kept_here >= self.config.items_per_chunk:
                    break
                if norm(sentence) in done_sentences:
                    continue  # chunks overlap by a sentence; ask about it once
                done_sentences.add(norm(sentence))
                facts = self._gap_facts(sentence, chunk)
                if not facts:
                    continue
                types = _TYPE_CYCLE[turn % 3 :] + _TYPE_CYCLE[: turn % 3]
                turn += 1
                if norm(sentence) in asked:
                    report.record(types[0], "duplicate")
                    kept_here += 1  # the stored item counts towards this chunk's quota
                    continue
                if after_caption:
                    # "Table 2." is followed by the table itself, flattened into one long "sentence".
                    report.record(types[0], "table_fragment")
                    continue
                for item_type in types:
                    item, reason = self._build(item_type, sentence, facts, chunk, rng)
                    if item is not None:
                        reason = run_checks(item, ctx)
                    report.record(item_type, reason)
                    if reason is None and item is not None:
                        report.items.append(item)
                        kept_here += 1
                        break
        return report

    # --- builders ----------------------------------------------------------------------------------

    def _gap_facts(self, sentence: str, chunk: SourceChunk) -> list[Fact]:
        """Facts worth asking about, best first: stated once in the sentence, not the product's own name."""
        product = self.lexicon.canonical(chunk.product) if chunk.product else ""
        facts = [
            f
            for f in self.lexicon.facts(sentence)
            if len(re.findall(re.escape(f.text), sentence)) == 1
            and not (f.kind == "drug" and self.lexicon.canonical(f.text) == product)
        ]
        return sorted(facts, key=lambda f: (_KIND_PRIORITY.get(f.kind, 5), f.start))

    def _build(
        self, item_type: ItemType, sentence: str, facts: list[Fact], chunk: SourceChunk, rng: random.Random
    ) -> tuple[DraftItem | None, str | None]:
        if item_type == ItemType.true_false:
            return self._true_false(sentence, chunk, rng), None
        fact = self._pick(facts, rng)
        stem = sentence[: fact.start] + BLANK + sentence[fact.end :]
        base = dict(
            passage=sentence,
            fact_kind=fact.kind,
            fact_unit=fact.unit,
            source=chunk.source_fields(),
            explanation=f'The source states: "{sentence}"',
        )
        if item_type == ItemType.cloze:
            return DraftItem(ItemType.cloze, stem, [], fact.text, **base), None  # type: ignore[arg-type]
        alternatives = self.pool.alternatives(fact, sentence)
        wanted = self.config.mcq_options - 1
        if len(alternatives) < wanted:
            return None, "too_few_distractors"
        picked = _spread(fact, alternatives, wanted, rng)
        if len(picked) < wanted:
            return None, "too_few_distractors"
        distractors = [self.pool.surface(fact, f) for f in picked]
        options = [fact.text, *distractors]
        rng.shuffle(options)
        return DraftItem(ItemType.mcq, stem, options, fact.text, **base), None  # type: ignore[arg-type]

    def _pick(self, facts: list[Fact], rng: random.Random) -> Fact:
        best = _KIND_PRIORITY.get(facts[0].kind, 5)
        return rng.choice([f for f in facts if _KIND_PRIORITY.get(f.kind, 5) == best])

    def _true_false(self, sentence: str, chunk: SourceChunk, rng: random.Random) -> DraftItem:
        source = chunk.source_fields()
        if rng.random() < 0.5:
            # Swap any fact, including the product's own name: "ustekinumab" for "lumeracept" is a fair test.
            swappable = [f for f in self.lexicon.facts(sentence) if len(re.findall(re.escape(f.text), sentence)) == 1]
            rng.shuffle(swappable)
            for fact in swappable:
                alternatives = self.pool.alternatives(fact, sentence)
                if not alternatives:
                    continue
                pick = rng.choice(alternatives[:3] if fact.kind in NUMERIC_KINDS else alternatives)
                altered = self.pool.surface(fact, pick)
                stem = sentence[: fact.start] + altered + sentence[fact.end :]
                return DraftItem(
                    ItemType.true_false,
                    stem,
                    [TRUE, FALSE],
                    FALSE,
                    sentence,
                    explanation=f'False: the source says "{fact.text}", not "{altered}": "{sentence}"',
                    fact_kind=fact.kind,
                    fact_unit=fact.unit,
                    original=fact.text,
                    altered=altered,
                    source=source,
                )
        return DraftItem(
            ItemType.true_false,
            sentence,
            [TRUE, FALSE],
            TRUE,
            sentence,
            explanation=f'True: the source states it verbatim: "{sentence}"',
            source=source,
        )
