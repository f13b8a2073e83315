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

The sources are the chunk's quotable units (:func:`hub.answering.units`: sentences, bullets,
table rows with their header) and the chunk's *section kind* decides whether and in what order
it is asked about (the blueprint):

* kinds that are about the document or not for an MSL (contents, front matter, references,
  methods, nonclinical toxicology, chemistry description, storage) never give items;
* within a document, prescriber sections go first, then Highlights and counselling, then
  patient-facing parts, so a fact repeated across those parts is asked once, citing the
  prescriber section (later repeats count as ``duplicate_fact``);
* within a section kind, units holding the most meaningful facts (doses, rates, durations) go
  first and a section gives at most ``items_per_section`` items, so every section has its share;
* the item's topic is its section kind, so analytics compare like with like.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from hub.answering import units
from hub.learning.checks import CheckContext, run_checks
from hub.learning.facts import NUMERIC_KINDS, PARTICIPANT_NOUNS, Fact, Lexicon
from hub.learning.items import BLANK, FALSE, TRUE, DraftItem, ItemType, contains_phrase, norm
from hub.learning.listed import (
    KEY_MESSAGE,
    LISTED_KINDS,
    MOST_PER_KIND,
    Entry,
    ListedEntries,
    entry_of,
    key_message_of,
    listed_item,
)
from hub.settings import LearningSettings
from ingest.sections import NOT_QUOTABLE, PATIENT_FACING
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
    "count": 3,
    "measure": 3,
    "ratio": 4,
}
_CAPTION = re.compile(r"^(?:Table|Figure) \d+\.$")
# In sections that report results, the rate is the finding and the dose only says which arm it was.
_RESULT_SECTIONS = frozenset(
    {"clinical_studies", "clinical_pharmacology", "adverse_reactions", "results", "abstract", "conclusions"}
)


# The label sections an MSL is expected to know (indications, dosing, contraindications, warnings,
# adverse reactions, interactions, populations, efficacy) get the full share; pharmacokinetic detail
# and overdose management a few items, and a label's unclassified text fewer still.
_SECTION_SHARE = {"clinical_pharmacology": 0.5, "overdosage": 0.25}
_LABEL_BODY_SHARE = 0.375
# Within a section, the figures clinicians ask about come first (half-life, bioavailability, peak, ...).
_KEY_PK = re.compile(
    r"\bhalf-li(?:fe|ves)\b|\bbioavailab\w+|\bpeak\b|\bprotein binding\b|\bsteady[- ]state\b|\bdialy\w+",
    re.IGNORECASE,
)


def section_quota(chunk: SourceChunk, items_per_section: int, anatomy: bool = True) -> int:
    """Most items one section kind of one document gives (see :data:`_SECTION_SHARE`).

    ``anatomy``: the document is sorted into several label sections, so its ``body`` chunks are what
    ingest could not place (a label with one or two known headings keeps the full share).
    """
    share = _SECTION_SHARE.get(chunk.section_kind, 1.0)
    if chunk.doc_type == "label" and chunk.section_kind == "body" and anatomy:
        share = _LABEL_BODY_SHARE
    return max(1, round(items_per_section * share))


def gap_priority(fact: Fact, section_kind: str = "body") -> int:
    """How good a gap the fact makes in its section (lower is better)."""
    if section_kind in _RESULT_SECTIONS and fact.kind == "dose":
        return 1
    return _KIND_PRIORITY.get(fact.kind, 5)


