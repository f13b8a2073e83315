"""Generation rules of the blueprint, one test per rule, on small passages written here."""

from __future__ import annotations

import re

import pytest

from hub.learning.facts import Lexicon
from hub.learning.generator import ItemGenerator, SourceChunk, is_incidental, is_threshold, topic_of
from hub.learning.items import FALSE, ItemType, answer_matches, normalise_answer
from hub.settings import LearningSettings

# Same-kind facts for distractors and swaps: other doses, rates and durations of a fictional label.
FILLER = (
    "Reduce the dose to 40 mg once daily in patients with moderate renal impairment.\n"
    "Nausea was reported in 12% of patients and vomiting in 31% of patients in the pivotal study.\n"
    "The maximum recommended dose is 160 mg per day for adults with normal kidney function.\n"
    "Diarrhoea occurred in 55% of patients and dizziness in 3% of patients in the long-term study.\n"
    "Treatment was continued for 26 weeks in the extension, and for 104 weeks in the registry cohort.\n"
    "A starting dose of 250 mg was given in the dose-finding study before the 500 mg cohort opened.\n"
)


def chunk(
    i: int, text: str, section_kind: str = "dosage", *, kind: str = "text", doc: str = "doc1", section: str = ""
) -> SourceChunk:
    return SourceChunk(
        f"{doc}-{i:04d}",
        text,
        i + 1,
        section or section_kind,
        doc,
        "Vantorin PI",
        f"{doc}-v1",
        "1",
        "label",
        "Vantorin",
        "page",
        kind,
        section_kind,
    )


def generate(chunks: list[SourceChunk], **config: object):
    corpus = [*chunks, chunk(900, FILLER, "body", doc="filler")]
    return ItemGenerator(corpus, LearningSettings(**config)).generate(chunks)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "section_kind",
    ["references", "methods", "nonclinical_toxicology", "front_matter", "contents", "description", "patient_info"],
)
def test_non_msl_sections_never_give_items(section_kind: str) -> None:
    text = "In the phase 3 study, doses of 80 mg given for 13 weeks caused liver changes in 20% of patients."
    report = generate([chunk(0, text, section_kind)])
    assert report.items == [] and report.generated == 0
    # The same sentence in a results section does give an item: the section, not the text, decided.
    assert generate([chunk(0, text, "results")]).items


def test_demographics_and_animal_data_never_give_items() -> None:
    text = (
        "The mean age of the study population was 61 years, and 54% of patients were male.\n"
        "In pregnant rats, doses of 80 mg/kg/day caused fetal malformations at 20 times the human exposure.\n"
        "In the two studies, 41% of patients were 65 years of age and older at the time of enrolment."
    )
    assert generate([chunk(0, text, "specific_populations")]).items == []


def test_citations_links_and_footers_never_give_items() -> None:
    text = "Smith J, et al. Vantorin 80 mg in 412 patients. Lancet 2020; doi 10.1000/xyz.\nReference ID: 4870025 80 mg"
    assert generate([chunk(0, text, "discussion")]).items == []


def test_bullets_give_items() -> None:
    text = "Recommended dosage:\n\u2022 80 mg orally once daily with food\n\u2022 Take 120 mg twice daily if needed"
    report = generate([chunk(0, text, "dosage")])
    passages = {i.passage for i in report.items}
    # A bullet is asked with its lead-in: alone it would not say what the 80 mg is.
    assert "Recommended dosage: 80 mg orally once daily with food" in passages
    assert all(i.source["shape"] == "item" for i in report.items)


