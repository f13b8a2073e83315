"""``hub serve`` as a child process on loopback, for the demo site, the benchmarks and the tests.

:func:`served` starts ``python -m mslhub serve`` (the entry point by module name: a process, not an
import, so the layers hold), waits until ``/healthz`` answers, and on exit stops the server and any
worker processes it started. Every caller used to carry its own copy of this loop.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

HOST = "127.0.0.1"


@dataclass(frozen=True)
class ServedHub:
    """A running ``hub serve``: its base URL and its process."""

    url: str
    process: subprocess.Popen[bytes]


def free_port(preferred: int | range | None = None) -> int:
    """A free port on loopback: ``preferred`` if it is free, else one the OS picks; with a range, the
    first free port of the range and never one outside it (shared machines hand out port ranges)."""
    candidates = list(preferred) if isinstance(preferred, range) else [preferred, 0] if preferred else [0]
    for candidate in candidates:
        with socket.socket() as sock:
            try:
                sock.bind((HOST, candidate))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    within = f" in {preferred.start}-{preferred.stop - 1}" if isinstance(preferred, range) else ""
    raise RuntimeError(f"no free port on {HOST}{within}")


def serve_command(port: int, *args: str) -> list[str]:
    """The command line of ``hub serve`` on loopback ``port`` with extra ``args`` (e.g. ``--no-ui``)."""
    return [sys.executable, "-m", "mslhub", "serve", "--host", HOST, "--port", str(port), *args]


@contextlib.contextmanager
def served(
    port: int,
    *,
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    log: Path | None = None,
    wait: float | None = 240,
    stop_within: float = 30,
) -> Iterator[ServedHub]:
    """Run ``hub serve`` for the ``with`` block; ``wait`` seconds at most for ``/healthz`` (None: do not wait).

    Output goes to ``log`` (appended) or is dropped. The server runs in its own process group so
    that stopping it also stops the workers of ``--workers N``.
    """
    out: IO[bytes] | int = log.open("ab") if log is not None else subprocess.DEVNULL
    process = subprocess.Popen(
        serve_command(port, *args),
        env=dict(env) if env is not None else None,
        cwd=cwd,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    running = ServedHub(f"http://{HOST}:{port}", process)
    try:
        if wait is not None:
            wait_until_healthy(running, wait, log)
        yield running
    finally:
        stop(process, stop_within)
        if not isinstance(out, int):
            out.close()


def wait_until_healthy(server: ServedHub, timeout: float, log: Path | None = None) -> None:
    """Return once ``/healthz`` answers 200; raise with the end of the log if the server exits or is too slow."""
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"hub serve exited with code {server.process.returncode} before answering{_tail(log)}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.url}/healthz", timeout=2.0).status_code == 200:
                return
        if time.monotonic() > deadline:
            raise TimeoutError(f"hub serve did not answer /healthz within {timeout:.0f} s{_tail(log)}")
        time.sleep(0.3)


def stop(process: subprocess.Popen[bytes], within: float = 30) -> None:
    """SIGTERM to the server's process group, SIGKILL if it is still there after ``within`` seconds."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(within)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def _tail(log: Path | None, chars: int = 4000) -> str:
    if log is None or not log.is_file():
        return ""
    return f":\n{log.read_text(errors='replace')[-chars:]}"
