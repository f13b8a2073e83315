"""Question kinds, quotable units, routing and the support model: rules on small inputs written here,
and one end-to-end answer through the real hub (model, Chroma, SQLite)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from hub.answering import at_time_points, units, value_holders
from hub.question import drug_like, holds_kind, holds_value, time_points, understand
from hub.retrieval import Hit
from hub.routing import RoutingConfig, merge_hits, route, with_neighbours
from hub.support import FEATURES, QUESTION_FEATURES, SupportModel


def _chunk(text: str, *, kind: str = "text", media: str = "pdf", section_kind: str = "body", seq: int = 0, **kw):
    version = SimpleNamespace(media_type=media, source_file="f.pdf", document=SimpleNamespace(title="T"))
    return SimpleNamespace(
        id=kw.get("id", f"v-{seq:05d}"),
        version_id="v",
        seq=seq,
        page=kw.get("page", 1),
        section=kw.get("section", "S"),
        kind=kind,
        section_kind=section_kind,
        text=text,
        version=version,
    )


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who should not take Zorbex?", "contraindication"),
        ("What is the recommended dose of Zorbex in adults?", "dose"),
        ("How long does Zorbex stay in the body after the last dose?", "time"),
        ("Did Zorbex reduce major adverse cardiovascular events, and by how much?", "result"),
        ("What are the most common adverse reactions with Zorbex?", "adverse_reaction"),
        ("How often did nausea occur with Zorbex 1 mg versus placebo?", "rate"),
        ("Can Zorbex be taken with strong CYP3A4 inhibitors?", "interaction"),
    ],
)
def test_question_kinds(question: str, kind: str) -> None:
    assert understand(question).kind == kind


def test_answer_kinds_are_recognised_in_text() -> None:
    assert holds_kind("dose", "The recommended dose is 5 mg twice daily.")
    assert not holds_kind("dose", "Zorbex is indicated for adults.")
    assert holds_kind("time", "FDA encourages a response within fifteen (15) U.S. business days.")
    assert holds_kind("result", "The hazard ratio was 0.74 (95% CI: 0.58, 0.95).")
    assert not holds_kind("result", "The trial enrolled adults with heart disease.")
    assert holds_kind("contraindication", "Zorbex is contraindicated in patients with bleeding.")


@pytest.mark.parametrize(
    ("question", "values"),
    [
        ("What is the recommended dose of Zorbex in adults?", {"dose"}),
        ("What oral Zorbex dose and treatment duration are recommended for cystitis?", {"dose", "time"}),
        ("What percentage of the application fee is refunded?", {"share"}),
        ("How many inspections did FDA conduct in 2023?", {"rate"}),
        ("What was the hazard ratio for heart failure with Zorbex?", {"result"}),
        ("When was version 2 scheduled for public review?", {"time"}),
        # Asking whether, or how patients did, is not asking for a value.
        ("Can a maintenance dose be given a few days early?", set()),
        ("How did heavier patients do on Zorbex compared with placebo?", set()),
        # "After the last dose" places a time; it does not ask for a dose.
        ("What does the white paper say about events within 30 days after the last dose?", set()),
    ],
)
def test_value_questions_are_told_from_topic_questions(question: str, values: set[str]) -> None:
    assert set(understand(question).values) == values


def test_a_value_is_held_only_when_stated() -> None:
    assert holds_value("share", "Nausea occurred in 15.8% of patients.")
    assert not holds_value("share", "21 CFR 314.101(d)(1) through (9), NDA deficiencies")
    assert holds_value("rate", "FDA conducted 1,024 inspections.")
    # Footnote marks, section references and years are not counts.
    assert not holds_value("rate", "FDA has issued guidance23 under section 704(a)(5) since 2012.")
    assert holds_value("result", "The estimated hazard ratio was 0.74 (95% CI: 0.58, 0.95).")
    assert not holds_value("result", "The trial showed clinically meaningful efficacy.")
    # An estimate is a figure set against another, not a name ("peptide 1", "type 2") or who enrolled.
    assert not holds_value("result", "A glucagon-like peptide 1 agonist to reduce risk in type 2 diabetes (1).")
    assert not holds_value("result", "In total, 98.0% of the patients completed the trial.")
    assert holds_value("result", "Patients on lisinopril had an 11% lower risk of death (p=0.04).")
    assert holds_value("time", "Respond within fifteen (15) U.S. business days of the inspection.")
    assert holds_value("time", "| Demographics | Oct 2014 | Q3 2017 |")
    assert not holds_value("dose", "Zorbex is indicated in adult women for cystitis.")


def test_value_questions_are_answered_only_by_quotes_holding_the_value() -> None:
    def cand(text: str, score: float) -> SimpleNamespace:
        return SimpleNamespace(text=text, score=score)

    design = cand("SUSTAIN 6 was a placebo-controlled cardiovascular outcomes trial.", 0.9)
    estimate = cand("The hazard ratio for time to first MACE was 0.74 (95% CI: 0.58, 0.95).", 0.6)
    assert value_holders([design, estimate], frozenset({"result"})) == [estimate]
    # A value far weaker than the best passage does not answer: the content lacks it.
    assert value_holders([design, cand("The hazard ratio was 0.74.", 0.3)], frozenset({"result"})) == []


def test_a_time_point_the_question_names_must_be_the_quotes() -> None:
    assert time_points("What PASI 90 response did LUMEN-1 report at week 12?") == {("week", "12")}
    assert time_points("one-year rates; at the end of 1 year; a 12-week trial") == {("year", "1"), ("week", "12")}

    # Ages and dosing intervals are not time points.
    assert time_points("an 82-year-old given 150 mg every 12 weeks") == set()

    def cand(text: str, section: str = "") -> SimpleNamespace:
        return SimpleNamespace(text=text, score=0.9, section=section)

    later = cand("At week 52, 76.5% achieved PASI 90; 88.9% of week 16 responders kept it.")
    untimed = cand("PASI 90 was achieved by 71% of patients.")
    headed = cand("Lumeracept 71% | placebo 4%", section="Table 2: PASI 90 at Week 12")
    asked = frozenset({("week", "12")})
    assert at_time_points([later, untimed, headed], asked) == [headed]
    # One year is week 52.
    assert at_time_points([later, untimed], frozenset({("year", "1")})) == [later]
    assert at_time_points([later], frozenset()) == [later]


def test_medicine_names_are_recognised_by_their_stems() -> None:
    assert all(drug_like(w) for w in ("rivaroxaban", "dupilumab", "tirzepatide", "osimertinib", "lisinopril"))
    assert not any(drug_like(w) for w in ("hospital", "warfarin", "Zorbex", "analysis"))


def test_units_quote_a_lead_in_only_with_its_bullets() -> None:
    chunk = _chunk(
        "Zorbex is contraindicated in patients with the following conditions:\n"
        "\u2022 Active pathological bleeding\n\u2022 Severe hypersensitivity to Zorbex"
    )
    got = {(text, shape) for text, shape, _ in units(chunk)}
    assert (
        "Zorbex is contraindicated in patients with the following conditions: "
        "Active pathological bleeding; Severe hypersensitivity to Zorbex",
        "list",
    ) in got
    assert ("Severe hypersensitivity to Zorbex", "item") in got
    assert not any(shape == "sentence" and text.endswith(":") for text, shape in got)


def test_units_pair_neighbouring_sentences_and_keep_table_rows_with_their_header() -> None:
    prose = _chunk("Zorbex reduced events. The hazard ratio was 0.74 (95% CI 0.58, 0.95).")
    assert ("Zorbex reduced events. The hazard ratio was 0.74 (95% CI 0.58, 0.95).", "window") in {
        (t, s) for t, s, _ in units(prose)
    }
    table = _chunk("Table 9: Outcomes Drug Placebo\nStroke 212 (1.27) 265 (1.60)", kind="table")
    assert units(table) == [
        (
            "Table 9: Outcomes Drug Placebo | Stroke 212 (1.27) 265 (1.60)",
            "row",
            ("Table 9: Outcomes Drug Placebo Stroke 212 (1.27) 265 (1.60)",),
        )
    ]


def test_short_slide_bullets_are_still_quotable() -> None:
    slide = _chunk("Script Repository\nMIT license chosen", media="pptx", section_kind="slide")
    assert "MIT license chosen" in {t for t, _, _ in units(slide)}


def test_routing_prefers_the_section_that_answers_the_kind_and_drops_reference_lists() -> None:
    chunks = {
        "a": _chunk("x", id="a", section_kind="patient_info"),
        "b": _chunk("y", id="b", section_kind="contraindications"),
        "c": _chunk("z", id="c", section_kind="references"),
    }
    hits = [Hit("c", 0.9), Hit("a", 0.8), Hit("b", 0.75)]
    routed = route(hits, chunks, understand("Who should not take Zorbex?"), RoutingConfig(read=2))
    assert [h.chunk_id for h in routed] == ["b", "a"]


def test_merge_keeps_the_better_score_and_neighbours_share_page_and_section() -> None:
    merged = merge_hits([Hit("a", 0.5), Hit("b", 0.4)], [Hit("b", 0.7), Hit("c", 0.1)])
    assert [(h.chunk_id, h.score) for h in merged] == [("b", 0.7), ("a", 0.5), ("c", 0.1)]
    top = _chunk("top", seq=1, id="v-00001")
    after = _chunk("after", seq=2, id="v-00002")
    other_page = _chunk("before", seq=0, id="v-00000", page=2)
    store = {c.id: c for c in (top, after, other_page)}
    hits, chunks = with_neighbours(
        [Hit("v-00001", 1.0)], {"v-00001": top}, lambda ids: {i: store[i] for i in ids if i in store}, RoutingConfig()
    )
    assert [h.chunk_id for h in hits] == ["v-00001", "v-00002"]
    assert "v-00000" not in chunks


def test_shipped_support_model_names_only_known_features() -> None:
    path = Path(__file__).resolve().parents[2] / "hub" / "answer_model.json"
    raw = json.loads(path.read_text())
    model = SupportModel.from_json(raw)
    assert set(model.weights) == set(FEATURES)
    assert model.question_weights is not None and set(model.question_weights) == set(QUESTION_FEATURES)
    assert 0.0 < (model.threshold or 0.0) < 1.0
    with pytest.raises(ValueError, match="unknown features"):
        SupportModel.from_json({**raw, "weights": {**raw["weights"], "made_up": 1.0}})


@pytest.mark.slow
def test_a_contraindication_question_is_answered_with_the_lead_in_and_its_bullets(make_hub, tmp_path) -> None:
    from tests.ingest.test_structure import _pdf

    pages = [
        [
            (72, 740, "2 DOSAGE AND ADMINISTRATION", "Helvetica-Bold", 11),
            (72, 720, "The recommended dose of Zorbex is 150 mg given once every four weeks.", "Helvetica", 10),
        ],
        [
            (72, 740, "4 CONTRAINDICATIONS", "Helvetica-Bold", 11),
            (72, 720, "Zorbex is contraindicated in patients with the following conditions:", "Helvetica", 10),
            (72, 704, "\u2022 Active pathological bleeding", "Helvetica", 10),
            (72, 690, "\u2022 Severe hypersensitivity reaction to Zorbex", "Helvetica", 10),
        ],
        [
            (72, 740, "6 ADVERSE REACTIONS", "Helvetica-Bold", 11),
            (72, 720, "The most common adverse reactions were headache and nausea.", "Helvetica", 10),
        ],
    ]
    path = tmp_path / "zorbex-label.pdf"
    path.write_bytes(_pdf(pages))
    hub = make_hub()
    from ingest.metadata import parse_metadata

    meta = parse_metadata({"title": "Zorbex label", "doc_type": "label", "version": "1"})
    hub.ingestion.ingest_bytes(path.read_bytes(), path.name, meta)
    answer = hub.ask("Who should not get Zorbex at all?")
    assert not answer.refused, answer.reason
    first = answer.citations[0]
    assert first.page == 2 and first.section_kind == "contraindications"
    assert "Active pathological bleeding; Severe hypersensitivity reaction to Zorbex" in first.quote
    assert answer.answer.splitlines()[0].endswith("[1]")
    refused = hub.ask("What is the price of Zorbex in Japan?")
    assert refused.refused and "Japan" in (refused.reason or "")
    # A value the label does not state is refused, naming the kind asked for.
    no_rate = hub.ask("What percentage of patients had headache with Zorbex?")
    assert no_rate.refused and "percentage" in (no_rate.reason or "")
    dose = hub.ask("What is the recommended dose of Zorbex?")
    assert not dose.refused and "150 mg" in dose.citations[0].quote
    other = hub.ask("Has Zorbex been compared with rivaroxaban?")
    assert other.refused and "rivaroxaban" in (other.reason or "")