def test_a_fact_repeated_in_highlights_and_patient_leaflet_is_asked_once_citing_the_full_text() -> None:
    full = "The recommended dosage of Vantorin is 80 mg taken orally once daily with or without food."
    highlights = "Recommended dosage of Vantorin is 80 mg taken orally once daily with or without food."
    counselling = "Advise patients that the recommended dosage of Vantorin is 80 mg orally once daily with food."
    leaflet = "Take 80 mg of Vantorin orally once daily with or without food, as your doctor tells you."
    chunks = [
        chunk(0, highlights, "highlights"),
        chunk(1, full, "dosage"),
        chunk(2, counselling, "patient_counseling"),
        chunk(3, leaflet, "patient_info"),
    ]
    report = generate(chunks)
    assert len(report.items) == 1
    assert report.items[0].source["section_kind"] == "dosage"
    assert report.rejected["duplicate_fact"] == 2  # highlights and counselling; the leaflet is never asked
    assert report.by_document["doc1"]["duplicate_fact"] == 2


def test_different_facts_in_similar_sentences_are_both_kept() -> None:
    text = (
        "The recommended dosage of Vantorin is 80 mg taken orally once daily with food.\n"
        "The recommended dosage of Vantorin is 20 mg taken orally once daily in severe hepatic impairment."
    )
    assert len(generate([chunk(0, text, "dosage")]).items) == 2


def test_the_gap_is_never_a_confidence_level_or_a_unit_conversion() -> None:
    assert is_incidental("HR 0.79; 95% CI 0.66 to 0.95.", _fact("HR 0.79; 95% CI 0.66 to 0.95.", "95%"))
    text = "Store at 25°C (77°F); the 80 mg (2 mL) syringe reduced events by 21% (95% CI, 12% to 30%)."
    assert is_incidental(text, _fact(text, "2 mL")) and is_incidental(text, _fact(text, "77°F"))
    words = "Vantorin is indicated in children aged one to 17 years for urinary infections."
    assert is_incidental(words, _fact(words, "17 years"))  # "one to 6 years" would be a true subset
    dosed = "The usual dosage range is 20 mg to 40 mg per day."
    assert is_incidental(dosed, _fact(dosed, "40 mg"))
    ranged = "The background risk is 2% to 4% for birth defects."
    assert is_incidental(ranged, _fact(ranged, "2%")) and is_incidental(ranged, _fact(ranged, "4%"))
    assert not is_incidental(text, _fact(text, "80 mg"))
    report = generate([chunk(0, text, "clinical_studies")], items_per_chunk=3)
    for item in report.items:
        asked = item.original if item.type == ItemType.true_false else item.answer
        assert asked not in ("95%", "25°C", "77°F", "2 mL")


def _fact(sentence: str, text: str):
    return next(f for f in Lexicon().facts(sentence) if f.text == text)


def test_a_threshold_is_never_an_mcq_or_a_false_swap() -> None:
    sentence = "Vantorin is not recommended in patients with a body weight of at least 120 kg at screening."
    assert is_threshold(sentence, _fact(sentence, "120 kg"))
    assert is_threshold("Use in patients 65 years or older.", _fact("Use in patients 65 years or older.", "65 years"))
    ge = "Risk factors: age greater than or equal to 75 years."
    assert is_threshold(ge, _fact(ge, "75 years"))
    adults = "Vantorin is indicated in pediatric patients 6 years of age and older."
    assert is_threshold(adults, _fact(adults, "6 years"))
    older = "Most patients with fatal outcomes were older than 55 years old."
    assert is_threshold(older, _fact(older, "55 years"))
    report = generate([chunk(0, sentence, "warnings")])
    assert report.items, "a threshold still gives a typed (cloze) item"
    for item in report.items:
        assert item.type != ItemType.mcq
        assert not (item.type == ItemType.true_false and item.answer == FALSE and item.original == "120 kg")


def test_false_statements_change_a_number_by_at_least_a_quarter() -> None:
    lines = [
        f"In study {n}, the response rate with Vantorin {d} mg was {r}% at the end of the treatment period."
        for n, d, r in [(1, 80, 41), (2, 82, 43), (3, 81, 44), (4, 120, 61), (5, 40, 22)]
    ]
    report = generate([chunk(0, "\n".join(lines), "clinical_studies")], items_per_chunk=5)
    falses = [i for i in report.items if i.type == ItemType.true_false and i.answer == FALSE]
    assert falses
    for item in falses:
        a, b = (float(re.findall(r"[\d.]+", x)[0]) for x in (item.original, item.altered))
        assert abs(a - b) >= 0.25 * max(a, b), (item.original, item.altered)


