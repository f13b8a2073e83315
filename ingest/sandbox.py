"""Parse and chunk one file in a separate, resource-limited worker process.

Parsers run on uploaded bytes, which may be hostile: a decompression bomb, a billion-laughs XML
part, a PDF whose content stream takes minutes to interpret. Run inside the server, one such file
can take all the memory (which Python then keeps) or a core for minutes. So every file is read by
a fresh worker process, forked from a small fork server that has the parsers imported
(:class:`_Zygote`). Before it touches the file the worker limits its own address space
(``RLIMIT_AS``) and CPU time (``RLIMIT_CPU``), and it is killed at the wall-clock limit. When it
dies, all its memory goes back to the system. Inside the worker the OOXML package checks
(:mod:`ingest.package_guard`) run before the parser, and the chunk size is
enforced on the result (:mod:`ingest.chunk_limits`).

The worker answers with one JSON object over a pipe (raw bytes, never pickle: the worker's output
is treated as untrusted too).
Every failure comes back as an :class:`~ingest.errors.IngestError` with a message naming the limit.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import queue
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ingest.chunking import ChunkingConfig, chunk_document
from ingest.errors import CorruptFile, IngestError, ResourceLimitExceeded
from ingest.model import Chunk
from ingest.package_guard import PackageLimits

log = logging.getLogger(__name__)

MIB = 1 << 20


@dataclass(frozen=True)
class ParseLimits:
    """Limits for parsing one file."""

    timeout_seconds: float = 60.0
    max_memory_bytes: int = 1536 * MIB
    package: PackageLimits = field(default_factory=PackageLimits)
    workers: int = 2


@dataclass
class ParseOutcome:
    """What the worker made of one file."""

    media_type: str
    page_count: int
    chunks: list[Chunk]
    seconds: dict[str, float]


class SandboxedParser:
    """Parses files in worker processes, at most ``limits.workers`` at a time."""

    def __init__(self, chunking: ChunkingConfig, limits: ParseLimits | None = None) -> None:
        self.chunking = chunking
        self.limits = limits or ParseLimits()
        _ensure_zygotes(self.limits.workers)

    @property
    def hard_max_words(self) -> int:
        """No chunk is longer than this: the larger of the prose and the table size."""
        return max(self.chunking.max_words, self.chunking.table_max_words)

    def parse(self, data: bytes, file_name: str) -> ParseOutcome:
        """Parse and chunk ``data`` in a worker; raises :class:`IngestError` subclasses."""
        header = {
            "file_name": file_name,
            "chunking": dataclasses.asdict(self.chunking),
            "hard_max_words": self.hard_max_words,
            "max_memory_bytes": self.limits.max_memory_bytes,
            "cpu_seconds": max(1, int(self.limits.timeout_seconds) + 1),
            "timeout_seconds": self.limits.timeout_seconds,
            "package": dataclasses.asdict(self.limits.package),
        }
        return self._run(header, data, file_name)

    def _run(self, header: dict[str, Any], data: bytes, file_name: str) -> ParseOutcome:
        zygote = _ZYGOTES.get()
        try:
            reply = zygote.request(header, data, self.limits.timeout_seconds + 30)
        except (OSError, ValueError, TimeoutError) as exc:
            log.error("parse fork server failed (%s); starting a new one", exc)
            zygote.close()
            zygote = _Zygote()
            raise CorruptFile(
                "the parser stopped on this file; try again, or save the file again", file=file_name
            ) from exc
        finally:
            _ZYGOTES.put(zygote)
        if reply.get("timeout"):
            raise self._time_limit(file_name)
        if "answer" not in reply:
            raise self._crashed(int(reply.get("status", 0)), file_name)
        answer = reply["answer"]
        if not answer.get("ok"):
            raise _error_from(answer, file_name)
        names = {f.name for f in dataclasses.fields(Chunk)}
        chunks = [Chunk(**{k: v for k, v in c.items() if k in names}) for c in answer["chunks"]]
        return ParseOutcome(answer["media_type"], int(answer["page_count"]), chunks, answer.get("seconds", {}))

    def _time_limit(self, file_name: str) -> ResourceLimitExceeded:
        return ResourceLimitExceeded(
            f"parsing took longer than the {self.limits.timeout_seconds:g} s limit (HUB_PARSE_TIMEOUT_SECONDS) and "
            "was stopped; the file may be malformed or built to be slow to read. Save it again (e.g. print to PDF)",
            limit="HUB_PARSE_TIMEOUT_SECONDS",
            file=file_name,
        )

    def _memory_limit(self, file_name: str) -> ResourceLimitExceeded:
        return ResourceLimitExceeded(
            f"parsing needed more than the {self.limits.max_memory_bytes / MIB:.0f} MiB memory limit "
            "(HUB_PARSE_MAX_MEMORY_MB) and was stopped; the file may be a decompression bomb or hold very large "
            "embedded content",
            limit="HUB_PARSE_MAX_MEMORY_MB",
            file=file_name,
        )

    def _crashed(self, status: int, file_name: str) -> IngestError:
        log.warning("parse worker for %s ended with wait status %s and no answer", file_name, status)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        if code == -signal.SIGXCPU:
            return self._time_limit(file_name)
        if code in (-signal.SIGKILL, -signal.SIGSEGV, -signal.SIGABRT, 1):
            # Not killed by us: the kernel's OOM killer, or an allocation failing outside Python's reach.
            return self._memory_limit(file_name)
        return CorruptFile("the parser stopped on this file; it may be damaged. Save it again", file=file_name)


def _error_from(answer: dict[str, Any], file_name: str) -> IngestError:
    message = str(answer.get("message") or "the file could not be read")[:2000]
    if answer.get("kind") == "ResourceLimitExceeded":
        return ResourceLimitExceeded(message, limit=str(answer.get("limit") or ""), file=file_name)
    import ingest.errors as errors

    cls = getattr(errors, str(answer.get("kind")), None)
    if isinstance(cls, type) and issubclass(cls, IngestError) and cls is not errors.BadMetadata:
        return cls(message, file=file_name)
    return CorruptFile(message, file=file_name)


# --- the worker side -------------------------------------------------------------------------


def _rss() -> int:
    import resource

    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def _limit_self(max_memory_bytes: int, cpu_seconds: int) -> None:
    import resource

    # A forked worker already maps what its parent imported: the limit is on top of that.
    with open("/proc/self/statm") as f:
        mapped = int(f.read().split()[0]) * resource.getpagesize()
    limit = mapped + max_memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu = int(used.ru_utime + used.ru_stime) + cpu_seconds
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 2))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _near_memory_limit(header: dict[str, Any]) -> bool:
    """Whether this worker's peak memory came within reach of its limit (over half of the allowance)."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return peak - int(header.get("_rss_at_start", 0)) > int(header["max_memory_bytes"]) // 2


