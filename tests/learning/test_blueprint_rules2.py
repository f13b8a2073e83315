"""Generation rules added after judging real-document samples: one test per rule, on passages written here."""

from __future__ import annotations

from hub.learning.checks import sentence_problem
from hub.learning.facts import Lexicon
from hub.learning.generator import (
    ItemGenerator,
    SourceChunk,
    askable,
    is_comparator,
    is_incidental,
    is_threshold,
    keeps_order,
)
from hub.learning.items import FALSE, ItemType
from hub.settings import LearningSettings
from tests.learning.test_blueprint import generate


def _facts(sentence: str):
    return Lexicon().facts(sentence)


def _fact(sentence: str, text: str):
    return next(f for f in _facts(sentence) if f.text == text)


def test_the_comparator_figure_is_never_the_gap_nor_changed() -> None:
    text = "Retinopathy complications occurred in 3.0% of patients on Vantorin compared to placebo (1.8%)."
    facts = _facts(text)
    assert is_comparator(text, _fact(text, "1.8%"), facts)
    assert not is_comparator(text, _fact(text, "3.0%"), facts)
    versus = "Headache was reported in 5.7% versus 1.9% of patients on placebo."
    assert is_comparator(versus, _fact(versus, "1.9%"), _facts(versus))
    report = generate([chunk_(text, "warnings")], items_per_chunk=3)
    assert report.items
    for item in report.items:
        asked = item.original if item.type == ItemType.true_false else item.answer
        assert asked != "1.8%"


def test_a_dose_that_names_the_arm_is_never_the_gap() -> None:
    arm = "Severe nausea was reported with Vantorin (40 mg 0.4%, 80 mg 0.8%) in the pooled trials."
    assert not askable(arm, _fact(arm, "40 mg"), _facts(arm), "warnings")
    assert askable(arm, _fact(arm, "0.4%"), _facts(arm), "warnings")
    result = "An antihypertensive effect of Vantorin was seen with 5 mg in some patients after 2 hours."
    # In a results section the dose only says which arm it was; a neighbouring dose works too.
    assert not askable(result, _fact(result, "5 mg"), _facts(result), "clinical_studies")
    assert askable(result, _fact(result, "5 mg"), _facts(result), "dosage")


def test_a_false_statement_keeps_the_order_of_the_passages_numbers() -> None:
    text = "After 4 weeks on the 0.5 mg dosage, increase the dosage to 1 mg once weekly."
    facts = _facts(text)
    low, high = _fact(text, "0.5 mg"), _fact(text, "1 mg")
    assert not keeps_order(low, _fact("Use 1.5 mg once weekly.", "1.5 mg"), facts)  # an "increase" to a lower dose
    assert keeps_order(low, _fact("Use 0.25 mg once weekly.", "0.25 mg"), facts)
    assert not keeps_order(high, _fact("Use 0.25 mg once weekly.", "0.25 mg"), facts)
    report = generate([chunk_(text, "dosage")], items_per_chunk=3, seed=3)
    for seed in range(8):
        report = generate([chunk_(text, "dosage")], seed=seed)
        for item in report.items:
            if item.type == ItemType.true_false and item.answer == FALSE and item.original == "0.5 mg":
                assert float(item.altered.split()[0]) < 1


def test_footnotes_and_heading_remains_are_not_sentences() -> None:
    assert sentence_problem("3 Sustained was defined as two measurements at least 28 days apart.") == "footnote"
    assert sentence_problem("* Includes nausea, vomiting and abdominal pain reported by 5% of patients.") is not None
    glued = "If more control is needed after at least 4 weeks on the: 0.5 mg dosage, increase to 1 mg."
    assert sentence_problem(glued) == "heading_glued"
    imperative = "Use with diuretics in adults If blood pressure is not controlled, add 12.5 mg of a diuretic."
    assert sentence_problem(imperative) == "heading_glued"
    assert sentence_problem("The recommended dose of Vantorin is 80 mg once daily with food.") is None


def test_trial_design_and_definitions_are_never_asked() -> None:
    text = (
        "Bleeding events were counted once per subject during treatment or within 2 days of stopping.\n"
        "Sustained response was defined as two visits at least 28 days apart in 40% of patients.\n"
        "Patients were randomized to Vantorin 80 mg or placebo in a 56-week trial (NCT01234567).\n"
        "At randomization, 53.3% of patients were treated with metformin.\n"
        "Median baseline HbA1c was 8.1% in the Vantorin arm.\n"
        "Small decreases in hemoglobin (mean 0.4 g) were rarely of clinical importance in 12% of patients."
    )
    assert generate([chunk_(text, "clinical_studies")]).items == []