def test_the_topic_is_the_section_kind() -> None:
    report = generate([chunk(0, "Nausea occurred in 17% of patients treated with Vantorin.", "adverse_reactions")])
    assert {i.source["topic"] for i in report.items} == {"Adverse reactions"}
    assert topic_of("2.1 Recommended dose", "label", "dosage") == "Dosage and administration"


def test_each_section_gets_a_share() -> None:
    dosing = "\n".join(
        f"In cohort {n}, the dose was {10 * n} mg given once daily for the whole study." for n in range(1, 9)
    )
    safety = "Headache was reported in 9% of patients treated with Vantorin in the controlled trials."
    report = generate(
        [chunk(0, dosing, "dosage"), chunk(1, safety, "adverse_reactions")], items_per_chunk=8, items_per_section=3
    )
    kinds = [i.source["section_kind"] for i in report.items]
    assert kinds.count("dosage") == 3 and kinds.count("adverse_reactions") == 1


@pytest.mark.parametrize(
    ("expected", "given", "ok"),
    [
        ("100 mg", "100mg", True),
        ("100 mg", "100 MG", True),
        ("100 mg", "100 milligrams", True),
        ("100 mg", "100\u00a0mg", True),
        ("5 mcg", "5 µg", True),
        ("25°C", "25 degrees C", True),
        ("1,480 patients", "1480 patients", True),
        ("once\u2011daily", "once daily", True),
        ("every 12 weeks", "every 12 wks", True),
        ("\uff11\uff10 mg", "10 mg", True),
        ("100 mg", "10 mg", False),
        ("100 mg", "100 mcg", False),
        ("2.5 mg", "25 mg", False),
    ],
)
def test_cloze_normaliser(expected: str, given: str, ok: bool) -> None:
    assert answer_matches("cloze", expected, given) is ok
    assert (normalise_answer(expected) == normalise_answer(given)) is ok


def test_a_concentration_is_not_cut_into_a_dose() -> None:
    facts = Lexicon().facts("Hemoglobin fell by a mean 0.4 mg/dL; UACR above 100 mg/g; a 250 mg tablet.")
    assert [f.text for f in facts if f.kind == "dose"] == ["250 mg"]


def test_a_sentence_that_points_back_is_not_asked() -> None:
    text = "These adverse reactions occurred in at least 5% of patients treated with Vantorin 80 mg daily."
    report = generate([chunk(0, text, "adverse_reactions")])
    assert report.items == [] and report.rejected["needs_context"] >= 1


def test_a_bullet_without_its_lead_in_is_not_asked() -> None:
    text = (
        "\u2022 age greater than or equal to 75 years in the trial population\n"
        "\u2022 prior stroke or transient ischemic attack"
    )
    report = generate([chunk(0, text, "clinical_studies")])
    assert report.items == []


def test_names_are_swapped_only_for_names_from_the_same_product() -> None:
    other = SourceChunk(
        "o-1",
        "Patients on erlotinib and afatinib had higher rates of rash.",
        1,
        "",
        "o",
        "Onc",
        "o-v1",
        "1",
        "publication",
        "Oncoprod",
        "page",
        "text",
        "results",
    )
    text = "Monitor renal function when Vantorin is given with methotrexate or cyclosporine in the study."
    own = chunk(0, text, "drug_interactions")
    pool = ItemGenerator([own, other]).pool
    fact = next(f for f in pool.lexicon.facts(text) if f.text == "methotrexate")
    names = {f.text for f in pool.alternatives(fact, "A sentence.", "Vantorin")}
    assert "cyclosporine" in names and not names & {"erlotinib", "afatinib"}