def _describe(exc: BaseException, header: dict[str, Any]) -> dict[str, Any]:
    """Turn any failure inside the worker into a JSON answer with a message for the uploader."""
    if isinstance(exc, ResourceLimitExceeded):
        return {"ok": False, "kind": "ResourceLimitExceeded", "message": exc.message, "limit": exc.limit}
    if isinstance(exc, IngestError):
        return {"ok": False, "kind": type(exc).__name__, "message": exc.message}
    if isinstance(exc, MemoryError):
        limit = header["max_memory_bytes"] / MIB
        return {
            "ok": False,
            "kind": "ResourceLimitExceeded",
            "limit": "HUB_PARSE_MAX_MEMORY_MB",
            "message": f"parsing needed more than the {limit:.0f} MiB memory limit (HUB_PARSE_MAX_MEMORY_MB) and "
            "was stopped; the file may be a decompression bomb or hold very large embedded content",
        }
    if isinstance(exc, RecursionError):
        return {
            "ok": False,
            "kind": "ResourceLimitExceeded",
            "limit": "nesting depth",
            "message": "the file nests its structure too deeply to read safely; save it again",
        }
    kind = type(exc).__name__
    module = type(exc).__module__
    if _near_memory_limit(header) and ("unknown error" in str(exc) or "allocation failed" in str(exc).lower()):
        # libxml2 reports a failed allocation as a generic parse error.
        return _describe(MemoryError(), header)
    if module.startswith("lxml") or "XMLSyntax" in kind or "ParseError" in kind:
        detail = str(exc).splitlines()[0][:200] if str(exc) else kind
        return {
            "ok": False,
            "kind": "CorruptFile",
            "message": f"the file holds malformed or unsafe XML ({detail}); save it again from the authoring "
            "application",
        }
    if "LimitReached" in kind:
        return {
            "ok": False,
            "kind": "ResourceLimitExceeded",
            "limit": "parser stream limit",
            "message": f"a stream in the file decompresses past the parser's safety limit ({kind}); "
            "the file may be a decompression bomb",
        }
    return {
        "ok": False,
        "kind": "CorruptFile",
        "message": f"the file could not be read ({kind}); it may be damaged. Save it again",
    }