# Section kinds that never give items: about the document, not its content, or not MSL knowledge
# (bench chemistry, animal toxicology, a study's methods alone, storage and handling details).
NEVER_ASKED = (
    NOT_QUOTABLE | PATIENT_FACING | frozenset({"nonclinical_toxicology", "methods", "description", "how_supplied"})
)
# Patient leaflets and instructions for use are never asked either: an MSL talks to prescribers,
# and the leaflet restates prescriber facts in lay words (or pen mechanics).
# Order in which a document's parts are asked: the prescriber sections first, so a fact that
# Highlights or counselling repeat is asked once, citing the full prescribing text.
_PART_ORDER = {"highlights": 1, "patient_counseling": 1}
SECTION_TOPICS = {
    "boxed_warning": "Boxed warning",
    "highlights": "Highlights",
    "indications": "Indications",
    "dosage": "Dosage and administration",
    "dosage_forms": "Dosage forms and strengths",
    "contraindications": "Contraindications",
    "warnings": "Warnings and precautions",
    "adverse_reactions": "Adverse reactions",
    "drug_interactions": "Drug interactions",
    "specific_populations": "Specific populations",
    "overdosage": "Overdosage",
    "clinical_pharmacology": "Clinical pharmacology",
    "clinical_studies": "Clinical studies",
    "patient_counseling": "Patient counselling",
    "patient_info": "Patient information",
    "abstract": "Abstract",
    "introduction": "Background",
    "results": "Results",
    "discussion": "Discussion",
    "conclusions": "Conclusions",
    "slide": "Key messages",
    "slide_table": "Key messages",
    "notes": "Key messages",
}
# A number that states a confidence level or a unit conversion is never the gap ("95% CI", "(77°F)").
_CONFIDENCE_AFTER = re.compile(r"^\s*(?:CI\b|confidence|credible|C\.I\.|prediction interval)", re.IGNORECASE)
# A number on one side of a threshold: several options could be true, so no MCQ and no swap.
_THRESHOLD_BEFORE = re.compile(
    r"(?:[≥≤<>]=?|\bat least|\bat most|\b(?:more|greater|less|fewer) than(?: or equal to)?|\bup to|"
    r"\bno more than|\bexceed(?:s|ing)?|\babove|\bbelow|\bover|\bunder|\bminimum of|\bmaximum of|"
    r"\bolder than|\byounger than|\blonger than|\bshorter than|\bwithin|\bas (?:low|little|early|high|long) as|"
    r"\blowest|\bhighest|\bearlier than|\blater than|\bsooner than)\s*$",
    re.IGNORECASE,
)
_THRESHOLD_AFTER = re.compile(
    r"^\s*(?:of age\s+)?(?:(?:or|and) (?:more|less|greater|higher|lower|older|younger|above|below|over|under))"
)
# Source lines that are never worth a question whatever their section: labels' running footers,
# citations, links and licence lines.
_NEVER_TEXT = re.compile(
    r"Reference ID:|\bdoi\b|https?://|www\.|@|\bet al\.|Creative Commons|\bCopyright\b|©|Revised: ",
    re.IGNORECASE,
)
# Trial demographics, trial sizes, animal data and tablet markings: true, but not what an MSL is asked about.
_NOT_MSL = re.compile(
    r"\bmean age\b|\bmedian age\b|\b(?:were|was) (?:male|female|white|black|asian|hispanic)\b|\bat baseline\b|"
    r"\bbaseline characteristics\b|\b(?:rats?|mice|rabbits?|monkeys?|dogs?|animals?|embryo-?fetal|fetal)\b|/kg/day\b|"
    r"\bmaternal\b|% (?:male|female|men|women|caucasian|white|black|asian)\b|\bpopulation was\b|"
    r"\bthere was a history of\b|\bconcomitant diseases\b|\bof the total (?:subjects|patients)\b|\benrolled\b|"
    r"\bdebossed\b|\bimprinted\b|\bnot currently marketed\b|%[^.;]{0,60}\byears of age\b|"
    r"\binactive ingredients\b|\bfilm coating\b|\bsolubility\b|\bpercentiles?\b|"
    # Methods-only statements: how a study was run or reported, not what it found.
    r"\bduration of (?:\w+ )?exposure\b|\bwas designed to\b|\bprimary outcomes? of the\b|"
    r"\bevaluations were performed\b|"
    r"\bobserved data\b|\b(?:are|is) (?:listed|shown) in (?:the )?(?:Table|chart|Figure)\b|"
    # Trial design and definitions: how events were defined or counted, who was randomised to what.
    r"\b(?:was|were|is|are) defined as\b|\b(?:was|were) counted\b|\bNCT\d+|\b(?:were|was) randomi[sz]ed\b|"
    r"\bat randomi[sz]ation\b|\bN\s?=\s?\d|\bbackground (?:therapy|medication)\b|\brandomi[sz]ed to\b|"
    r"\bbaseline (?:mean|median)\b|\b(?:mean|median) baseline\b|^Baseline\b|\bwere followed for\b|"
    r"\b(?:was|were) measured\b|\bat (?:the )?start of the (?:trial|study)\b|\bto be randomi[sz]ed\b|"
    r"\benter(?:ed)? the (?:study|trial)\b|\b(?:inclusion|exclusion|eligibility) criteria\b|\beligible\b|"
    r"\b(?:safety|efficacy) of \S+ (?:has been|was) evaluated\b|\b(?:study|studies|trials?) compared\b|"
    r"\b(?:was|is) an? (?:[\w-]+,? ){0,4}(?:randomi[sz]ed|multicent(?:er|re)|placebo-controlled)\b|"
    r"\bcompleted the (?:trial|study)\b|\bvital status\b|\bprimary (?:efficacy )?endpoint (?:was|is)\b|"
    r"\b(?:mean|median) (?:duration of (?:[\w-]+ ){1,4}|(?:BMI|body weight|weight|eGFR) )(?:was|of)\b|"
    r"\bincluded in (?:this|the) (?:total|analysis|population)\b|\b(?:study|studies|trial) followed\b|"
    r"\b(?:following|after) the end of the (?:study|trial)\b|\b(?:had been|were) titrated\b|"
    r"\b(?:dialysate|blood) flow rate\b|\b(?:was|were) studied\b|"
    # A guidance's own boilerplate about commenting on it.
    r"\bcomments and suggestions\b|\bsubmit (?:electronic|written) comments\b|\bFederal Register\b|"
    r"\bpatients received\b|\b(?:hydrochloride|monohydrate|sodium salt|free base)\b|"
    # PK reference profiles and animal exposure multiples.
    r"\breference (?:subject|profile)\b|\btimes the (?:maximum )?(?:recommended )?(?:human|clinical)\b|"
    r"\bbased on (?:body surface area|BSA)\b|"
    # The document itself says the finding does not matter clinically.
    r"\b(?:rarely|not|no|seldom) (?:of )?clinical(?:ly)? "
    r"(?:importance|important|significant|significance|relevant|meaningful)\b",
    re.IGNORECASE,
)
# The second end of a range ("15% to 20%"): a gap there is a guess about where a range stops.
_RANGE_END = re.compile(
    r"(?:\d[^\s\d]*(?:\s+[A-Za-z%/]+)?|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve))\s*(?:to|-|\u2013)\s*$",
    re.IGNORECASE,
)
_RANGE_START = re.compile(r"^\s*(?:to|-|\u2013)\s*\d")
# A false statement must be wrong by a margin a clinician would care about, not 80 vs 82 mg.
_MIN_FALSE_CHANGE = 0.25
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


