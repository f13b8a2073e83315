"""``hub serve --workers 2`` on PostgreSQL and ``chroma run``: content, lifecycle and races across
real worker processes, through HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil
import pytest

from evals.servers import APP_ROLE, free_port
from hub.audit import AuditLog
from hub.auth import UserStore
from hub.catalog import Catalog, make_engine
from hub.schema import head_revision
from hub.server_process import served
from hub.service import utc_now
from tests import samples

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
QUESTION = "What is the maintenance dose of Zorbex?"


def _pdf(dose: str) -> bytes:
    return samples.pdf_from_pages(
        [("2 DOSAGE AND ADMINISTRATION", [f"The maintenance dose of Zorbex is {dose} every 8 weeks."])]
    )


def _upload(client: httpx.Client, key: str, data: bytes, version: str) -> httpx.Response:
    meta = {"title": "Zorbex PI", "doc_type": "label", "product": "Zorbex", "version": version}
    return client.post(
        "/api/documents",
        headers={"Authorization": f"Bearer {key}"},
        files={"file": (f"label-{version}.pdf", data, "application/pdf")},
        data={"metadata": json.dumps(meta)},
    )


@pytest.fixture
def two_workers(pg_server, chroma_server, tmp_path):
    """Migrate as the owner with `hub db upgrade --app-role`, then serve two workers as the app role."""
    name = f"t{uuid.uuid4().hex[:12]}"
    owner_url = pg_server.create_database(name)
    app_url = pg_server.url(APP_ROLE, name)
    base_env = {**os.environ, "HUB_DATA_DIR": str(tmp_path / "data"), "HUB_CHROMA_HOST": "127.0.0.1"}
    base_env |= {"HUB_CHROMA_PORT": str(chroma_server.port), "HUB_COLLECTION": name}
    done = subprocess.run(
        [sys.executable, "-m", "mslhub", "db", "upgrade", "--app-role", APP_ROLE],
        env={**base_env, "HUB_DATABASE_URL": owner_url},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"revision {head_revision()}" in done.stdout and f"role {APP_ROLE}: granted" in done.stdout

    engine = make_engine(app_url)
    Catalog(engine)
    audit = AuditLog(engine, now=utc_now)
    users = UserStore(engine, audit, now=utc_now)
    keys = {role: users.add(f"w-{role}".replace("_", "-"), role)[1] for role in ("msl", "content_owner")}
    engine.dispose()

    port = free_port(int(os.environ["HUB_TEST_PORT_BASE"]) + 10 if os.environ.get("HUB_TEST_PORT_BASE") else None)
    # A long refresh wait: this test is about what propagates between workers, not about timing.
    env = {**base_env, "HUB_DATABASE_URL": app_url, "HUB_INDEX_REFRESH_WAIT_S": "30"}
    args = ["--workers", "2", "--no-ui"]
    with served(port, args=args, env=env, cwd=ROOT, log=tmp_path / "serve.log", wait=240) as server:
        yield server.url, keys, server.process, app_url


def _ask_many(url: str, key: str, n: int) -> list[dict]:
    def one(_: int) -> dict:
        with httpx.Client(base_url=url, timeout=120) as client:
            resp = client.post("/api/ask", headers={"Authorization": f"Bearer {key}"}, json={"question": QUESTION})
            assert resp.status_code == 200, resp.text
            return resp.json()

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, range(n)))


def test_two_workers_share_everything_and_refuse_double_approval(two_workers):
    url, keys, server, app_url = two_workers
    workers = psutil.Process(server.pid).children(recursive=True)
    assert len([p for p in workers if "python" in p.name()]) >= 2, "two worker processes"

    with httpx.Client(base_url=url, timeout=300) as client:
        first = _upload(client, keys["content_owner"], _pdf("100 mg"), "1.0")
        assert first.status_code == 201, first.text
        answers = _ask_many(url, keys["msl"], 8)
        assert all("100 mg" in a["answer"] for a in answers)

        # Two new versions at once, through whichever workers take them: never a 500, never two approved.
        with ThreadPoolExecutor(2) as pool:
            racing = list(
                pool.map(
                    lambda v: _upload(httpx.Client(base_url=url, timeout=300), keys["content_owner"], *v),
                    [(_pdf("150 mg"), "2.0"), (_pdf("200 mg"), "3.0")],
                )
            )
        codes = sorted(r.status_code for r in racing)
        assert codes in ([201, 201], [201, 409]), [r.text for r in racing]
        for resp in racing:
            if resp.status_code == 409:
                assert "approved at the same moment" in resp.json()["error"]
        doc_id = first.json()["document_id"]
        versions = client.get(
            f"/api/documents/{doc_id}/versions", headers={"Authorization": f"Bearer {keys['content_owner']}"}
        ).json()
        approved = [v for v in versions if v["status"] == "approved"]
        assert len(approved) == 1
        dose = "150 mg" if approved[0]["version"] == "2.0" else "200 mg"
        answers = _ask_many(url, keys["msl"], 8)
        assert all(dose in a["answer"] and "100 mg" not in a["answer"] for a in answers)

        withdrawn = client.post(
            f"/api/documents/{doc_id}/withdraw",
            headers={"Authorization": f"Bearer {keys['content_owner']}"},
            json={"reason": "recalled"},
        )
        assert withdrawn.status_code == 200, withdrawn.text
        assert all(a["refused"] for a in _ask_many(url, keys["msl"], 8))

    engine = make_engine(app_url)
    assert AuditLog(engine, now=utc_now).verify().ok
    engine.dispose()
