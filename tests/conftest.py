"""Shared fixtures: the real packaged model (loaded once), fresh data directories, sample files."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Converted encoders are cached per test session, never in the user's home or the repository.
os.environ.setdefault("HUB_EMBEDDING_CACHE_DIR", tempfile.mkdtemp(prefix="hub-test-encoders-"))

from tests import samples  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="session")
def embedder():
    from hub.embedding import Embedder

    return Embedder(backend="torch")  # the reference encoder (the settings default is OpenVINO)


@pytest.fixture
def make_hub(tmp_path: Path, embedder) -> Callable[..., object]:
    """Build a Hub on a fresh data dir, sharing the session's model; ``today`` fixes the clock."""

    def factory(today: dt.date = TODAY, **overrides: object):
        return samples.build_hub(tmp_path / "data", embedder, today=today, **overrides)

    return factory


@pytest.fixture
def hub(make_hub):
    return make_hub()


@pytest.fixture
def label_pdf() -> bytes:
    return samples.label_pdf()


@pytest.fixture
def meta():
    """``meta(**fields)``: the Zorbex label's approval metadata with ``fields`` replaced."""
    return samples.zorbex_meta


@pytest.fixture
def keys(hub) -> dict[str, str]:
    """One user per role in ``hub`` (named ``test-<role>``): role -> API key."""
    from hub.auth import Role

    return {str(role): hub.users.add(f"test-{role}".replace("_", "-"), role)[1] for role in Role}


class RoleClient:
    """A TestClient view that sends one role's key with every request."""

    def __init__(self, client, key: str | None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    def request(self, method: str, url: str, **kwargs):
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.request(method, url, headers=headers, **kwargs)

    def get(self, url: str, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs):
        return self.request("POST", url, **kwargs)


@pytest.fixture
def api_client(hub, keys):
    """``api_client(role)``: the real app over ``hub``, calling as that role (``None``: no key)."""
    from fastapi.testclient import TestClient

    from hub.api import create_app

    with TestClient(create_app(hub=hub)) as client:
        yield lambda role=None: RoleClient(client, keys[role] if role else None)


# --- real servers for the scale-out mode (started once per session, only when a test asks) -----


def _preferred_port(offset: int) -> int | None:
    # HUB_TEST_PORT_BASE pins the ports (shared machines hand out ranges); otherwise the OS picks.
    base = os.environ.get("HUB_TEST_PORT_BASE")
    return int(base) + offset if base else None


@pytest.fixture(scope="session")
def pg_server():
    """Debian's PostgreSQL on 127.0.0.1: a fresh cluster with owner and app roles, stopped after the session."""
    from evals.servers import PostgresServer

    server = PostgresServer.start(_preferred_port(2))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chroma_server():
    """``chroma run`` from the chromadb package on 127.0.0.1, stopped after the session."""
    from evals.servers import ChromaServer

    server = ChromaServer.start(_preferred_port(3))
    yield server
    server.stop()