def topic_of(section: str, doc_type: str, section_kind: str = "body") -> str:
    """The item's topic: its section kind, else a coarse topic from the section path's words."""
    if section_kind in SECTION_TOPICS:
        return SECTION_TOPICS[section_kind]
    key = section.lower()
    for topic, words in _TOPIC_RULES:
        if any(w in key for w in words):
            return topic
    return "Overview" if section else {"label": "Prescribing information"}.get(doc_type, "Overview")


@dataclass(frozen=True)
class _MediaType:
    media_type: str


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
    kind: str = "text"
    """``text`` or ``table`` (a table chunk: header line, then one line per row)."""
    section_kind: str = "body"
    """What part of the document this is (:data:`ingest.sections.SECTION_KINDS`)."""

    @property
    def version(self) -> _MediaType:
        """What :func:`hub.answering.units` reads of the version: the media type."""
        return _MediaType("pptx" if self.page_unit == "slide" else "pdf")

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
            "topic": topic_of(self.section, self.doc_type, self.section_kind),
            "section_kind": self.section_kind,
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
    by_document: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    """Per document id: ``kept`` and each rejection reason (duplicates removed, per document)."""

    def record(self, item_type: ItemType, reason: str | None, document: str = "") -> None:
        self.by_document[document][reason or "kept"] += 1
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
            "by_document": {d: dict(c.most_common()) for d, c in sorted(self.by_document.items())},
        }


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9]+(?:\.[0-9]+)?", text.casefold()))


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Share of the smaller passage's words that the other passage also has."""
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def _decimals(number: str) -> int:
    return len(number.split(".", 1)[1]) if "." in number else 0


def is_threshold(sentence: str, fact: Fact) -> bool:
    """Is the fact one side of a threshold ("at least 18 years", "eGFR < 30 mL/min", "65 or older")?"""
    return bool(_THRESHOLD_BEFORE.search(sentence[: fact.start])) or bool(_THRESHOLD_AFTER.match(sentence[fact.end :]))


def is_incidental(sentence: str, fact: Fact) -> bool:
    """Never the gap: a confidence level ("95% CI"), a conversion in brackets ("25°C (77°F)"), either end
    of a range ("2% to 4%"), a temperature or a ratio."""
    if fact.kind == "percent" and _CONFIDENCE_AFTER.match(sentence[fact.end :]):
        return True
    before, after = sentence[: fact.start], sentence[fact.end :]
    if fact.kind in ("temperature", "ratio"):
        return True  # storage temperatures; ratios like "30:1" have no plausible same-kind neighbours
    if re.search(r"\d\s*[^\s\d]*\s*\($", before):
        return True
    if fact.kind == "percent" and _SOLUTION_AFTER.match(after):
        return True
    if fact.kind == "count" and fact.unit in _TRIAL_NOUNS:
        return True  # how many took part says nothing an MSL is asked about
    if fact.kind == "duration" and "-" in fact.text:
        return True  # "24-hour glucagon", "12-week trial": a descriptor of something else
    if _LISTING_CUTOFF.search(before):
        return True  # "Common adverse reactions (>=1%) were ...": the cut-off of a list, not a finding
    if _RESTATED_AFTER.match(after):
        return True  # "at least 2 days (>48 hours)", "13.7% (46/335)": the bracket gives the gap away
    if fact.kind == "measure" and re.search(r"\bweigh\w*\s*$", before):
        return True  # "in a child weighing 30 kg": the weight says whom the figure is for
    return bool(_RANGE_END.search(before) or _RANGE_START.match(after))


