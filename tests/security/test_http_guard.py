"""Item 1 of issue 12: bodies are capped before they are read, and the key is checked first.

These call the real app through its ASGI interface with a ``receive`` that counts what the app
pulls, which is the only way to see *whether* a body was read (a test client sends it all anyway).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.api import create_app
from hub.auth import Role
from tests import samples


def _call(app: Any, method: str, path: str, *, headers: dict[str, str], chunks: list[bytes]) -> dict[str, Any]:
    """Run one request through the app; returns status, headers, JSON body and how many body chunks were read."""
    pulled = {"n": 0}
    sent: list[dict[str, Any]] = []
    queue = list(chunks)

    async def receive() -> dict[str, Any]:
        pulled["n"] += 1
        if queue:
            body = queue.pop(0)
            return {"type": "http.request", "body": body, "more_body": bool(queue)}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return {
        "status": start["status"],
        "headers": {k.decode(): v.decode() for k, v in start["headers"]},
        "json": json.loads(body) if body else None,
        "pulled": pulled["n"],
    }


@pytest.fixture
def app(hub):
    return create_app(hub=hub)


def _multipart(data: bytes, name: str = "label.pdf") -> tuple[str, bytes]:
    boundary = "hubtestboundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return f"multipart/form-data; boundary={boundary}", body


@pytest.mark.parametrize("path", ["/api/ask", "/api/documents", "/api/users", "/api/quizzes"])
def test_a_keyless_body_is_never_read(app, hub, path):
    content_type, body = _multipart(b"%PDF-1.4 " + b"x" * 100_000)
    before = hub.audit.count()
    r = _call(
        app,
        "POST",
        path,
        headers={"content-type": content_type, "content-length": str(len(body))},
        chunks=[body[i : i + 16_384] for i in range(0, len(body), 16_384)],
    )
    assert r["status"] == 401 and r["json"]["kind"] == "Unauthorized"
    assert r["headers"]["www-authenticate"] == "Bearer"
    assert r["pulled"] == 0  # not one byte of the body was asked for
    assert hub.audit.count() == before + 1  # the failed sign-in, recorded once


def test_a_declared_oversized_body_is_refused_before_reading(app, hub, keys):
    r = _call(
        app,
        "POST",
        "/api/ask",
        headers={
            "authorization": f"Bearer {keys[Role.msl]}",
            "content-type": "application/json",
            "content-length": str(800 * 2**20),
        },
        chunks=[b"{" * 65536],
    )
    assert r["status"] == 413 and r["pulled"] == 0
    assert r["json"]["kind"] == "FileTooLargeError" and "HUB_MAX_BODY_KB" in r["json"]["error"]


def test_a_chunked_body_is_cut_off_at_the_limit(app, keys):
    piece = b" " * 65536  # valid JSON whitespace: only its size is wrong
    r = _call(
        app,
        "POST",
        "/api/ask",
        headers={"authorization": f"Bearer {keys[Role.msl]}", "content-type": "application/json"},
        chunks=[piece] * 400,  # 25 MiB, no Content-Length
    )
    assert r["status"] == 413 and "HUB_MAX_BODY_KB" in r["json"]["error"]
    limit_chunks = 1024 * 1024 // len(piece)
    assert r["pulled"] <= limit_chunks + 1  # stopped right after the limit, not at the end of the body


def test_upload_over_the_limit_is_413_and_leaves_nothing(make_hub):
    hub = make_hub(max_upload_mb=1)
    _, key = hub.users.add("owner-1", Role.content_owner)
    with TestClient(create_app(hub=hub)) as client:
        big = samples.label_pdf() + b"%" + b"x" * (3 * 2**20)
        r = client.post(
            "/api/documents",
            headers={"Authorization": f"Bearer {key}"},
            files={"file": ("label.pdf", big, "application/pdf")},
            data={"metadata": json.dumps({"title": "Big", "doc_type": "label", "version": "1"})},
        )
        assert r.status_code == 413 and "HUB_MAX_UPLOAD_MB" in r.json()["error"]
        assert r.headers["content-type"] == "application/json"
        assert hub.catalog.counts()["versions"] == 0
        files_dir = hub.settings.data_dir / "files"
        assert not files_dir.exists() or not any(files_dir.iterdir())
        # Within the limit, the same route still works.
        r = client.post(
            "/api/documents",
            headers={"Authorization": f"Bearer {key}"},
            files={"file": ("label.pdf", samples.label_pdf(), "application/pdf")},
            data={"metadata": json.dumps({"title": "Label", "doc_type": "label", "version": "1"})},
        )
        assert r.status_code == 201, r.text


@pytest.mark.parametrize("path", ["/healthz", "/api/me", "/docs"])
def test_security_headers_on_every_response(api_client, path):
    r = api_client().get(path)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
