"""Support of a quotable unit: features, and the fitted model that turns them into a probability.

The features are computed the same way at answer time and when the model is fitted
(``evals/answer_model.py``), so the shipped coefficients (``hub/answer_model.json``) mean the same
thing in both places. Everything here is cheap arithmetic on values the composer already has.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from hub.question import QuestionIntent, holds_kind
from ingest.sections import PATIENT_FACING

FEATURES = (
    "sentence_cos",
    "chunk_cos",
    "fused",
    "lexical",
    "rank_inv",
    "coverage",
    "unit_coverage",
    "focus_loss",
    "unknown_share",
    "kind_match",
    "kind_specific",
    "section_match",
    "highlights",
    "patient",
    "shape_window",
    "shape_item",
    "shape_list",
    "shape_row",
    "words_log",
    "has_number",
    "q_numbers",
    "comparative_gap",
    "key_coverage",
    "unknown_key",
)
# Question-level features: is the question answerable from these candidates at all?
QUESTION_FEATURES = (
    "best",
    "best_kind",
    "top_kind",
    "unknown_key",
    "focus_loss",
    "key_coverage",
    "numbers",
)
DEFAULT_MODEL_PATH = Path(__file__).with_name("answer_model.json")


def question_features(specific_kind: bool, ranked: list[tuple[float, dict[str, float]]]) -> dict[str, float]:
    """Features of the question as a whole, from its candidates ranked by unit support.

    ``ranked``: (support, unit features) best first.
    """
    if not ranked:
        return dict.fromkeys(QUESTION_FEATURES, 0.0)
    best, feats = ranked[0]
    top_kind = any(f["kind_match"] for _, f in ranked[:3])
    return {
        "best": best,
        "best_kind": float(feats["kind_match"] or not specific_kind),
        "top_kind": float(top_kind or not specific_kind),
        "unknown_key": feats["unknown_key"],
        "focus_loss": feats["focus_loss"],
        "key_coverage": feats["key_coverage"],
        "numbers": feats["q_numbers"],
    }


def features(
    *,
    intent: QuestionIntent,
    text: str,
    shape: str,
    section_kind: str,
    sentence_cos: float,
    chunk_cos: float,
    fused: float,
    lexical: float,
    rank: int,
    unit_terms: set[str],
    context_terms: set[str],
    idf: Mapping[str, float],
    unknown: set[str],
    focus_loss: float,
    key_terms: list[list[str]] | None = None,
) -> dict[str, float]:
    """The feature vector of one unit (see :data:`FEATURES` for the order used by the model)."""
    total = sum(idf.values())
    found = unit_terms | context_terms
    coverage = sum(w for t, w in idf.items() if t in found) / total if total else 0.0
    unit_coverage = sum(w for t, w in idf.items() if t in unit_terms) / total if total else 0.0
    unknown_share = sum(w for t, w in idf.items() if t in unknown) / total if total else 0.0
    specific = intent.kind not in ("other", "yes_no", "definition")
    kind_match = holds_kind(intent.kind, text)
    keys = key_terms or []
    key_found = [any(t in found for t in k) for k in keys]
    key_unknown = [all(t in unknown for t in k) for k in keys]
    numbers_hit = 0.0
    if intent.numbers:
        numbers_hit = sum(1 for n in intent.numbers if n in text) / len(intent.numbers)
    return {
        "sentence_cos": sentence_cos,
        "chunk_cos": chunk_cos,
        "fused": fused,
        "lexical": lexical,
        "rank_inv": 1.0 / (1 + rank),
        "coverage": coverage,
        "unit_coverage": unit_coverage,
        "focus_loss": focus_loss,
        "unknown_share": unknown_share,
        "kind_match": float(kind_match),
        "kind_specific": float(specific and kind_match),
        "section_match": float(section_kind in intent.sections),
        "highlights": float(section_kind == "highlights"),
        "patient": float(section_kind in PATIENT_FACING),
        "shape_window": float(shape == "window"),
        "shape_item": float(shape == "item"),
        "shape_list": float(shape == "list"),
        "shape_row": float(shape == "row"),
        "words_log": math.log1p(len(text.split())) / 5,
        "has_number": float(any(ch.isdigit() for ch in text)),
        "q_numbers": numbers_hit,
        "comparative_gap": float(intent.comparative and unknown_share > 0),
        "key_coverage": sum(key_found) / len(keys) if keys else 1.0,
        "unknown_key": sum(key_unknown) / len(keys) if keys else 0.0,
    }


@dataclass(frozen=True)
class SupportModel:
    """Logistic regression over :data:`FEATURES`: P(the unit holds the answer).

    ``threshold`` is the refusal threshold chosen with the model (leave-one-document-out, for a
    bounded false-refusal rate); None leaves it to settings.
    """

    weights: dict[str, float]
    bias: float
    threshold: float | None = None
    source: str = ""
    question_weights: dict[str, float] | None = None  # P(answerable) over QUESTION_FEATURES
    question_bias: float = 0.0

    def predict(self, feats: Mapping[str, float]) -> float:
        return _sigmoid(self.bias + sum(w * feats.get(name, 0.0) for name, w in self.weights.items()))

    def answerable(self, qfeats: Mapping[str, float]) -> float:
        """P(the question is answerable from its candidates); the best unit's support without a
        question model."""
        if not self.question_weights:
            return float(qfeats.get("best", 0.0))
        return _sigmoid(self.question_bias + sum(w * qfeats.get(n, 0.0) for n, w in self.question_weights.items()))

    def to_json(self) -> dict[str, object]:
        return {
            "weights": self.weights,
            "bias": self.bias,
            "question_weights": self.question_weights,
            "question_bias": self.question_bias,
            "threshold": self.threshold,
            "source": self.source,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, object]) -> SupportModel:
        weights = {str(k): float(v) for k, v in dict(raw["weights"]).items()}  # type: ignore[call-overload]
        unknown = set(weights) - set(FEATURES)
        if unknown:
            raise ValueError(f"answer model has unknown features: {sorted(unknown)}")
        threshold = raw.get("threshold")
        qw = raw.get("question_weights")
        question = {str(k): float(v) for k, v in dict(qw).items()} if qw else None  # type: ignore[call-overload]
        if question and set(question) - set(QUESTION_FEATURES):
            raise ValueError(
                f"answer model has unknown question features: {sorted(set(question) - set(QUESTION_FEATURES))}"
            )
        return cls(
            weights,
            float(raw["bias"]),  # type: ignore[arg-type]
            None if threshold is None else float(threshold),  # type: ignore[arg-type]
            str(raw.get("source", "")),
            question,
            float(raw.get("question_bias", 0.0)),  # type: ignore[arg-type]
        )

    @classmethod
    def load(cls, path: Path | None = None) -> SupportModel:
        """The fitted model shipped with the hub (or one at ``path``)."""
        path = path or DEFAULT_MODEL_PATH
        if not path.exists():
            return cls.fallback()
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))

    @classmethod
    def fallback(cls) -> SupportModel:
        """Hand-set weights used only when no fitted model is present (a fresh checkout before
        ``hub eval answer-model`` has written one): similarity and term coverage."""
        return cls({"sentence_cos": 4.0, "chunk_cos": 2.0, "coverage": 3.0, "kind_match": 1.0}, -5.0, 0.5, "fallback")


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