# "5% dextrose", "0.9% sodium chloride": the percent names a solution, it is not a finding.
_SOLUTION_AFTER = re.compile(
    r"^\s*(?:w/v|w/w|dextrose|glucose|saline|sodium|potassium|ethanol|alcohol|lidocaine|solution)\b", re.IGNORECASE
)
# "(>=1%)", "(events 2% greater on X than on placebo)": the bracketed cut-off that decides what a list holds.
_LISTING_CUTOFF = re.compile(r"\(\s*(?:events\s+|incidence\s+)?(?:[\u2265>]=?\s*)?$", re.IGNORECASE)
# A bracket right after the fact that restates it in other units or as counts.
# ("2 days (>48 hours)", "7.5% (25/335)"); "80 mg (2 mL)" is left alone: the volume does not give the dose.
_RESTATED_AFTER = re.compile(
    r"^\s*\(\s*(?:[<>\u2264\u2265]=?\s*\d|\d+\s*/\s*\d+\s*\)|[\d.]+\s*(?:minutes?|hours?|days?|weeks?|months?|years?)\s*\)"
    # "-2.5 kg (-3.2, -1.8)": its confidence interval; a changed value outside it gives itself away.
    r"|-?[\d.]+%?\s*,\s*-?[\d.]+%?\s*\))"
)
# "(0.5 mg 0.4%, 1 mg 0.8%)": a dose right before a rate names the arm the rate belongs to.
_RATE_AFTER = re.compile(r"^\s*[:,=]?\s*\(?\s*\d+(?:\.\d+)?\s?%")
# Words that introduce the comparator's figure: "(3.0%) compared to placebo (1.8%)", "7.5% vs 5.7%".
_COMPARATOR = re.compile(
    r"\b(?:placebo|control (?:group|arm|patients|subjects)|controls|comparator|compared (?:to|with)|versus|vs\.?|"
    r"relative to)(?!\w)",
    re.IGNORECASE,
)
# "... and 11% in the comparison group": the comparator named right after its figure.
_COMPARATOR_AFTER = re.compile(
    r"^[^.;\d]{0,40}?\b(?:placebo|comparison|comparator|control)(?: group| arm| patients)?\b", re.IGNORECASE
)
# Counts of trial participants are trial sizes, not findings ("a study of 959 patients").
_TRIAL_NOUNS = frozenset(PARTICIPANT_NOUNS)
# A list of this many same-kind numbers is an enumeration: one entry of it is trivia, not a finding.
_ENUMERATION = 7


def is_comparator(sentence: str, fact: Fact, facts: Sequence[Fact]) -> bool:
    """Is the fact the comparator's figure: a later number of the same kind after "placebo", "versus", ...,
    or followed by "in the comparison group"?

    In "OZEMPIC (3.0%) compared to placebo (1.8%)" the finding is 3.0%; asking for 1.8% (or
    changing it in a false statement) tests the control arm, which an MSL is not asked about.
    """
    earlier = [f for f in facts if f.signature == fact.signature and f.end <= fact.start]
    if not earlier:
        return False
    return any(_COMPARATOR.search(sentence[f.end : fact.start]) for f in earlier) or bool(
        _COMPARATOR_AFTER.match(sentence[fact.end :])
    )


def is_arm_label(sentence: str, fact: Fact, section_kind: str = "body") -> bool:
    """A dose that only says which arm or condition a result belongs to.

    Where a section reports results (and wherever a rate follows the dose straight away) the rate
    is the finding; asking for the dose, or changing it, asks which arm it was, and a neighbouring
    dose would often have shown an effect too ("an effect was seen with 5 mg": 6 mg as well).
    """
    if fact.kind != "dose":
        return False
    return section_kind in _RESULT_SECTIONS or bool(_RATE_AFTER.match(sentence[fact.end :]))


# A trial's length: "in a 2-year trial", "treated for 40 weeks", "from baseline to week 30".
_TRIAL_SECTIONS = frozenset({"clinical_studies", "results", "abstract"})
_TRIAL_WORDS = re.compile(r"\b(?:trials?|stud(?:y|ies)|randomi[sz]ed|from baseline)\b", re.IGNORECASE)


def is_trial_length(sentence: str, fact: Fact, section_kind: str = "body") -> bool:
    """A duration or time point in weeks, months or years in a sentence about a trial (or in a section
    that reports trials): how long it ran.

    The finding is the effect, not the week it was measured at; changing "2-year trial" to
    "4-year trial" in a false statement tests the study design.
    """
    if fact.kind not in ("duration", "timepoint") or fact.unit not in ("week", "month", "year"):
        return False
    return section_kind in _TRIAL_SECTIONS or bool(_TRIAL_WORDS.search(sentence))


