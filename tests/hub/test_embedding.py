"""The encoder backends: the OpenVINO model agrees with the torch reference, is cached, names itself
distinctly, and falls back to torch (with the reason) whenever it cannot be trusted or used.

Converted models go to a per-session temp cache; nothing is written into the repository or ~/.cache.
No timing is asserted (``require_speedup=False``): speed lives in ``hub bench ingest``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hub.embedding import CHECK_TEXTS, Embedder, resolve_precision
from hub.settings import Settings

TEXTS = [
    "What is the recommended maintenance dose of Zorbex?",
    "Zorbex 45 mg is injected subcutaneously every twelve weeks after two loading doses.",
    "Store in a refrigerator; do not freeze. Keep the pre-filled syringe in the carton to protect it from light.",
]
# Over 128 word pieces, so only an encoder that reads up to 256 sees the tail (the shipped
# tokenizer.json truncates at 128).
HEAD = "The phase 3 trial enrolled adults with moderate to severe plaque psoriasis across forty sites. " * 12
TAIL_A = "Injection-site reactions were mild and resolved without treatment."
TAIL_B = "Serious infections led to discontinuation in three patients on the higher dose."


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("encoders")


@pytest.fixture(scope="session")
def ov_fp32(cache_dir) -> Embedder:
    pytest.importorskip("openvino")
    return Embedder(backend="openvino", precision="fp32", cache_dir=cache_dir, require_speedup=False)


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1)


def test_openvino_fp32_agrees_with_torch_and_reads_past_128_tokens(ov_fp32, embedder):
    assert ov_fp32.active_backend == "openvino", ov_fp32.fallback_reason
    texts = [*TEXTS, HEAD + TAIL_A, *CHECK_TEXTS]
    fast, ref = ov_fp32.encode(texts), embedder.encode(texts)
    assert fast.shape == ref.shape == (len(texts), 384)
    assert fast.dtype == np.float32
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-4)
    assert _cos(fast, ref).min() > 0.9999
    # The words after token 128 change the vector: truncation was overridden to 256.
    a, b = ov_fp32.encode([HEAD + TAIL_A, HEAD + TAIL_B])
    assert float(a @ b) < 0.999
    assert ov_fp32.check["min_cosine"] >= ov_fp32.check["threshold"]


def test_openvino_vectors_do_not_depend_on_batch_company(ov_fp32):
    alone = ov_fp32.encode([TEXTS[0]])
    crowd = ov_fp32.encode([HEAD + TAIL_A, TEXTS[2], TEXTS[0], TEXTS[1]])
    assert float(alone[0] @ crowd[2]) > 0.99999


def test_model_id_names_backend_and_precision(ov_fp32, embedder):
    assert embedder.model_id.endswith("@256")
    assert ov_fp32.model_id == embedder.model_id + "+openvino-fp32"
    assert ov_fp32.dimension == embedder.dimension == 384
    assert ov_fp32.batch_size == embedder.batch_size


def test_converted_model_is_cached_and_reloaded(ov_fp32, cache_dir):
    assert len(list(cache_dir.glob("*-fp32-*/model.xml"))) == 1
    again = Embedder(backend="openvino", precision="fp32", cache_dir=cache_dir, require_speedup=False)
    assert again.cache_hit is True
    assert again.active_backend == "openvino"
    assert np.allclose(again.encode(TEXTS), ov_fp32.encode(TEXTS), atol=1e-6)


def test_unavailable_device_falls_back_to_torch(cache_dir, embedder, caplog):
    pytest.importorskip("openvino")
    with caplog.at_level("WARNING", logger="hub.embedding"):
        e = Embedder(
            backend="openvino", precision="fp32", device="NO_SUCH_DEVICE", cache_dir=cache_dir, require_speedup=False
        )
    assert e.active_backend == "torch"
    assert "NO_SUCH_DEVICE" in (e.fallback_reason or "")
    assert "falling back to torch" in caplog.text
    assert e.model_id == embedder.model_id  # the vectors are torch's, and say so
    assert _cos(e.encode(TEXTS), embedder.encode(TEXTS)).min() > 0.99999


def test_int8_without_calibration_text_falls_back(tmp_path, cache_dir):
    pytest.importorskip("openvino")
    empty = tmp_path / "no-docs"
    empty.mkdir()
    e = Embedder(backend="openvino", precision="int8", calibration=empty, cache_dir=cache_dir, require_speedup=False)
    assert e.active_backend == "torch"
    assert "calibration" in (e.fallback_reason or "")


@pytest.mark.slow  # converts and calibrates an int8 encoder: ~30 s
def test_int8_calibrated_on_given_text_stays_close_to_torch(tmp_path, cache_dir, embedder):
    pytest.importorskip("nncf")
    calibration = tmp_path / "calibration.txt"
    calibration.write_text("\n".join([*TEXTS, *CHECK_TEXTS, HEAD + TAIL_A, HEAD + TAIL_B] * 2))
    e = Embedder(
        backend="openvino",
        precision="int8",
        calibration=calibration,
        cache_dir=cache_dir,
        calibration_texts=24,
        require_speedup=False,
    )
    assert e.active_backend == "openvino", e.fallback_reason
    assert "+openvino-int8-c" in e.model_id  # the calibration set is part of the identity
    assert _cos(e.encode(TEXTS), embedder.encode(TEXTS)).min() > 0.97
    alone, crowd = e.encode([TEXTS[1]]), e.encode([HEAD + TAIL_B, TEXTS[1]])
    assert float(alone[0] @ crowd[1]) > 0.9999  # static int8: no dependence on the batch


def test_from_settings_and_precision_resolution(cache_dir):
    e = Embedder.from_settings(
        Settings(embedding_backend="torch", embedding_batch_size=7, embedding_cache_dir=cache_dir)
    )
    assert e.active_backend == "torch" and e.batch_size == 7
    assert resolve_precision("auto", {"avx2", "avx512_bf16"}) == "bf16"
    assert resolve_precision("auto", {"avx2"}) == "fp32"
    assert resolve_precision("int8", {"avx2"}) == "int8"
    with pytest.raises(ValueError):
        Settings(embedding_backend="onnx")
