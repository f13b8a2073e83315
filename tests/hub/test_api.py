"""The API through its real ASGI stack (Starlette TestClient runs the app and its lifespan)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from hub.api import create_app
from tests import samples

META = samples.ZORBEX_META


@pytest.fixture
def client(api_client):
    """Most calls here are a content owner's; asking is an MSL's (see docs/governance.md)."""
    return api_client("content_owner")


@pytest.fixture
def msl(api_client):
    return api_client("msl")


def _upload(client, data, name, **meta):
    return client.post(
        "/api/documents",
        files={"file": (name, data, "application/octet-stream")},
        data={"metadata": json.dumps({**META, **meta})},
    )


def test_health(api_client):
    r = api_client(None).get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_upload_list_get_and_ask(client, msl, label_pdf):
    r = _upload(client, label_pdf, "label.pdf")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["outcome"] == "ingested" and body["pages"] == 4
    again = _upload(client, label_pdf, "label.pdf")
    assert again.status_code == 200 and again.json()["outcome"] == "unchanged"

    docs = msl.get("/api/documents").json()
    assert [d["title"] for d in docs] == ["Zorbex Prescribing Information"]
    doc = client.get(f"/api/documents/{body['document_id']}").json()
    assert doc["current"]["version"] == "1.0" and doc["current"]["retrievable"] is True
    assert doc["current"]["sha256"] and doc["current"]["source_file"] == "label.pdf"

    answer = msl.post("/api/ask", json={"question": "What is the recommended dose?", "product": "Zorbex"}).json()
    assert answer["refused"] is False and answer["citations"][0]["page"] == 2
    nested = msl.post("/api/ask", json={"question": "What is the recommended dose?", "filters": {"doc_type": "label"}})
    assert nested.status_code == 200 and nested.json()["citations"]


def test_form_fields_work_as_metadata(client, label_pdf):
    r = client.post(
        "/api/documents",
        files={"file": ("label.pdf", label_pdf)},
        data={"title": "Label via form", "doc_type": "label"},
    )
    assert r.status_code == 201 and r.json()["title"] == "Label via form"


@pytest.mark.parametrize(
    ("data", "name", "meta", "status", "words"),
    [
        (b"%PDF-1.4 junk", "broken.pdf", {}, 422, "could not be read"),
        (b"", "empty.pdf", {}, 422, "empty"),
        (samples.image_only_pdf(), "scan.pdf", {}, 422, "no extractable text"),
        (b"not a zip", "deck.pptx", {}, 422, "not a ZIP"),
        (b"x", "../../etc/passwd.pdf", {}, 422, "path"),
        (b"x", "run.exe", {}, 422, "not supported"),
        (None, "label.pdf", {"doc_type": "poster"}, 422, "doc_type"),
        (None, "label.pdf", {"expiry_date": "2025-01-01"}, 422, "expiry_date"),
        (None, "label.pdf", {"effective_date": "yesterday"}, 422, "YYYY-MM-DD"),
    ],
)
def test_bad_uploads_get_actionable_4xx(client, label_pdf, data, name, meta, status, words):
    r = _upload(client, label_pdf if data is None else data, name, **meta)
    assert r.status_code == status
    assert words in r.json()["error"]
    assert client.get("/api/documents").json() == []


def test_upload_size_limit(make_hub, label_pdf):
    from tests.conftest import RoleClient

    small = make_hub(max_upload_mb=0.001)
    _, key = small.users.add("owner", "content_owner")
    with TestClient(create_app(hub=small)) as c:
        r = _upload(RoleClient(c, key), label_pdf, "label.pdf")
    assert r.status_code == 413 and "limit" in r.json()["error"]


def test_malformed_requests(client, msl):
    assert msl.post("/api/ask", json={}).status_code == 422
    r = msl.post("/api/ask", json={"question": "x" * 3000})
    assert r.status_code == 422 and "question" in r.json()["error"]
    r = msl.post("/api/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and "not valid" in r.json()["error"]
    r = msl.post("/api/ask", json={"question": "dose?", "colour": "red"})
    assert r.status_code == 422
    r = client.post("/api/documents", data={"metadata": "{}"})
    assert r.status_code == 422 and "file" in r.json()["error"]
    r = client.post("/api/documents", files={"file": ("a.pdf", b"%PDF")}, data={"metadata": "[1,2"})
    assert r.status_code == 422 and "metadata" in r.json()["error"]
    r = client.get("/api/documents/nope")
    assert r.status_code == 404 and "nope" in r.json()["error"]


def test_openapi_docs_served(api_client):
    anyone = api_client(None)
    assert anyone.get("/docs").status_code == 200
    paths = anyone.get("/openapi.json").json()["paths"]
    assert {"/api/ask", "/api/documents", "/api/documents/{document_id}", "/healthz"} <= set(paths)