def test_a_solution_strength_a_restated_figure_and_a_listing_cut_off_are_never_the_gap() -> None:
    solution = "Tablets may be crushed and suspended in water, 5% dextrose in water, or apple juice before use."
    assert is_incidental(solution, _fact(solution, "5%"))
    restated = "The time between two doses must be at least 2 days (>48 hours) for every patient."
    assert is_incidental(restated, _fact(restated, "2 days"))
    counted = "Serious reactions occurred in 7.5% (25/335) of patients given Vantorin."
    assert is_incidental(counted, _fact(counted, "7.5%"))
    listing = "Common adverse reactions (≥1%) were gingival bleeding and epistaxis."
    assert is_incidental(listing, _fact(listing, "1%"))
    weight = "Clearance in a child weighing 30 kg is 10 L/h."
    assert is_incidental(weight, _fact(weight, "30 kg"))
    assert not is_incidental(counted, _fact("Nausea occurred in 7.5% of patients.", "7.5%"))


def test_earlier_than_is_a_threshold() -> None:
    text = "Catheters should not be removed earlier than 24 hours after the last dose of Vantorin."
    assert is_threshold(text, _fact(text, "24 hours"))


def test_an_enumeration_of_rates_gives_no_gap_item() -> None:
    text = (
        "Other adverse reactions were diarrhea 4.8%, vomiting 4.8%, abdominal pain 3.3%, dyspepsia 2.7%, "
        "nausea 2.6%, fever 2.1%, asthma 1.8% and rash 1.7%."
    )
    assert generate([chunk_(text, "adverse_reactions")]).items == []


def _label(i: int, text: str, kind: str, doc: str, product: str) -> SourceChunk:
    return SourceChunk(
        f"{doc}-{i}", text, i + 1, kind, doc, f"{product} PI", f"{doc}-v1", "1", "label", product, "page", "text", kind
    )


def _labels() -> list[SourceChunk]:
    return [
        _label(
            0,
            "VANTORIN is contraindicated in patients with:\n• active pathological bleeding [see Warnings (5.2)]\n"
            "• severe hypersensitivity reaction to VANTORIN",
            "contraindications",
            "d1",
            "Vantorin",
        ),
        _label(1, "Patients with hereditary or idiopathic angioedema may have attacks.", "warnings", "d1", "Vantorin"),
        _label(
            0,
            "Cardolin tablets are contraindicated in patients with:\n• hereditary or idiopathic angioedema\n"
            "• a history of pancreatitis while on treatment",
            "contraindications",
            "d2",
            "Cardolin",
        ),
        _label(
            0,
            "GLUCARA is contraindicated in patients with:\n• a personal history of medullary thyroid carcinoma\n"
            "• multiple endocrine neoplasia syndrome type 2",
            "contraindications",
            "d3",
            "Glucara",
        ),
        _label(
            0,
            "Fluxacin is contraindicated in persons with myasthenia gravis on ventilation.",
            "contraindications",
            "d4",
            "Fluxacin",
        ),
    ]


def test_contraindications_give_items_with_distractors_from_other_products_that_are_not_true_here() -> None:
    corpus = _labels()
    report = ItemGenerator(corpus, LearningSettings()).generate(corpus)
    vantorin = [i for i in report.items if i.source["document_id"] == "d1"]
    assert len(vantorin) == 2
    # The entry naming the product would give itself away among options: it is asked as a true statement.
    named = next(i for i in vantorin if "hypersensitivity" in i.passage)
    assert named.type == ItemType.true_false and named.answer == "True" and named.stem == named.passage
    item = next(i for i in vantorin if i is not named)
    assert item.type == ItemType.mcq and item.answer == "active pathological bleeding"
    assert item.source["topic"] == "Contraindications"
    wrong = set(item.options) - {item.answer}
    assert len(wrong) == 3
    # Vantorin's warnings speak of hereditary or idiopathic angioedema: as an option it could be true, so never used.
    assert "hereditary or idiopathic angioedema" not in wrong
    # Another product's contraindication that names a product is never borrowed either.
    assert all("VANTORIN" not in o.upper() for o in wrong)
    # Every distractor is a contraindication of another product.
    others = {
        "a history of pancreatitis while on treatment",
        "a personal history of medullary thyroid carcinoma",
        "multiple endocrine neoplasia syndrome type 2",
        "myasthenia gravis on ventilation",
    }
    assert wrong <= others
    cardolin = [i for i in report.items if i.source["document_id"] == "d2"]
    assert {i.answer for i in cardolin if i.type == ItemType.mcq} <= {
        "hereditary or idiopathic angioedema",
        "a history of pancreatitis while on treatment",
    }
    for i in cardolin:
        assert "a history of pancreatitis while on treatment" not in set(i.options) - {i.answer}