def _work(header: dict[str, Any], data: bytes) -> dict[str, Any]:
    from ingest.chunk_limits import enforce_chunk_size
    from ingest.loaders import load_document
    from ingest.package_guard import check_package

    name = header["file_name"]
    t0 = time.perf_counter()
    check_package(data, name, PackageLimits(**header["package"]))
    parsed = load_document(data, name)
    del data
    t1 = time.perf_counter()
    chunks = chunk_document(parsed, ChunkingConfig(**header["chunking"]))
    chunks = enforce_chunk_size(chunks, int(header["hard_max_words"]))
    t2 = time.perf_counter()
    return {
        "ok": True,
        "media_type": parsed.media_type,
        "page_count": parsed.page_count,
        "chunks": [dataclasses.asdict(c) for c in chunks],
        "seconds": {"parse": t1 - t0, "chunk": t2 - t1},
    }


# Fork servers are shared by every parser in the process (they hold no per-hub state): one per
# concurrent parse, so ``workers`` also bounds how many files are parsed at once.
_ZYGOTES: queue.Queue[_Zygote] = queue.Queue()
_zygote_count = 0
_zygote_lock = threading.Lock()


def _ensure_zygotes(n: int) -> None:
    global _zygote_count
    with _zygote_lock:
        while _zygote_count < n:
            _ZYGOTES.put(_Zygote())
            _zygote_count += 1


class _Zygote:
    """A fork server: a clean ``python -m ingest.sandbox`` with the parsers imported, forking one
    worker per file. It is a fresh interpreter, not a fork of the server (whose threads and model
    must not be copied), and forking it costs milliseconds instead of the parsers' import time.

    Protocol on its stdin: one JSON header line with ``size``, then that many bytes of the file;
    on its stdout: one JSON line ``{"answer": ...}``, ``{"timeout": true}`` or ``{"status": N}``.
    """

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None

    def _started(self) -> subprocess.Popen[bytes]:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "ingest.sandbox"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
            )
        return self.proc

    def request(self, header: dict[str, Any], data: bytes, timeout: float) -> dict[str, Any]:
        proc = self._started()
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps({**header, "size": len(data)}).encode() + b"\n")
        proc.stdin.write(data)
        proc.stdin.flush()
        ready, _, _ = select.select([proc.stdout], [], [], timeout)
        if not ready:
            raise TimeoutError("the fork server did not answer")
        line = proc.stdout.readline()
        if not line:
            raise OSError("the fork server exited")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


def _serve() -> None:
    """The fork server's loop (see :class:`_Zygote`)."""
    from ingest import chunk_limits, loaders, package_guard, sentences  # noqa: F401  (imported once, here)

    for module in ("pypdf", "pptx", "docx", "bs4", "markdown_it", "lxml.etree"):
        __import__(module)

    sentences.split_sentences("Warm up. The tokenizer loads once, here.")
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        line = stdin.readline()
        if not line:
            return
        header = json.loads(line)
        data = stdin.read(int(header["size"]))
        reply = _fork_one(header, data)
        stdout.write(json.dumps(reply).encode() + b"\n")
        stdout.flush()


def _fork_one(header: dict[str, Any], data: bytes) -> dict[str, Any]:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker: limit itself, parse, answer, exit without running any cleanup
        os.close(read_fd)
        code = 0
        try:
            _limit_self(int(header["max_memory_bytes"]), int(header["cpu_seconds"]))
            header["_rss_at_start"] = _rss()
            try:
                answer = _work(header, data)
            except BaseException as exc:  # every failure becomes an answer; the parent maps it to a 422
                answer = _describe(exc, header)
            del data
            out = json.dumps(answer, ensure_ascii=False).encode("utf-8")
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(out)
        except BaseException:
            code = 1
        os._exit(code)
    os.close(write_fd)
    del data
    deadline = time.monotonic() + float(header["timeout_seconds"])
    chunks: list[bytes] = []
    timed_out = False
    with os.fdopen(read_fd, "rb", buffering=0) as pipe:
        while True:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([pipe], [], [], max(0.0, left)) if left > 0 else ([], [], [])
            if not ready:
                timed_out = True
                os.kill(pid, signal.SIGKILL)
                break
            piece = pipe.read(1 << 20)
            if not piece:
                break
            chunks.append(piece)
    _, status = os.waitpid(pid, 0)
    if timed_out:
        return {"timeout": True}
    raw = b"".join(chunks)
    try:
        return {"answer": json.loads(raw)} if raw and status == 0 else {"status": status}
    except ValueError:
        return {"status": status}


if __name__ == "__main__":
    _serve()
