"""Automatic checks a generated (or edited) item must pass before it is kept.

Each check returns ``None`` when the item passes or a short reason code when it fails; the
generator counts rejections by that code. The checks are deliberately strict: a content owner
should spend review time on wording and relevance, not on items that are broken.

=========================  ==============================================================
reason                     meaning
=========================  ==============================================================
``not_a_sentence``         the passage is not one complete sentence of 6-60 words
``table_fragment``         the passage reads like a table row or numbers list
``heading_glued``          a heading was glued to the sentence by text extraction
``footnote``               a table footnote, its marker first ("3 Sustained was defined ...")
``boilerplate``            the passage repeats across pages (disclaimers, footers)
``needs_context``          the passage opens by pointing back ("These ...", "Therefore ...")
``answer_not_in_passage``  the correct answer is not verbatim in the quoted passage
``false_not_altered``      a false statement: the altered fact is in the passage, or the
                           original fact is not
``answer_not_an_option``   the correct answer is missing from the options (MCQ, T/F)
``wrong_option_count``     an MCQ does not have exactly ``mcq_options`` options
``options_not_distinct``   two options are equal after case/spacing normalisation
``option_in_stem``         an option (correct or not) appears verbatim in the stem
``distractor_mismatch``    a distractor is not one fact of the answer's kind and unit, or
                           says the same as the answer (aliases, equal numbers)
``duplicate``              an item with the same type, stem and answer already exists
=========================  ==============================================================
"""

from __future__ import annotations

import re
from collections.abc import Callable

from hub.learning.facts import Lexicon, parse_option
from hub.learning.items import BLANK, FALSE, TRUE, DraftItem, ItemType, contains_phrase, norm, option_key

Check = Callable[[DraftItem, "CheckContext"], str | None]

# A capitalised function word mid-sentence, straight after a word: "Subgroups The benefit ...".
_GLUED_HEADING = re.compile(
    r"^(?:\S+ ){0,5}?[A-Za-z][\w-]* (?:The|We|Of|Among|At|In|A|An|This|These|All|For|If|When|Do|Use|Initiate|"
    r"Administer|Monitor|Consider|Avoid|Discontinue|Reduce|Take|Inject|Other)\s"
)
# "after 4 weeks on the: 0.5 mg dosage": a colon straight after a function word is a heading's remains.
_HEADING_COLON = re.compile(r"\b(?:the|a|an|of|to|on|with|and|or|in|for|at|by|from):\s", re.IGNORECASE)
# "3 Sustained was defined ...", "* Includes ...": a table footnote, marker first.
_FOOTNOTE = re.compile(r"^(?:\d{1,2}\s+[A-Z][a-z]|[*\u2020\u2021\u00a7\u00b6#]\s*[A-Za-z])")
# A full stop inside the passage followed by a capital: two sentences the splitter kept together.
_TWO_SENTENCES = re.compile(r"(?:[a-z%)]{2}|\d)\.\s+[A-Z][a-z]|[a-z]\.\d{1,2}\s+[A-Z][a-z]")
# "Randomization and Interventions Patients were ...": a two-part heading, then the sentence.
_GLUED_PAIR_HEADING = re.compile(r"^[A-Z][a-z]+(?: [A-Z][a-z]+)? and [A-Z][a-z]+ [A-Z][\w-]+ [a-z]")
# "No. LUMERZA is given ...": an FAQ answer whose meaning needs the question it answers.
_YES_NO = re.compile(r"^(?:Yes|No)[.,] ")
_NUMBERISH = re.compile(r"^[(\[]?[\d.,:%<>=/()\-]+[)\]]?$")


class CheckContext:
    """What the checks need besides the item: the lexicon, sizes, boilerplate and keys seen."""

    def __init__(
        self,
        lexicon: Lexicon,
        *,
        min_words: int = 6,
        max_words: int = 60,
        mcq_options: int = 4,
        boilerplate: set[str] | None = None,
        seen: set[str] | None = None,
    ) -> None:
        self.lexicon = lexicon
        self.min_words = min_words
        self.max_words = max_words
        self.mcq_options = mcq_options
        self.boilerplate = boilerplate or set()
        self.seen = seen if seen is not None else set()


def sentence_problem(sentence: str, min_words: int = 6, max_words: int = 60) -> str | None:
    """Why a sentence cannot be a stem, or None: length, punctuation, table rows, glued headings."""
    words = sentence.split()
    if not min_words <= len(words) <= max_words:
        return "not_a_sentence"
    if not sentence[:1].isupper() and not sentence[:1].isdigit():
        return "not_a_sentence"  # starts mid-sentence, e.g. continued from the previous page
    if not sentence.rstrip().endswith((".", "?", "!")) or sentence.rstrip().endswith(":"):
        return "not_a_sentence"
    if _TWO_SENTENCES.search(sentence.rstrip()[:-1]) or _YES_NO.match(sentence):
        return "not_a_sentence"
    if _FOOTNOTE.match(sentence):
        return "footnote"
    if sentence.count("(") != sentence.count(")") or sentence.count("[") != sentence.count("]"):
        return "not_a_sentence"  # extraction lost or glued a piece: "(100 to 120 mmHg)) during ..."
    if _looks_tabular(sentence, words):
        return "table_fragment"
    if _GLUED_HEADING.match(sentence) or _GLUED_PAIR_HEADING.match(sentence) or _HEADING_COLON.search(sentence):
        return "heading_glued"
    return None