def test_a_listed_entry_with_one_usable_distractor_becomes_a_false_statement() -> None:
    corpus = _labels()[:2] + [
        _label(
            0,
            "Fluxacin is contraindicated in persons with myasthenia gravis on ventilation.",
            "contraindications",
            "d4",
            "Fluxacin",
        )
    ]
    report = ItemGenerator(corpus, LearningSettings()).generate(corpus)
    item = next(i for i in report.items if i.source["document_id"] == "d1")
    assert item.type == ItemType.true_false and item.answer == FALSE
    assert item.original == "active pathological bleeding" and item.altered == "myasthenia gravis on ventilation"
    assert "myasthenia gravis on ventilation" in item.stem


def chunk_(text: str, section_kind: str) -> SourceChunk:
    return _label(0, text, section_kind, "doc1", "Vantorin")


def test_comparator_named_after_its_figure_trial_sizes_and_hyphenated_descriptors() -> None:
    arms = "Arthralgia was reported in 10% of the patients on Vantorin and 11% in the comparison group."
    assert is_comparator(arms, _fact(arms, "11%"), _facts(arms))
    assert not is_comparator(arms, _fact(arms, "10%"), _facts(arms))
    sized = "In a clinical trial with 959 patients treated with Vantorin, no new safety signals were seen."
    assert is_incidental(sized, _fact(sized, "959 patients"))
    described = "Vantorin reduced the mean 24-hour glucagon concentration by 12%."
    assert is_incidental(described, _fact(described, "24-hour"))


def test_demographics_pronoun_starts_and_guidance_boilerplate_are_never_asked() -> None:
    text = (
        "The mean duration of type 2 diabetes was 13 years, and the mean BMI was 32 kg/m2 at entry.\n"
        "It is on CRAN and has been around for about 2 years in most sites.\n"
        "Comments and suggestions regarding this draft should be submitted within 60 days of publication.\n"
        "In all 3 studies, the primary endpoint was a composite of DVT, PE and death within 35 days."
    )
    assert generate([chunk_(text, "clinical_studies")]).items == []
    assert sentence_problem("The FDA will file an NDA within 60 days of receipt.6 The FDA also decides.") is not None


def _slide(i: int, text: str, doc: str, title: str) -> SourceChunk:
    return SourceChunk(
        f"{doc}-{i}", text, i + 1, "Slide", doc, title, f"{doc}-v1", "1", "slide_deck", "none", "slide", "text", "slide"
    )


def test_deck_key_messages_are_asked_against_other_decks_statements() -> None:
    deck_a = [
        _slide(0, "We have installed everything for you before the workshop starts.", "a", "OpenStat Workshop 2022"),
        _slide(
            1, "Shared analysis code reduces duplicated programming across sponsors.", "a", "OpenStat Workshop 2022"
        ),
        _slide(2, "Working Groups Button: overview of active projects and volunteers.", "a", "OpenStat Workshop 2022"),
    ]
    deck_b = [
        _slide(n, text, "b", "CodeShare Update (webinar)")
        for n, text in enumerate(
            [
                "Regulators reviewed the white papers on laboratory displays in detail.",
                "Volunteer scriptathons produced reusable safety tables for integrated summaries.",
                "Qualification guidelines describe how contributed scripts are tested before release.",
                "OpenStat packages are maintained by a cross-company group of programmers.",
            ]
        )
    ]
    corpus = deck_a + deck_b
    report = ItemGenerator(corpus, LearningSettings()).generate(corpus)
    asked_a = [i for i in report.items if i.source["document_id"] == "a"]
    assert len(asked_a) == 1
    item = asked_a[0]
    assert item.type == ItemType.mcq and item.fact_kind == "key message"
    assert item.answer == "Shared analysis code reduces duplicated programming across sponsors."
    assert item.stem.startswith('Which of these is a key message of "OpenStat Workshop 2022"?')
    wrong = set(item.options) - {item.answer}
    assert len(wrong) == 3 and all(o.endswith(".") for o in wrong)
    # A line naming the asked deck ("OpenStat packages ...") would give the answer away: never an option.
    assert not any("OpenStat" in o for o in wrong)
    # Housekeeping ("We have installed ...") and labels ("... Button: ...") are never key messages.
    assert all("installed" not in o and "Button" not in o for o in item.options)