def askable(sentence: str, fact: Fact, facts: Sequence[Fact], section_kind: str = "body") -> bool:
    """May the fact be the gap, or the fact a false statement changes?"""
    return not (
        is_incidental(sentence, fact)
        or is_arm_label(sentence, fact, section_kind)
        or is_comparator(sentence, fact, facts)
        or is_trial_length(sentence, fact, section_kind)
    )


# "Patients treated with warfarin had ...": the sentence is about another arm of the trial.
_ARM_SUBJECT = re.compile(
    r"^(?:In \w+, )?(?:Patients|Subjects) (?:treated with|assigned to|randomi[sz]ed to|receiving|given) (?P<arm>[\w-]+)"
)


def about_other_arm(sentence: str, product: str) -> bool:
    """Is the sentence's subject the patients of an arm whose treatment is not the product?"""
    m = _ARM_SUBJECT.match(sentence)
    if m is None or not product:
        return False
    names = {w.casefold() for w in re.findall(r"[\w-]+", product)}
    return m.group("arm").casefold() not in names


def is_enumeration(facts: Sequence[Fact]) -> bool:
    """Many numbers of one kind and unit in a passage: a list of rates, not one finding."""
    counts = Counter(f.signature for f in facts if f.number)
    return bool(counts) and max(counts.values()) >= _ENUMERATION


def keeps_order(fact: Fact, other: Fact, facts: Sequence[Fact]) -> bool:
    """Swapping ``fact`` for ``other`` keeps its order against the passage's other numbers of the same unit.

    "after 4 weeks on the 0.5 mg dosage, increase to 1 mg" must not become "on 1.5 mg ... increase
    to 1 mg": an increase to a lower dose gives the false statement away.
    """
    if fact.value is None or other.value is None:
        return True
    for f in facts:
        if f is fact or f.signature != fact.signature or f.value is None or f.value == fact.value:
            continue
        if (fact.value < f.value) != (other.value < f.value) or other.value == f.value:
            return False
    return True