def _looks_tabular(sentence: str, words: list[str]) -> bool:
    """Table rows flattened into text: many numbers in a row, column headers, cells split by ';' or '|'."""
    numeric = [bool(_NUMBERISH.match(w)) for w in words]
    run = longest = 0
    for is_number in numeric:
        run = run + 1 if is_number else 0
        longest = max(longest, run)
    if longest >= 5 or sum(numeric) / len(words) > 0.45:
        return True
    if "n (%)" in sentence or "(N=" in sentence or sentence.count(" | ") >= 2:
        return True
    cells = sentence.split(";")
    return len(cells) > 1 and any(len(c.split()) < 3 for c in cells)


def _shape_of(passage: str) -> str:
    """The unit shape of a stored passage (items do not store it): table row, bullet or sentence."""
    if " | " in passage:
        return "row"
    return "sentence" if passage.rstrip().endswith((".", "?", "!")) else "item"


def bullet_problem(text: str, min_words: int = 4, max_words: int = 60) -> str | None:
    """Why a bullet (a list item or slide line, no full stop needed) cannot be a stem, or None."""
    words = text.split()
    if not min_words <= len(words) <= max_words:
        return "not_a_sentence"
    if _looks_tabular(text, words):
        return "table_fragment"
    return None


# "These adverse reactions ...", "Therefore, monitor ...": the sentence leans on the one before it.
_NEEDS_CONTEXT = re.compile(
    r"^(?:These|This|Those|Such|Therefore|Thus|Conversely|However|Similarly|Likewise|In this|In these|It|They|"
    r"In the same|In that|In both|In the other|In addition|In a separate)\b"
)


def check_passage(item: DraftItem, ctx: CheckContext) -> str | None:
    if norm(item.passage) in ctx.boilerplate:
        return "boilerplate"
    if _NEEDS_CONTEXT.match(item.passage):
        return "needs_context"
    shape = item.source.get("shape") or _shape_of(item.passage)
    if shape == "item" and not item.passage[:1].isupper() and not item.passage[:1].isdigit():
        return "needs_context"  # "age greater than or equal to 75 years": a bullet whose lead-in is elsewhere
    if shape == "item":
        return bullet_problem(item.passage, max(ctx.min_words, 6), ctx.max_words)
    if shape == "row":
        return None if " | " in item.passage else "table_fragment"
    return sentence_problem(item.passage, ctx.min_words, ctx.max_words)


def check_answer_in_passage(item: DraftItem, ctx: CheckContext) -> str | None:
    if item.type == ItemType.true_false:
        if item.answer == TRUE:
            if norm(item.stem) == norm(item.passage):
                return None
            # A reworded true statement (a reviewer's edit) must state exactly the passage's facts.
            stated, source = _fact_texts(ctx.lexicon, item.stem), _fact_texts(ctx.lexicon, item.passage)
            return None if stated and stated == source else "answer_not_in_passage"
        ok = (
            bool(item.original)
            and bool(item.altered)
            and contains_phrase(item.passage, item.original)
            and not contains_phrase(item.passage, item.altered)
            and contains_phrase(item.stem, item.altered)
            and not contains_phrase(item.stem, item.original)
        )
        return None if ok else "false_not_altered"
    return None if contains_phrase(item.passage, item.answer) else "answer_not_in_passage"


def _fact_texts(lexicon: Lexicon, text: str) -> set[str]:
    return {norm(f.text) for f in lexicon.facts(text)}


def check_options(item: DraftItem, ctx: CheckContext) -> str | None:
    if item.type == ItemType.cloze:
        return None
    if item.type == ItemType.true_false:
        return None if item.options == [TRUE, FALSE] and item.answer in item.options else "answer_not_an_option"
    if len(item.options) != ctx.mcq_options:
        return "wrong_option_count"
    if len({option_key(o) for o in item.options}) != len(item.options):
        return "options_not_distinct"
    if sum(option_key(o) == option_key(item.answer) for o in item.options) != 1:
        return "answer_not_an_option"
    return None


def check_no_leak(item: DraftItem, ctx: CheckContext) -> str | None:
    """No option, and for a cloze no answer, may be read off the stem."""
    if item.type == ItemType.true_false:
        return None
    candidates = item.options if item.type == ItemType.mcq else [item.answer]
    if BLANK not in item.stem:
        return "option_in_stem"
    return "option_in_stem" if any(contains_phrase(item.stem, o) for o in candidates) else None


# Items whose options are listed entries (phrases), not typed facts: see hub.learning.listed.
LISTED_FACT_KINDS = frozenset({"contraindication", "indication", "key message"})


def check_distractors(item: DraftItem, ctx: CheckContext) -> str | None:
    if item.type != ItemType.mcq:
        return None
    if item.fact_kind in LISTED_FACT_KINDS:
        # A borrowed entry the passage itself states would be a second right answer.
        wrong = [o for o in item.options if norm(o) != norm(item.answer)]
        return "distractor_mismatch" if any(contains_phrase(item.passage, o) for o in wrong) else None
    answer = parse_option(ctx.lexicon, item.answer)
    if answer is None:
        return "distractor_mismatch"
    for option in item.options:
        if norm(option) == norm(item.answer):
            continue
        fact = parse_option(ctx.lexicon, option)
        if fact is None or fact.signature != answer.signature or ctx.lexicon.same_thing(fact, answer):
            return "distractor_mismatch"
    return None


def check_duplicate(item: DraftItem, ctx: CheckContext) -> str | None:
    return "duplicate" if item.dedup_key() in ctx.seen else None


CHECKS: tuple[Check, ...] = (
    check_passage,
    check_answer_in_passage,
    check_options,
    check_no_leak,
    check_distractors,
    check_duplicate,
)


def run_checks(item: DraftItem, ctx: CheckContext) -> str | None:
    """The first failing check's reason, or None when the item may be kept (its key is then recorded)."""
    for check in CHECKS:
        reason = check(item, ctx)
        if reason:
            return reason
    ctx.seen.add(item.dedup_key())
    return None