def test_a_name_the_document_mentions_elsewhere_is_never_a_distractor_or_a_swap() -> None:
    text = (
        "Monitor renal function when Vantorin is coadministered with cyclosporine in transplant patients.\n"
        "Vantorin may raise plasma levels of methotrexate and the risk of its toxic reactions."
    )
    other = "Adalimumab, ustekinumab, secukinumab and etanercept were given in the comparator arms of other studies."
    corpus = [chunk_(text, "drug_interactions"), _label(0, other, "body", "d9", "Vantorin")]
    generator = ItemGenerator(corpus, LearningSettings())
    # Seeds 4 and 5 offer methotrexate when the filter is off (checked by hand); all must not.
    items = [i for seed in range(8) for i in generator.generate(corpus[:1], seed=seed).items]
    assert any(i.type == ItemType.mcq and i.answer == "cyclosporine" for i in items)
    for item in items:
        if item.type == ItemType.true_false and item.answer == FALSE:
            assert "methotrexate" not in item.altered.lower()
        assert "methotrexate" not in {o.lower() for o in item.options if o != item.answer}


def test_trial_lengths_in_clinical_studies_and_unbalanced_brackets() -> None:
    from hub.learning.generator import is_trial_length

    text = "Monotherapy with Vantorin 1 mg once weekly for 30 weeks reduced HbA1c by 1.5%."
    assert is_trial_length(text, _fact(text, "30 weeks"), "clinical_studies")
    assert not is_trial_length(text, _fact(text, "30 weeks"), "dosage")
    assert sentence_problem("Initiate with 2.5 mg in patients with low blood pressure (100 to 120 mmHg)) after MI.")
    assert sentence_problem(
        "The initial dose is 2.5 mg once daily Populations (8.7) and Clinical Pharmacology (12.3)]."
    )


def test_pharmacokinetics_gets_a_smaller_share_and_its_key_figures_first() -> None:
    from hub.learning.generator import section_quota

    pk = [f"In study {n}, renal excretion accounted for {10 + 7 * n}% of total clearance." for n in range(8)]
    pk.append("The elimination half-life of Vantorin is approximately 12 hours.")
    report = generate([chunk_("\n".join(pk), "clinical_pharmacology")], items_per_chunk=20)
    assert len(report.items) == section_quota(chunk_("x", "clinical_pharmacology"), 8) == 4
    # The half-life, a figure clinicians ask about, is asked although it comes last.
    assert any("half-life" in i.passage for i in report.items)
    assert section_quota(chunk_("x", "dosage"), 8) == 8 and section_quota(chunk_("x", "body"), 8) == 3
    # A label ingest could not sort into sections at all keeps the full share for its text.
    assert section_quota(chunk_("x", "body"), 8, anatomy=False) == 8


def test_an_indication_with_no_other_label_to_borrow_from_is_asked_as_a_true_statement() -> None:
    text = "Vantorin is indicated for the treatment of adults with moderate-to-severe plaque psoriasis."
    corpus = [chunk_(text, "indications")]
    (item,) = ItemGenerator(corpus, LearningSettings()).generate(corpus).items
    assert item.type == ItemType.true_false and item.answer == "True" and item.fact_kind == "indication"
    assert item.source["topic"] == "Indications"


def test_other_arms_follow_up_windows_and_bare_endpoint_names_are_never_asked() -> None:
    from hub.learning.generator import about_other_arm

    assert about_other_arm("Patients treated with warfarin had a mean time in range of 62%.", "Vantorin")
    assert not about_other_arm("Patients treated with vantorin had a response rate of 62%.", "Vantorin")
    text = (
        "Patients treated with warfarin in the trial had a mean time in therapeutic range of 62%.\n"
        "During the 30 days following the end of the study, 21 strokes occurred in 0.3% of patients.\n"
        "Only 26% of patients had been titrated to goal by week 30 in the insulin arm of the trial.\n"
        "Exposure was 17% higher with a dialysate flow rate of 500 mL/min during the session."
    )
    assert generate([chunk_(text, "clinical_pharmacology")]).items == []
    bare = "Vantorin produced a reduction in HbA1c and 41% reached PASI 90 at the end of treatment."
    generator = ItemGenerator([chunk_(bare, "adverse_reactions")], LearningSettings())
    gaps = [f.text for f in generator._gap_facts(bare, chunk_(bare, "adverse_reactions"))]
    # The endpoint's bare name is no gap; an endpoint with its threshold ("PASI 90") and the rate are.
    assert "HbA1c" not in gaps and {"PASI 90", "41%"} <= set(gaps)


def test_a_figure_with_its_interval_and_separate_or_methods_studies_are_not_asked() -> None:
    ci = "The difference for Vantorin 1 mg was -2.5 kg (-3.2, -1.8) at the end of treatment."
    assert is_incidental(ci, _fact(ci, "2.5 kg"))
    assert sentence_problem("In a separate study, no effect on gastric emptying was seen with 2.4 mg.") is None
    text = (
        "In a separate study, no apparent effect on gastric emptying was observed with Vantorin 2.4 mg.\n"
        "The effect on oral medications was studied in trials at Vantorin 1 mg steady-state exposure."
    )
    assert generate([chunk_(text, "drug_interactions")]).items == []
