"""Each automatic check, on synthetic items (fast, no hub), and the generator on synthetic chunks."""

from __future__ import annotations

import pytest

from hub.learning.checks import CheckContext, run_checks, sentence_problem
from hub.learning.facts import Lexicon, parse_option
from hub.learning.generator import ItemGenerator, SourceChunk
from hub.learning.items import BLANK, FALSE, TRUE, DraftItem, ItemType, answer_matches, contains_phrase, norm

PASSAGE = "In the ZEST-1 trial, 68.5% of patients treated with zorbexumab achieved PASI 90 at week 16."
LEX = Lexicon.mine(["ZORBEX (zorbexumab) versus adalimumab, secukinumab and methotrexate."])


def ctx(**kw: object) -> CheckContext:
    return CheckContext(LEX, **kw)  # type: ignore[arg-type]


def mcq(options: list[str], answer: str = "68.5%", stem: str | None = None, passage: str = PASSAGE) -> DraftItem:
    stem = stem if stem is not None else passage.replace(answer, BLANK, 1)
    return DraftItem(ItemType.mcq, stem, options, answer, passage)


GOOD = mcq(["68.5%", "4.2%", "21.4%", "80.2%"])


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        (PASSAGE, None),
        ("PASI 90 at week 16.", "not_a_sentence"),
        ("In the ZEST-1 trial, 68.5% of patients treated with zorbexumab achieved PASI 90", "not_a_sentence"),
        ("achieved PASI 90 at week 16 in 68.5% of patients treated with zorbexumab.", "not_a_sentence"),
        ("Any adverse event, n (%) 296 (48.6) 92 (45.3) were reported in the table.", "table_fragment"),
        ("Strong; B 8 Review at week 16 and every 6 months; annual TB risk review.", "table_fragment"),
        ("Subgroups The benefit of zorbexumab was consistent across all subgroups at week 16.", "heading_glued"),
        (
            "Randomization and Interventions Patients were randomly assigned in a 3:1 ratio to two groups.",
            "heading_glued",
        ),
        ("Trial Design and Oversight LUMEN-1 was a multicenter trial conducted at 121 sites.", "heading_glued"),
        ("Halvern Medical Information can provide a travel letter for patients flying with 2 pens.", None),
        ("No. ZORBEX is given at a fixed dose of 300 mg regardless of body weight.", "not_a_sentence"),
        ("The dose was 150 mg. Patients were followed to week 52 in this trial.", "not_a_sentence"),
    ],
)
def test_sentence_problem(sentence: str, reason: str | None) -> None:
    assert sentence_problem(sentence) == reason


def test_a_good_mcq_passes_every_check() -> None:
    assert run_checks(GOOD, ctx()) is None


def test_answer_must_be_in_the_passage() -> None:
    item = mcq(["55.0%", "4.2%", "21.4%", "80.2%"], answer="55.0%", stem=PASSAGE.replace("68.5%", BLANK))
    assert run_checks(item, ctx()) == "answer_not_in_passage"


def test_options_distinct_and_four() -> None:
    assert run_checks(mcq(["68.5%", "4.2%", "4.2 %", "80.2%"]), ctx()) == "options_not_distinct"
    assert run_checks(mcq(["68.5%", "4.2%", "80.2%"]), ctx()) == "wrong_option_count"
    assert run_checks(mcq(["68.5%", "68.5 %", "21.4%", "80.2%"]), ctx()) == "options_not_distinct"


def test_no_option_in_stem() -> None:
    # "week 16" is in the stem, so offering it as an option leaks.
    item = mcq(
        ["week 12", "week 16", "week 52", "week 4"],
        answer="week 12",
        passage="An IGA score of 0 or 1 was reached by most patients at week 12, and PASI 90 by week 16.",
    )
    assert run_checks(item, ctx()) == "option_in_stem"
    cloze = DraftItem(ItemType.cloze, PASSAGE, [], "68.5%", PASSAGE)  # no gap at all
    assert run_checks(cloze, ctx()) == "option_in_stem"


def test_distractors_same_kind_and_unit_and_never_an_alias() -> None:
    assert run_checks(mcq(["68.5%", "4.2 mg", "21.4%", "80.2%"]), ctx()) == "distractor_mismatch"
    assert run_checks(mcq(["68.5%", "adalimumab", "21.4%", "80.2%"]), ctx()) == "distractor_mismatch"
    drug_passage = "In ZEST-2, zorbexumab was superior to secukinumab for PASI 90 at week 16."
    alias = mcq(["zorbexumab", "ZORBEX", "adalimumab", "methotrexate"], answer="zorbexumab", passage=drug_passage)
    assert run_checks(alias, ctx()) == "distractor_mismatch"  # ZORBEX is zorbexumab: two correct options


def test_true_false_statements() -> None:
    true = DraftItem(ItemType.true_false, PASSAGE, [TRUE, FALSE], TRUE, PASSAGE)
    assert run_checks(true, ctx()) is None
    altered = PASSAGE.replace("68.5%", "21.4%")
    false = DraftItem(ItemType.true_false, altered, [TRUE, FALSE], FALSE, PASSAGE, original="68.5%", altered="21.4%")
    assert run_checks(false, ctx()) is None
    # The "altered" fact is also in the passage: the statement could be true.
    bad = DraftItem(
        ItemType.true_false,
        PASSAGE.replace("68.5%", "16"),
        [TRUE, FALSE],
        FALSE,
        PASSAGE,
        original="68.5%",
        altered="16",
    )
    assert run_checks(bad, ctx()) == "false_not_altered"
    not_verbatim = DraftItem(ItemType.true_false, altered, [TRUE, FALSE], TRUE, PASSAGE)
    assert run_checks(not_verbatim, ctx()) == "answer_not_in_passage"


