"""The learning rows of the access matrix (docs/governance.md), every cell through the real app.

Allowed roles get a 2xx on a request that does real work (items generated from an ingested label,
approved, quizzed, answered); every other role gets 403 and nothing is written.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from hub.api import access_matrix, create_app
from hub.auth import Principal, Role
from hub.permissions import PERMISSIONS, Permission
from ingest.metadata import parse_metadata
from tests.conftest import CORPUS, TODAY, RoleClient
from tests.samples import build_hub

M, OWN, MGR, A = Role.msl, Role.content_owner, Role.manager, Role.admin
ITEMS, LEARN, ANALYTICS = Permission.manage_quiz_items, Permission.learn, Permission.read_analytics

# Each learning route and its permission; the roles come from hub.permissions (one table).
ROUTES: dict[tuple[str, str], Permission] = {
    ("POST", "/api/quizzes/generate"): ITEMS,
    ("GET", "/api/quiz-items"): ITEMS,
    ("GET", "/api/quiz-items/{item_id}"): ITEMS,
    ("POST", "/api/quiz-items/{item_id}/approve"): ITEMS,
    ("POST", "/api/quiz-items/{item_id}/reject"): ITEMS,
    ("PATCH", "/api/quiz-items/{item_id}"): ITEMS,
    ("PUT", "/api/quiz-items/{item_id}"): ITEMS,
    ("POST", "/api/quizzes"): LEARN,
    ("POST", "/api/quizzes/{attempt_id}/answers"): LEARN,
    ("GET", "/api/modules"): LEARN,
    ("GET", "/api/reviews/due"): LEARN,
    ("GET", "/api/analytics/mastery"): ANALYTICS,
    ("GET", "/api/analytics/users/{name}"): ANALYTICS,
    ("GET", "/api/analytics/topics"): ANALYTICS,
    ("GET", "/api/analytics/gaps"): ANALYTICS,
    ("GET", "/api/analytics/retention"): ANALYTICS,
    ("GET", "/api/analytics/export.csv"): ANALYTICS,
    ("GET", "/api/analytics/plots/{name}.png"): ANALYTICS,
}
MATRIX: dict[tuple[str, str], set[Role]] = {cell: set(PERMISSIONS[p]) for cell, p in ROUTES.items()}
CELLS = [(method, path, role) for (method, path) in MATRIX for role in Role]


@pytest.fixture(scope="module")
def world(tmp_path_factory, embedder):
    hub = build_hub(tmp_path_factory.mktemp("access-learning") / "data", embedder, today=TODAY)
    keys = {role: hub.users.add(f"u-{role}".replace("_", "-"), role)[1] for role in Role}
    meta = parse_metadata(
        {
            "title": "LUMERZA Prescribing Information",
            "doc_type": "label",
            "product": "Lumerza",
            "version": "3.0",
            "status": "approved",
            "effective_date": "2026-01-01",
            "expiry_date": "2027-12-31",
        }
    )
    label = hub.ingestion.ingest_bytes((CORPUS / "lumerza-prescribing-information.pdf").read_bytes(), "label.pdf", meta)
    owner = Principal("seed", "seed-owner", Role.content_owner)
    run = hub.learning.generate(owner)
    assert run.kept >= 4, run
    drafts = [i.id for i in hub.learning.list_items(status="draft")]
    # Separate items for each state-changing call, so every allowed call runs exactly once.
    for item_id in drafts[3:]:
        hub.learning.approve(item_id, owner)
    msl = hub.users.authenticate_key(keys[M])
    attempt = hub.learning.start_quiz(msl, n=2)
    with TestClient(create_app(hub=hub)) as client:
        yield {
            "hub": hub,
            "client": client,
            "keys": keys,
            "document": label.document_id,
            "approve": drafts[0],
            "reject": drafts[1],
            "edit": drafts[2],
            "attempt": attempt,
        }


def _call(world, method: str, path: str, client: RoleClient):
    """A request to ``path`` that succeeds for an allowed role."""
    attempt = world["attempt"]
    item = world["edit"]
    if path.endswith("/approve"):
        item = world["approve"]
    elif path.endswith("/reject"):
        item = world["reject"]
    url = (
        path.replace("{item_id}", item)
        .replace("{attempt_id}", attempt.attempt_id)
        .replace("{name}", "u-msl")
        .replace("{name}.png", "mastery")
    )
    url = url.replace("/plots/u-msl.png", "/plots/mastery.png")
    kwargs: dict = {}
    if (method, path) == ("POST", "/api/quizzes/generate"):
        kwargs = {"json": {"document_id": world["document"]}}
    elif path.endswith("/reject"):
        kwargs = {"json": {"note": "ambiguous stem"}}
    elif method in ("PATCH", "PUT"):
        kwargs = {"json": {"explanation": "See the label, section 2."}}
    elif (method, path) == ("POST", "/api/quizzes"):
        kwargs = {"json": {"n": 1}}
    elif path.endswith("/answers"):
        first = attempt.items[0]
        kwargs = {"json": {"item_id": first.id, "answer": (first.options or ["x"])[0]}}
    elif path == "/api/modules":
        kwargs = {"params": {"document_id": world["document"]}}
    return client.request(method, url, **kwargs)


def test_the_app_enforces_the_documented_learning_rows(world):
    actual = access_matrix(world["client"].app)
    for cell, roles in MATRIX.items():
        assert actual.get(cell) == roles, cell


@pytest.mark.parametrize(("method", "path", "role"), CELLS, ids=[f"{m} {p} {r}" for m, p, r in CELLS])
def test_learning_matrix_cell(world, method, path, role):
    allowed = role in MATRIX[(method, path)]
    before = world["hub"].audit.count()
    r = _call(world, method, path, RoleClient(world["client"], world["keys"][role]))
    if allowed:
        assert 200 <= r.status_code < 300, r.text
    else:
        assert r.status_code == 403, r.text
        assert world["hub"].audit.count() == before


@pytest.mark.parametrize(("method", "path"), list(MATRIX), ids=[f"{m} {p}" for m, p in MATRIX])
def test_learning_routes_need_a_key(world, method, path):
    assert _call(world, method, path, RoleClient(world["client"], None)).status_code == 401
