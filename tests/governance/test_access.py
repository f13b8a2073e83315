"""Every cell of the access matrix (docs/governance.md) through the real app: 2xx for the roles
allowed, 403 for every other role, 401 without a valid key.

One hub per module: a refused request changes nothing, and each state-changing endpoint has a
single allowed role, so every allowed call runs exactly once.
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from hub.api import access_matrix, create_app
from hub.auth import Role
from hub.permissions import PERMISSIONS, Permission
from tests import samples
from tests.conftest import TODAY, RoleClient
from tests.samples import build_hub, zorbex_meta

P = Permission
# Each route and the permission docs/governance.md gives it; which roles hold a permission is read
# from hub.permissions, the same table the API and the UI guards use.
ROUTES: dict[tuple[str, str], Permission] = {
    ("GET", "/api/me"): P.sign_in,
    ("POST", "/api/ask"): P.ask,
    ("GET", "/api/documents"): P.read_documents,
    ("GET", "/api/documents/{document_id}"): P.read_documents,
    ("GET", "/api/documents/{document_id}/versions"): P.read_documents,
    ("POST", "/api/documents"): P.manage_content,
    ("POST", "/api/documents/{document_id}/approve"): P.manage_content,
    ("POST", "/api/documents/{document_id}/withdraw"): P.manage_content,
    ("GET", "/api/audit"): P.audit,
    ("GET", "/api/audit/verify"): P.audit,
    ("GET", "/api/audit/sample"): P.audit,
    ("GET", "/api/audit/export"): P.audit,
    ("GET", "/api/audit/{record_id}"): P.audit,
    ("GET", "/api/audit/{record_id}/reviews"): P.audit,
    ("POST", "/api/audit/{record_id}/reviews"): P.audit,
    ("GET", "/api/users"): P.manage_users,
    ("POST", "/api/users"): P.manage_users,
    ("POST", "/api/users/{name}/disable"): P.manage_users,
}
MATRIX: dict[tuple[str, str], set[Role]] = {cell: set(PERMISSIONS[p]) for cell, p in ROUTES.items()}
CELLS = [(method, path, role) for (method, path) in MATRIX for role in Role]


@pytest.fixture(scope="module")
def world(tmp_path_factory, embedder):
    # Every failure below comes from one test client: lift the per-client sign-in limit
    # (tests/security/test_signin.py checks the limit itself).
    hub = build_hub(
        tmp_path_factory.mktemp("access") / "data", embedder, today=TODAY, auth_max_failures_per_client=1_000_000
    )
    keys = {role: hub.users.add(f"u-{role}".replace("_", "-"), role)[1] for role in Role}
    _, disabled_key = hub.users.add("gone", Role.msl)
    hub.users.disable("gone")
    hub.users.add("victim", Role.msl)
    live = hub.ingestion.ingest_bytes(samples.label_pdf(), "label.pdf", zorbex_meta())
    draft = hub.ingestion.ingest_bytes(
        samples.pdf_from_pages([("Draft", ["A draft leaflet about Zorbex storage at room temperature."])]),
        "draft.pdf",
        zorbex_meta(title="Draft leaflet", status="draft"),
    )
    doomed = hub.ingestion.ingest_bytes(
        samples.pdf_from_pages([("Old", ["An approved leaflet about Zorbex travel that will be withdrawn."])]),
        "doomed.pdf",
        zorbex_meta(title="Travel leaflet"),
    )
    record = hub.audit.query(event="document.uploaded")[0]
    with TestClient(create_app(hub=hub)) as client:
        yield {
            "hub": hub,
            "client": client,
            "keys": keys,
            "disabled_key": disabled_key,
            "live": live.document_id,
            "draft": draft.document_id,
            "doomed": doomed.document_id,
            "record": record.id,
        }


def _call(world, method: str, path: str, client: RoleClient):
    """A request to ``path`` that succeeds for an allowed role (valid ids and body)."""
    url = (
        path.replace("{document_id}", world["live"]).replace("{record_id}", world["record"]).replace("{name}", "victim")
    )
    if path.endswith("/approve"):
        url = url.replace(world["live"], world["draft"])
    if path.endswith("/withdraw"):
        url = url.replace(world["live"], world["doomed"])
    body: dict = {}
    if (method, path) == ("POST", "/api/ask"):
        body = {"json": {"question": "What is the recommended dose of Zorbex?"}}
    elif (method, path) == ("POST", "/api/documents"):
        pdf = samples.pdf_from_pages([("New", ["A new approved Zorbex sheet on missed doses."])])
        body = {
            "files": {"file": ("new.pdf", pdf)},
            "data": {"metadata": json.dumps({"title": "Missed dose sheet", "doc_type": "other"})},
        }
    elif path.endswith("/withdraw"):
        body = {"json": {"reason": "superseded by the new label"}}
    elif path.endswith("/reviews") and method == "POST":
        body = {"json": {"status": "reviewed_ok", "comment": "checked"}}
    elif (method, path) == ("POST", "/api/users"):
        body = {"json": {"name": "newcomer", "role": "msl"}}
    elif path == "/api/audit/sample":
        body = {"params": {"n": 3}}
    elif path == "/api/audit/export":
        body = {"params": {"format": "csv"}}
    return client.request(method, url, **body)


def test_the_app_enforces_exactly_the_documented_matrix(world):
    actual = access_matrix(world["client"].app)
    for cell, roles in MATRIX.items():
        assert actual.get(cell) == roles, cell
    assert actual[("GET", "/healthz")] is None
    unguarded = [cell for cell, roles in actual.items() if cell[1].startswith("/api/") and roles is None]
    assert unguarded == []


@pytest.mark.parametrize(("method", "path", "role"), CELLS, ids=[f"{m} {p} {r}" for m, p, r in CELLS])
def test_matrix_cell(world, method, path, role):
    allowed = role in MATRIX[(method, path)]
    before = world["hub"].audit.count()
    r = _call(world, method, path, RoleClient(world["client"], world["keys"][role]))
    if allowed:
        assert 200 <= r.status_code < 300, r.text
    else:
        assert r.status_code == 403, r.text
        assert str(role) in r.json()["error"] and "allowed" in r.json()["error"]
        assert world["hub"].audit.count() == before  # a refused request leaves no trace of the action


ENDPOINTS = list(MATRIX)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS, ids=[f"{m} {p}" for m, p in ENDPOINTS])
@pytest.mark.parametrize("credential", ["none", "unknown", "malformed", "disabled", "basic"])
def test_every_endpoint_needs_a_valid_key(world, method, path, credential):
    headers = {
        "none": {},
        "unknown": {"Authorization": "Bearer hub_0badc0de_" + "x" * 43},
        "malformed": {"Authorization": "Bearer letmein"},
        "disabled": {"Authorization": f"Bearer {world['disabled_key']}"},
        "basic": {"Authorization": "Basic dXNlcjpwYXNz"},
    }[credential]
    client = RoleClient(world["client"], None)
    client.headers = headers
    r = _call(world, method, path, client)
    assert r.status_code == 401, r.text
    assert r.headers["www-authenticate"] == "Bearer"
    failed = world["hub"].audit.query(event="auth.failed", limit=10_000)[-1]
    assert failed.payload["path"].startswith("/api/") and failed.actor == ""
    text = json.dumps(failed.payload)
    if credential == "disabled":
        assert "gone" in text and world["disabled_key"] not in text
        assert world["disabled_key"].split("_", 2)[2] not in text
    if credential == "unknown":
        assert failed.payload["key_prefix"] == "hub_0badc0de" and "x" * 43 not in text


def test_health_is_open(world):
    assert world["client"].get("/healthz").status_code == 200


def test_a_disabled_users_key_stops_working_at_once(world):
    hub, client = world["hub"], world["client"]
    _, key = hub.users.add("short-lived", Role.msl)
    me = RoleClient(client, key)
    assert me.get("/api/me").json() == {"name": "short-lived", "role": "msl"}
    admin = RoleClient(client, world["keys"][Role.admin])
    assert admin.post("/api/users/short-lived/disable").status_code == 200
    assert me.get("/api/me").status_code == 401
    assert admin.post("/api/users/short-lived/disable").status_code == 409
    assert admin.post("/api/users/nobody/disable").status_code == 404


def test_user_api_returns_the_key_once_and_stores_only_hashes(world):
    hub, client = world["hub"], world["client"]
    admin = RoleClient(client, world["keys"][Role.admin])
    r = admin.post("/api/users", json={"name": "carol", "role": "compliance", "password": "long enough"})
    assert r.status_code == 201
    key = r.json()["api_key"]
    assert key.startswith(r.json()["user"]["key_prefix"] + "_")
    listed = admin.get("/api/users").json()
    assert key not in json.dumps(listed) and {"name", "role", "key_prefix", "disabled"} <= set(listed[0])
    assert RoleClient(client, key).get("/api/audit/verify").json()["ok"] is True
    assert admin.post("/api/users", json={"name": "carol", "role": "msl"}).status_code == 409
    assert admin.post("/api/users", json={"name": "dave", "role": "pope"}).status_code == 422
    assert admin.post("/api/users", json={"name": "dave", "role": "msl", "password": "short"}).status_code == 422
    # Nothing secret in the database: the key and password appear nowhere in plain text.
    raw = (hub.settings.data_dir / "hub.sqlite3").read_bytes()
    wal = hub.settings.data_dir / "hub.sqlite3-wal"
    raw += wal.read_bytes() if wal.exists() else b""
    assert key.encode() not in raw and b"long enough" not in raw
    principal = hub.users.authenticate_password("carol", "long enough")
    assert principal.role == Role.compliance
    with pytest.raises(Exception, match="wrong user name or password"):
        hub.users.authenticate_password("carol", "wrong password")


def test_matrix_is_in_the_docs():
    from tests.conftest import ROOT

    doc = (ROOT / "docs" / "governance.md").read_text()
    for method, path in MATRIX:
        assert f"`{method} {path}`" in doc, (method, path)


def test_the_permission_table_is_the_documented_one():
    """docs/governance.md's rows, written out once: a change to who may do what must change this too."""
    documented = {
        Permission.sign_in: set(Role),
        Permission.ask: {Role.msl},
        Permission.read_documents: {Role.msl, Role.content_owner, Role.compliance},
        Permission.manage_content: {Role.content_owner},
        Permission.audit: {Role.compliance},
        Permission.manage_users: {Role.admin},
        Permission.manage_quiz_items: {Role.content_owner},
        Permission.learn: {Role.msl},
        Permission.read_analytics: {Role.manager, Role.admin},
    }
    assert {p: set(roles) for p, roles in PERMISSIONS.items()} == documented
    for role in Role:  # no role gets everything, an admin included
        assert any(role not in roles for roles in PERMISSIONS.values()), role