def test_duplicates_are_rejected_once_seen() -> None:
    context = ctx()
    assert run_checks(GOOD, context) is None
    again = mcq(["80.2%", "68.5%", "4.2%", "21.4%"])
    assert run_checks(again, context) == "duplicate"


def test_boilerplate_passages_are_rejected() -> None:
    assert run_checks(GOOD, ctx(boilerplate={norm(PASSAGE)})) == "boilerplate"


def test_contains_phrase_respects_number_boundaries() -> None:
    assert contains_phrase("at week 4 and week 16", "week 4")
    assert not contains_phrase("in 4.9% of patients", "4")
    assert not contains_phrase("in 14% of patients", "4%")
    assert contains_phrase("In  THE trial", "in the")


@pytest.mark.parametrize(
    ("kind", "expected", "given", "ok"),
    [
        ("cloze", "72.4%", "72.4 %", True),
        ("cloze", "72.4%", "72.4", True),
        ("cloze", "72.4%", "72", False),
        ("cloze", "12-week", "12 weeks", True),
        ("cloze", "ustekinumab", "Ustekinumab", True),
        ("cloze", "ustekinumab", "adalimumab", False),
        ("mcq", "150 mg", "150 MG", True),
        ("mcq", "150 mg", "300 mg", False),
        ("true_false", "False", "false", True),
    ],
)
def test_answer_matching(kind: str, expected: str, given: str, ok: bool) -> None:
    assert answer_matches(kind, expected, given) is ok


def _chunk(i: int, text: str, section: str = "Efficacy") -> SourceChunk:
    return SourceChunk(f"v1-{i:05d}", text, i + 1, section, "doc1", "Zorbex PI", "v1", "1.0", "label", "Zorbex")


CHUNKS = [
    _chunk(
        0,
        "ZORBEX (zorbexumab) is a test antibody. " + PASSAGE + " At week 52, 71.3% of patients treated with "
        "zorbexumab maintained a PASI 75 response.",
    ),
    _chunk(
        1,
        "Infections occurred in 21.4% of patients treated with zorbexumab through week 16 of the trial. "
        "Serious infections were reported in 0.6% of patients receiving zorbexumab during the first year.",
        "Safety",
    ),
    _chunk(
        2,
        "An IGA score of 0 or 1 was reached by 80.2% of patients treated with zorbexumab at week 12. "
        "Only 4.2% of placebo patients had that response. Zorbexumab was superior to adalimumab and "
        "secukinumab in a network meta-analysis of trials that enrolled 812 patients.",
    ),
]


def test_generator_items_pass_checks_and_cite_their_chunk() -> None:
    generator = ItemGenerator(CHUNKS)
    report = generator.generate(CHUNKS)
    assert report.kept == len(report.items) > 0
    assert report.generated == report.kept + sum(report.rejected.values())
    assert sum(v["generated"] for v in report.by_type.values()) == report.generated
    by_id = {c.chunk_id: c for c in CHUNKS}
    types = set()
    for item in report.items:
        types.add(item.type)
        chunk = by_id[str(item.source["chunk_id"])]
        assert item.passage in chunk.text and item.source["page"] == chunk.page
        assert run_checks(item, CheckContext(generator.lexicon)) is None  # re-checking passes too
        if item.type == ItemType.mcq:
            assert len({norm(o) for o in item.options}) == 4 and item.answer in item.options
            assert contains_phrase(item.passage, item.answer)
            answer = parse_option(generator.lexicon, item.answer)
            for option in item.options:
                assert not contains_phrase(item.stem, option)
                fact = parse_option(generator.lexicon, option)
                assert fact is not None and answer is not None and fact.signature == answer.signature
        elif item.type == ItemType.true_false and item.answer == FALSE:
            assert contains_phrase(item.passage, item.original) and not contains_phrase(item.passage, item.altered)
            assert item.stem.replace(item.altered, item.original, 1) == item.passage
    assert types == {ItemType.mcq, ItemType.cloze, ItemType.true_false}


def test_generator_is_reproducible_and_respects_the_chunk_quota() -> None:
    from hub.settings import LearningSettings

    first = ItemGenerator(CHUNKS).generate(CHUNKS)
    second = ItemGenerator(CHUNKS).generate(CHUNKS)
    assert [i.dedup_key() for i in first.items] == [i.dedup_key() for i in second.items]
    capped = ItemGenerator(CHUNKS, LearningSettings(items_per_chunk=1)).generate(CHUNKS)
    per_chunk: dict[object, int] = {}
    for item in capped.items:
        per_chunk[item.source["chunk_id"]] = per_chunk.get(item.source["chunk_id"], 0) + 1
    assert per_chunk and max(per_chunk.values()) == 1


def test_generator_counts_already_stored_items_as_duplicates() -> None:
    generator = ItemGenerator(CHUNKS)
    first = generator.generate(CHUNKS)
    again = generator.generate(CHUNKS, seen={i.dedup_key() for i in first.items})
    assert again.kept == 0 or all(i.dedup_key() not in {j.dedup_key() for j in first.items} for i in again.items)
    assert again.rejected["duplicate"] >= 1
