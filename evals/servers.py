"""Throwaway real servers on loopback: Debian's PostgreSQL and Chroma's own ``chroma run``.

Used by the server-mode tests (a session fixture starts one of each) and by ``hub bench scale``.
Each server gets its own temporary data folder and is stopped, and its folder removed, by
:meth:`stop`. Nothing here is used by the product itself.

PostgreSQL refuses to run as root, so when the current user is root the cluster is created and
run as the ``postgres`` system user (Debian's package creates it) through ``runuser``.
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from hub.server_process import free_port

log = logging.getLogger(__name__)

OWNER_ROLE = "hub_owner"
"""The role that owns the schema and runs migrations (``hub db upgrade``)."""
APP_ROLE = "hub_app"
"""The role the API workers connect as: on the audit tables, INSERT and SELECT only."""
PASSWORD = "hub-test-only"  # loopback throwaway clusters only


class ServerError(RuntimeError):
    """A server could not be found or did not start."""


def postgres_bin_dir() -> Path:
    """Folder of Debian's PostgreSQL server binaries (``initdb``, ``pg_ctl``), newest version first."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise ServerError("PostgreSQL server binaries not found: `apt-get install postgresql` (CI's .ci/run does this)")


def _wait_port(port: int, timeout: float, proc: subprocess.Popen | None = None, what: str = "server") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise ServerError(f"{what} exited with code {proc.returncode} while starting")
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise ServerError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f} s")


@dataclass
class PostgresServer:
    """A fresh PostgreSQL cluster on 127.0.0.1 with an owner role and an app role in database ``hub``."""

    port: int
    root: Path
    bin_dir: Path
    _as_postgres: bool = field(default=False, repr=False)

    @classmethod
    def start(cls, port: int | None = None, base: Path | None = None) -> PostgresServer:
        bin_dir = postgres_bin_dir()
        as_postgres = os.geteuid() == 0
        root = Path(tempfile.mkdtemp(prefix="hub-pg-", dir=base))
        if as_postgres:
            shutil.chown(root, "postgres", "postgres")
        server = cls(free_port(port), root, bin_dir, as_postgres)
        server._run(
            [str(bin_dir / "initdb"), "-D", str(root / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
            + ["--no-sync", "--locale=C.UTF-8"]
        )
        options = f"-c listen_addresses=127.0.0.1 -p {server.port} -k {root} -c fsync=off -c max_connections=200"
        pg_ctl = [str(bin_dir / "pg_ctl"), "-D", str(root / "data"), "-l", str(root / "log"), "-w", "-t", "60"]
        server._run(pg_ctl + ["-o", options, "start"])
        _wait_port(server.port, 30, what="PostgreSQL")
        server.psql(
            f"CREATE ROLE {OWNER_ROLE} LOGIN PASSWORD '{PASSWORD}';CREATE ROLE {APP_ROLE} LOGIN PASSWORD '{PASSWORD}';"
        )
        server.psql(f"CREATE DATABASE hub OWNER {OWNER_ROLE};")
        # PostgreSQL 15 no longer lets every role create objects in public; the owner owns the database.
        server.psql(f"ALTER SCHEMA public OWNER TO {OWNER_ROLE};", database="hub")
        log.info("PostgreSQL %s on 127.0.0.1:%d (%s)", bin_dir.parent.name, server.port, root)
        return server

    def _run(self, argv: list[str]) -> None:
        if self._as_postgres:
            argv = ["runuser", "-u", "postgres", "--"] + argv
        done = subprocess.run(argv, capture_output=True, text=True, cwd=self.root, check=False)
        if done.returncode != 0:
            raise ServerError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip() or done.stdout}")

    def psql(self, sql: str, *, database: str = "postgres", user: str = "postgres") -> str:
        """Run SQL as a superuser (or ``user``) through psql; returns its output."""
        argv = [str(self.bin_dir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At"]
        argv += ["-h", "127.0.0.1", "-p", str(self.port), "-U", user, "-d", database, "-c", sql]
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise ServerError(f"psql failed: {done.stderr.strip()}")
        return done.stdout

    def url(self, role: str = OWNER_ROLE, database: str = "hub") -> str:
        """SQLAlchemy URL (psycopg 3 driver) for ``role``."""
        return f"postgresql+psycopg://{role}:{PASSWORD}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database owned by the owner role; returns the owner's URL to it."""
        self.psql(f"CREATE DATABASE {name} OWNER {OWNER_ROLE};")
        self.psql(f"ALTER SCHEMA public OWNER TO {OWNER_ROLE};", database=name)
        return self.url(database=name)

    def stop(self) -> None:
        try:
            argv = [str(self.bin_dir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w", "stop"]
            if self._as_postgres:
                argv = ["runuser", "-u", "postgres", "--"] + argv
            subprocess.run(argv, capture_output=True, check=False, timeout=60)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class ChromaServer:
    """``chroma run`` (the chromadb package's own server) on 127.0.0.1."""

    port: int
    root: Path
    proc: subprocess.Popen

    @classmethod
    def start(cls, port: int | None = None, base: Path | None = None) -> ChromaServer:
        exe = Path(sys.executable).with_name("chroma")
        if not exe.exists():
            found = shutil.which("chroma")
            if not found:
                raise ServerError("the `chroma` command (chromadb package) is not installed")
            exe = Path(found)
        root = Path(tempfile.mkdtemp(prefix="hub-chroma-", dir=base))
        port = free_port(port)
        env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
        logf = (root / "log").open("wb")
        proc = subprocess.Popen(
            [str(exe), "run", "--path", str(root / "data"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=logf,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        server = cls(port, root, proc)
        try:
            _wait_port(port, 60, proc, what="chroma run")
        except ServerError:
            server.stop()
            raise
        log.info("chroma run on 127.0.0.1:%d (%s)", port, root)
        return server

    def stop(self) -> None:
        try:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(20)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(10)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