class FactPool:
    """Every distinct fact of the approved corpus, by kind and unit: where distractors come from."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._by_signature: dict[tuple[str, str], dict[str, Fact]] = defaultdict(dict)
        self._products: dict[tuple[tuple[str, str], str], set[str]] = defaultdict(set)

    def add_sentence(self, sentence: str, product: str = "") -> None:
        for fact in self.lexicon.facts(sentence):
            key = self._key(fact)
            self._by_signature[fact.signature].setdefault(key, fact)
            self._products[(fact.signature, key)].add(product)

    def _key(self, fact: Fact) -> str:
        if fact.number:
            return str(fact.value) if fact.value is not None else fact.number
        return self.lexicon.canonical(fact.text)

    def alternatives(self, fact: Fact, sentence: str, product: str | None = None) -> list[Fact]:
        """Same kind and unit, not saying the same thing, not in the sentence; numbers nearest first.

        With ``product``, names (drugs, endpoints, targets) come only from that product's documents:
        an oncology drug offered as a ciprofloxacin interaction, or FEV1 for HbA1c, gives itself away.
        """
        out = [
            f
            for f in self._by_signature.get(fact.signature, {}).values()
            if (product is None or f.number or product in self._products[(f.signature, self._key(f))])
            and not self.lexicon.same_thing(f, fact)
            and not contains_phrase(sentence, self.surface(fact, f))
            and not any(
                self.lexicon.canonical(f.text) == self.lexicon.canonical(g.text)
                for g in self.lexicon.entity_facts(sentence)
                if not f.number
            )
        ]
        if fact.value is not None:
            # No more decimals than the answer: "1.42 mg" against "2.5 mg" gives itself away.
            out = [f for f in out if _decimals(f.number) <= _decimals(fact.number)]
            target = max(fact.value, 1e-6)
            out.sort(key=lambda f: (abs(math.log(max(f.value or 1e-6, 1e-6) / target)), f.number))
        else:
            out.sort(key=lambda f: self.lexicon.canonical(f.text))
        return out

    def surface(self, answer: Fact, other: Fact) -> str:
        """How ``other`` reads in the answer's place: same wording for numbers, same casing for names."""
        if answer.number:
            number = other.number if "," in answer.number else other.number.replace(",", "")
            return answer.with_number(number)
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

    def __init__(self, corpus: Sequence[SourceChunk], config: LearningSettings | None = None) -> None:
        self.config = config or LearningSettings()
        self.lexicon = Lexicon.mine(c.text for c in corpus)
        self.pool = FactPool(self.lexicon)
        pages: dict[str, set[tuple[str, int]]] = defaultdict(set)
        for chunk in corpus:
            for sentence in sentences(chunk.text):
                self.pool.add_sentence(sentence, chunk.product)
                pages[norm(sentence)].add((chunk.version_id, chunk.page))
        # Disclaimers and running footers recur on many pages; they are never worth a question.
        self.boilerplate = {s for s, where in pages.items() if len(where) >= 3}
        self.listed = ListedEntries(c.product for c in corpus)
        self.doc_words: dict[str, set[str]] = defaultdict(set)
        for chunk in corpus:
            for sentence in sentences(chunk.text):
                self.listed.add_sentence(chunk.document_id, sentence)
                self.doc_words[chunk.document_id].update(_words(sentence))
            for entry, _unit, _shape in self._entries(chunk):
                self.listed.add(entry)

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
        chunks = list(chunks)
        kinds_by_doc: dict[str, Counter[str]] = defaultdict(Counter)
        for chunk in chunks:
            kinds_by_doc[chunk.document_id][chunk.section_kind] += 1
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
        done_units: set[str] = set()
        facts_asked: dict[str, list[tuple[frozenset[str], frozenset[str]]]] = defaultdict(list)
        per_chunk: Counter[str] = Counter()
        per_section: Counter[tuple[str, str]] = Counter()
        turn = 0
        for chunk, unit, shape, facts in self.plan(chunks):
            section = (chunk.document_id, chunk.section_kind)
            if per_chunk[chunk.chunk_id] >= self.config.items_per_chunk:
                continue
            # Sorted into label sections (several kinds besides "body"): its "body" chunks are what
            # ingest could not place; a short label with one or two headings ingest knows is not.
            anatomy = len(set(kinds_by_doc[chunk.document_id]) - {"body"}) >= 3
            if per_section[section] >= section_quota(chunk, self.config.items_per_section, anatomy):
                continue
            if norm(unit) in done_units:
                continue  # chunks overlap by a sentence; ask about it once
            done_units.add(norm(unit))
            types = _TYPE_CYCLE[turn % 3 :] + _TYPE_CYCLE[: turn % 3]
            turn += 1
            if norm(unit) in asked:
                report.record(types[0], "duplicate", chunk.document_id)
                per_chunk[chunk.chunk_id] += 1  # the stored item counts towards this chunk's quota
                per_section[section] += 1
                # Its facts are asked already: a repeat of them elsewhere stays a duplicate on reruns.
                facts_asked[chunk.document_id].append((self._fact_keys(unit), _words(unit)))
                continue
            if self._repeats_fact(facts_asked[chunk.document_id], unit):
                # Highlights, full text and the patient leaflet state many facts two or three times.
                report.record(types[0], "duplicate_fact", chunk.document_id)
                continue
            for item_type in types:
                item, reason = self._build(item_type, unit, facts, chunk, rng, shape)
                if item is not None:
                    reason = run_checks(item, ctx)
                report.record(item_type, reason, chunk.document_id)
                if reason is None and item is not None:
                    report.items.append(item)
                    per_chunk[chunk.chunk_id] += 1
                    per_section[section] += 1
                    facts_asked[chunk.document_id].append((self._fact_keys(unit), _words(unit)))
                    break
        self._listed_items(chunks, report, ctx, rng, asked, {norm(i.passage) for i in report.items})
        return report

    def _entries(self, chunk: SourceChunk) -> list[tuple[Entry, str, str]]:
        """Contraindications and indications a chunk lists (or a deck's key messages), with the unit and its shape."""
        if chunk.page_unit == "slide" and chunk.section_kind in ("slide", "notes"):
            # A deck's lines rarely hold a number; its key messages are asked against other decks' lines.
            title = re.split(r"[:(]", chunk.title)[0].strip()
            return [
                (Entry(chunk.document_id, title, KEY_MESSAGE, message), text, "item")
                for text, shape in self._units(chunk)
                if shape != "row" and (message := key_message_of(text, chunk.title)) is not None
            ]
        if chunk.section_kind not in LISTED_KINDS or not chunk.product or chunk.product.lower() == "none":
            return []
        lead_ins = self._lead_ins(chunk)
        out = []
        for text, shape in self._units(chunk):
            lead_in = next((li for item, li in lead_ins.items() if text == f"{li} {item}"), None)
            entry = entry_of(text, shape, chunk.section_kind, lead_in)
            if entry is not None:
                out.append((Entry(chunk.document_id, chunk.product, chunk.section_kind, entry), text, shape))
        return out

    def _listed_items(
        self,
        chunks: Iterable[SourceChunk],
        report: GenerationReport,
        ctx: CheckContext,
        rng: random.Random,
        asked: set[str],
        kept: set[str],
    ) -> None:
        """One item per listed contraindication or indication whose passage has no item yet."""
        per_kind: Counter[tuple[str, str]] = Counter()
        for chunk in chunks:
            for entry, unit, shape in self._entries(chunk):
                key = norm(unit)
                if per_kind[(entry.document_id, entry.kind)] >= MOST_PER_KIND:
                    break
                if key in kept:
                    continue
                kept.add(key)
                if key in asked:
                    report.record(ItemType.mcq, "duplicate", chunk.document_id)
                    continue
                # "hypersensitivity to VANTORIN": as the one option naming the product it would give itself
                # away, so it is only ever asked as a true statement.
                distractors = [] if self.listed.names_a_product(entry.text) else self.listed.borrowed(entry)
                # The best-worded few in a seeded random order, then the rest.
                head = min(len(distractors), self.config.mcq_options + 1)
                order = rng.sample(range(head), head) + list(range(head, len(distractors)))
                source = {**chunk.source_fields(), "shape": shape}
                item = listed_item(
                    entry, unit, distractors, source, order or [rng.randrange(4)], self.config.mcq_options
                )
                if item is None:
                    report.record(ItemType.mcq, "too_few_distractors", chunk.document_id)
                    continue
                reason = run_checks(item, ctx)
                report.record(item.type, reason, chunk.document_id)
                if reason is None:
                    report.items.append(item)
                    per_kind[(entry.document_id, entry.kind)] += 1

    @staticmethod
    def _lead_ins(chunk: SourceChunk) -> dict[str, str]:
        lead_ins: dict[str, str] = {}
        for _text, shape, parts in units(chunk):  # type: ignore[arg-type]
            if shape == "list" and parts and parts[0].rstrip().endswith(":"):
                for item in parts[1:]:
                    lead_ins.setdefault(item, parts[0])
        return lead_ins

    def plan(self, chunks: Iterable[SourceChunk]) -> list[tuple[SourceChunk, str, str, list[Fact]]]:
        """Candidate units in the order they are asked about: the blueprint (see the module docstring).

        Each entry is ``(chunk, unit text, unit shape, gap facts best first)``; units without a
        fact worth asking about, from sections that are never asked, or that are citations,
        links and footers are left out.
        """
        by_doc: dict[str, list[SourceChunk]] = defaultdict(list)
        for chunk in chunks:
            if chunk.section_kind not in NEVER_ASKED:
                by_doc[chunk.document_id].append(chunk)
        out: list[tuple[SourceChunk, str, str, list[Fact]]] = []
        for doc_chunks in by_doc.values():
            first_seen: dict[str, int] = {}
            for n, chunk in enumerate(doc_chunks):
                first_seen.setdefault(chunk.section_kind, n)
            # (rank: key PK term first, gap priority, position), chunk, unit text, unit shape, facts
            sections: dict[str, list[tuple[tuple[int, int, int], SourceChunk, str, str, list[Fact]]]]
            sections = defaultdict(list)
            for n, chunk in enumerate(doc_chunks):
                for position, (text, shape) in enumerate(self._units(chunk)):
                    facts = self._gap_facts(text, chunk)
                    if facts:
                        key_term = 0 if _KEY_PK.search(text) else 1
                        rank = (key_term, gap_priority(facts[0], chunk.section_kind), n * 1000 + position)
                        sections[chunk.section_kind].append((rank, chunk, text, shape, facts))
            order = sorted(sections, key=lambda k: (_PART_ORDER.get(k, 0), first_seen[k]))
            for kind in order:
                out += [(c, t, sh, f) for _, c, t, sh, f in sorted(sections[kind], key=lambda e: e[0])]
        return out

    @staticmethod
    def _units(chunk: SourceChunk) -> list[tuple[str, str]]:
        """Sentences, bullets (after their lead-in) and slide table rows of a chunk.

        Sentence pairs and whole lists are left out: they would re-ask their parts. A bullet under
        a lead-in ("Contraindicated in patients with:") is asked with it, since the bullet alone
        ("active pathological bleeding") does not say what it is. Rows of tables in PDFs are left
        out: their extracted text has one cell per line, so a row is not reliably a row.
        """
        all_units = units(chunk)  # type: ignore[arg-type]
        lead_ins = ItemGenerator._lead_ins(chunk)
        out = []
        for text, shape, parts in all_units:
            if shape == "row":
                text = parts[0]  # "header row" as the chunk text has it, so the citation is verbatim
            if shape not in ("sentence", "item", "row") or _NEVER_TEXT.search(text) or _NOT_MSL.search(text):
                continue
            if shape == "row" and chunk.page_unit != "slide":
                continue
            if shape == "sentence":
                out += [(part, shape) for part in _UNIT_STOP.split(text) if part]
            elif shape == "item" and text in lead_ins:
                out.append((f"{lead_ins[text]} {text}", shape))
            else:
                out.append((text, shape))
        return out

    def _repeats_fact(self, asked: list[tuple[frozenset[str], frozenset[str]]], unit: str) -> bool:
        """A fact of this passage in a passage sharing at least half its words with one already asked about."""
        keys, words = self._fact_keys(unit), _words(unit)
        return any(keys & k and _overlap(words, w) >= 0.5 for k, w in asked)

    def _fact_keys(self, unit: str) -> frozenset[str]:
        return frozenset(norm(f.text) for f in self.lexicon.facts(unit))

    # --- builders ----------------------------------------------------------------------------------

    def _gap_facts(self, sentence: str, chunk: SourceChunk) -> list[Fact]:
        """Facts worth asking about, best first: stated once in the sentence, not the product's own name."""
        product = self.lexicon.canonical(chunk.product) if chunk.product else ""
        every = self.lexicon.facts(sentence)
        if is_enumeration(every) or about_other_arm(sentence, chunk.product):
            return []
        facts = [
            f
            for f in every
            if len(re.findall(re.escape(f.text), sentence)) == 1
            and not (f.kind == "drug" and self.lexicon.canonical(f.text) == product)
            and askable(sentence, f, every, chunk.section_kind)
            # "reduction in HbA1c": the endpoint's bare name is no test of what the document found.
            and not (f.kind == "endpoint" and not re.search(r"[ -]\d", f.text))
        ]
        return sorted(facts, key=lambda f: (gap_priority(f, chunk.section_kind), f.start))

    def _build(
        self,
        item_type: ItemType,
        sentence: str,
        facts: list[Fact],
        chunk: SourceChunk,
        rng: random.Random,
        shape: str = "sentence",
    ) -> tuple[DraftItem | None, str | None]:
        source = {**chunk.source_fields(), "shape": shape}
        if item_type == ItemType.true_false:
            return self._true_false(sentence, facts, source, rng), None
        fact = self._pick(facts, rng, chunk.section_kind)
        if item_type == ItemType.mcq and is_threshold(sentence, fact):
            # "at least 18 years": 21 and 40 would be true too; a typed answer is the fair form.
            return None, "threshold_mcq"
        stem = sentence[: fact.start] + BLANK + sentence[fact.end :]
        base = dict(
            passage=sentence,
            fact_kind=fact.kind,
            fact_unit=fact.unit,
            source=source,
            explanation=f'The source states: "{sentence}"',
        )
        if item_type == ItemType.cloze:
            return DraftItem(ItemType.cloze, stem, [], fact.text, **base), None  # type: ignore[arg-type]
        alternatives = self._unmentioned(self.pool.alternatives(fact, sentence, chunk.product), chunk.document_id)
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

    def _unmentioned(self, alternatives: list[Fact], document_id: str) -> list[Fact]:
        """Drop names the document itself mentions: a drug it names elsewhere may well be a right answer too.

        "Monitor renal function when ciprofloxacin is coadministered with methotrexate" is not what
        the label says, but the label lists methotrexate as an interaction, so the statement is not
        plainly false; an "ADC, e.g. _____" question must not offer another ADC the review discusses.
        Only drug names: numbers are kept out of the options by the checks, and an endpoint the document
        also reports ("PASI 75" against a primary "PASI 90") is a fair wrong answer.
        """
        words = self.doc_words.get(document_id, set())
        return [a for a in alternatives if a.kind != "drug" or not _words(a.text) <= words]

    def _pick(self, facts: list[Fact], rng: random.Random, section_kind: str = "body") -> Fact:
        best = gap_priority(facts[0], section_kind)
        return rng.choice([f for f in facts if gap_priority(f, section_kind) == best])

    def _true_false(self, sentence: str, facts: list[Fact], source: dict[str, object], rng: random.Random) -> DraftItem:
        if rng.random() < 0.5:
            # Swap any fact, including the product's own name: "ustekinumab" for "lumeracept" is a fair test.
            every = self.lexicon.facts(sentence)
            section_kind = str(source.get("section_kind", "body"))
            swappable = [
                f
                for f in every
                if len(re.findall(re.escape(f.text), sentence)) == 1
                and not is_threshold(sentence, f)
                and askable(sentence, f, every, section_kind)
                and f.kind != "ratio"  # "30:1" has no neighbours that make a meaningful false ratio
            ]
            rng.shuffle(swappable)
            for fact in swappable:
                product = str(source.get("product", ""))
                document = str(source.get("document_id", ""))
                alternatives = [
                    a
                    for a in self._unmentioned(self.pool.alternatives(fact, sentence, product), document)
                    if _far_enough(fact, a) and keeps_order(fact, a, every)
                ]
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
            fact_kind=facts[0].kind,
            fact_unit=facts[0].unit,
            source=source,
        )


def _far_enough(fact: Fact, other: Fact) -> bool:
    """A numeric swap changes the value by at least :data:`_MIN_FALSE_CHANGE` (entities always differ)."""
    if fact.value is None or other.value is None:
        return True
    return abs(fact.value - other.value) >= _MIN_FALSE_CHANGE * max(abs(fact.value), abs(other.value), 1e-9)
