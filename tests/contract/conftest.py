"""One contract suite, two backends: embedded (SQLite + Chroma PersistentClient) and servers
(PostgreSQL + ``chroma run``). Every test here takes ``backend`` and runs once per mode."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine


@dataclass
class Backend:
    """Where one test's catalog, audit log and vectors live, and how to reach past the app's rules."""

    mode: str
    url: str
    data_dir: Path
    chroma_host: str | None = None
    chroma_port: int = 8001
    collection: str = field(default_factory=lambda: f"c{uuid.uuid4().hex[:12]}")
    engines: list[Engine] = field(default_factory=list)

    def engine(self, url: str | None = None) -> Engine:
        from hub.catalog import make_engine

        engine = make_engine(url or self.url)
        self.engines.append(engine)
        return engine

    def chroma(self) -> Any:
        from hub.vector_index import make_chroma_client

        return make_chroma_client(self.data_dir, self.chroma_host, self.chroma_port)

    def settings(self, **overrides: Any) -> Any:
        from hub.settings import Settings

        return Settings(
            data_dir=self.data_dir,
            database_url=self.url,
            chroma_host=self.chroma_host,
            chroma_port=self.chroma_port,
            collection=self.collection,
            **overrides,
        )

    def bypass_audit_rules(self, engine: Engine, sql: list[str]) -> None:
        """Run ``sql`` as someone who can switch the append-only triggers off (a DBA, a file editor)."""
        with engine.begin() as conn:
            if self.mode == "embedded":
                for name in ("audit_log_no_update", "audit_log_no_delete", "audit_head_forward_only"):
                    conn.execute(text(f"DROP TRIGGER {name}"))
            else:
                conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
                conn.execute(text("ALTER TABLE audit_head DISABLE TRIGGER USER"))
            for statement in sql:
                conn.exec_driver_sql(statement)


# The servers run starts PostgreSQL and `chroma run`: slow, so `make test-fast` checks the embedded side.
@pytest.fixture(params=["embedded", pytest.param("servers", marks=pytest.mark.slow)])
def backend(request, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "embedded":
        made = Backend("embedded", f"sqlite:///{tmp_path / 'hub.sqlite3'}", tmp_path)
    else:
        pg = request.getfixturevalue("pg_server")
        chroma = request.getfixturevalue("chroma_server")
        url = pg.create_database(f"t{uuid.uuid4().hex[:12]}")
        made = Backend("servers", url, tmp_path, "127.0.0.1", chroma.port)
    yield made
    for engine in made.engines:
        engine.dispose()
