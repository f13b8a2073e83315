"""Question kinds, quotable units, routing and the support model: rules on small inputs written here,
and one end-to-end answer through the real hub (model, Chroma, SQLite)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from hub.answering import units
from hub.question import holds_kind, understand
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
            (72, 720, "The most common adverse reactions were headache and nausea in 5% of patients.", "Helvetica", 10),
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
