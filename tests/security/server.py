"""A real `hub serve` on a loopback port, with its memory watched (psutil), for the hostile-input tests.

``python -m tests.security.server`` prints the peak-memory figures quoted in the closing note.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

from hub.server_process import served
from tests.conftest import ROOT

HOST = "127.0.0.1"
PORT = 18131  # this range is 18100-18199
MIB = 1 << 20


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    keys: dict[str, str]
    spool: Path

    def rss(self) -> int:
        """Resident memory of the server process itself (parse workers are separate processes)."""
        return psutil.Process(self.proc.pid).memory_info().rss

    def written(self) -> int:
        """Bytes the server process has written with write(2) so far: a spooled upload shows here
        even in an unnamed temporary file that no directory listing can see."""
        return psutil.Process(self.proc.pid).io_counters().write_chars


def _make_users(data_dir: Path, roles: tuple[str, ...]) -> dict[str, str]:
    from hub.audit import AuditLog
    from hub.auth import UserStore
    from hub.catalog import Catalog, make_engine
    from hub.settings import Settings

    settings = Settings(data_dir=data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    catalog = Catalog(make_engine(settings.resolved_database_url()))
    now = lambda: dt.datetime.now(dt.UTC)  # noqa: E731
    users = UserStore(catalog.engine, AuditLog(catalog.engine, now=now), now=now)
    return {role: users.add(f"sec-{role}".replace("_", "-"), role)[1] for role in roles}


@contextmanager
def running(base: Path, port: int = PORT, roles: tuple[str, ...] = ("msl", "content_owner")) -> Iterator[Server]:
    data_dir, spool = base / "data", base / "spool"
    spool.mkdir(parents=True, exist_ok=True)
    keys = _make_users(data_dir, roles)
    env = {
        **os.environ,
        "HUB_DATA_DIR": str(data_dir),
        "HUB_EMBEDDING_BACKEND": "torch",
        "TMPDIR": str(spool),  # where a multipart upload would be spooled
        "HF_HUB_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    with served(port, args=["--no-ui"], env=env, cwd=ROOT, wait=300) as server:
        yield Server(server.process, port, keys, spool)


def _request(
    port: int, head: bytes, body_chunks: Iterator[bytes] | None = None, timeout: float = 120
) -> tuple[int, dict]:
    """Send a raw request (the body may be refused part-way); returns the status and JSON body."""
    with socket.create_connection((HOST, port), timeout=timeout) as sock:
        sock.sendall(head)
        try:
            for chunk in body_chunks or ():
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed without reading the rest: what we want to see
        data = b""
        try:
            while b"\r\n\r\n" not in data or len(data) < _expected_length(data):
                piece = sock.recv(65536)
                if not piece:
                    break
                data += piece
        except ConnectionResetError:
            pass
    head_part, _, body = data.partition(b"\r\n\r\n")
    status = int(head_part.split(b" ", 2)[1]) if head_part else 0
    try:
        return status, json.loads(body) if body else {}
    except ValueError:
        return status, {"raw": body[:200].decode("latin-1")}


def _expected_length(data: bytes) -> int:
    head, sep, _ = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(head) + len(sep) + int(line.split(b":")[1])
    return len(data) + 1


@contextmanager
def peak_rss(server: Server) -> Iterator[dict[str, int]]:
    """Samples the server's RSS every 20 ms; yields a dict that gets before/peak/after in bytes."""
    out = {"before": server.rss(), "peak": 0, "written_before": server.written()}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            out["peak"] = max(out["peak"], server.rss())
            time.sleep(0.02)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield out
    finally:
        stop.set()
        thread.join()
        time.sleep(0.5)
        out["after"] = server.rss()
        out["written"] = server.written() - out["written_before"]
        out["peak"] = max(out["peak"], out["after"])


def post_json_body(server: Server, size: int, key: str | None = None) -> tuple[int, dict]:
    """POST ``size`` bytes of JSON to /api/ask (declared Content-Length)."""
    auth = f"Authorization: Bearer {key}\r\n" if key else ""
    head = (
        f"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{auth}"
        f"Content-Length: {size + 2}\r\n\r\n"
    ).encode()
    chunk = b" " * MIB
    body = iter([b"{", *(chunk for _ in range(size // MIB)), b"}"])
    return _request(server.port, head, body)


def post_chunked_json(server: Server, size: int, key: str) -> tuple[int, dict]:
    """POST ``size`` bytes of JSON to /api/ask with chunked transfer encoding (no Content-Length)."""
    head = (
        "POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {key}\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    piece = b" " * MIB
    frame = b"%x\r\n" % len(piece) + piece + b"\r\n"
    body = iter([*(frame for _ in range(size // MIB)), b"0\r\n\r\n"])
    return _request(server.port, head, body)


def post_upload(server: Server, data: bytes, name: str, key: str | None = None, pad: int = 0) -> tuple[int, dict]:
    """Multipart upload of ``data`` (plus ``pad`` bytes of padding) to /api/documents."""
    boundary = "secboundary"
    meta = json.dumps({"title": name, "doc_type": "slide_deck", "version": "1", "status": "draft"})
    before = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n{meta}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    after = f"\r\n--{boundary}--\r\n".encode()
    auth = f"Authorization: Bearer {key}\r\n" if key else ""
    length = len(before) + len(data) + pad + len(after)
    head = (
        f"POST /api/documents HTTP/1.1\r\nHost: x\r\n{auth}"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {length}\r\n\r\n"
    ).encode()
    padding = (b"\0" * MIB for _ in range(pad // MIB))
    return _request(server.port, head, iter([before, data, *padding, after]), timeout=300)


def main() -> None:
    """Print the figures for the closing note: peak server memory for each hostile request."""
    from tests.security import hostile

    parent = "/tmp/h12" if Path("/tmp/h12").exists() else None
    with tempfile.TemporaryDirectory(prefix="h12-", dir=parent) as tmp, running(Path(tmp)) as server:
        owner = server.keys["content_owner"]
        bomb = b"" if "--no-bomb" in sys.argv else hostile.slide_bomb(575)
        cases = [
            ("keyless 800 MiB JSON to /api/ask", lambda: post_json_body(server, 800 * MIB)),
            (
                "msl 800 MiB chunked JSON to /api/ask",
                lambda: post_chunked_json(server, 800 * MIB, server.keys["msl"]),
            ),
            (
                "keyless 300 MiB multipart to /api/documents",
                lambda: post_upload(server, b"x", "big.pdf", pad=300 * MIB),
            ),
            (
                "keyless 40 MiB multipart to /api/documents (within the size cap)",
                lambda: post_upload(server, b"x", "mid.pdf", pad=40 * MIB),
            ),
        ]
        if "--no-bomb" not in sys.argv:  # the old code needs ~9 GB for this one: skip it there
            cases.append(
                (
                    f"owner {len(bomb) / MIB:.1f} MiB PPTX bomb (575 MiB slide XML)",
                    lambda: post_upload(server, bomb, "bomb.pptx", owner),
                )
            )
        for label, call in cases:
            with peak_rss(server) as mem:
                status, body = call()
            print(
                f"{label}: HTTP {status} {body.get('kind', '')}; server RSS before {mem['before'] / MIB:.0f} MiB, "
                f"peak {mem['peak'] / MIB:.0f} MiB (+{(mem['peak'] - mem['before']) / MIB:.0f}), after "
                f"{mem['after'] / MIB:.0f} MiB; written to files or sockets {mem['written'] / MIB:.1f} MiB"
            )


if __name__ == "__main__":
    main()
