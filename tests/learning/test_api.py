"""The learning routes through the real ASGI stack: roles, the full review -> quiz -> analytics flow."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.learning.conftest import wrong_answer


@pytest.fixture
def client_keys(lhub, zorbex):  # type: ignore[no-untyped-def]
    from hub.api import create_app
    from hub.learning.api import router

    app = create_app(hub=lhub)
    app.include_router(router)
    keys = {}
    for name, role in (
        ("olive", "content_owner"),
        ("ana", "msl"),
        ("ben", "msl"),
        ("mia", "manager"),
        ("ada", "admin"),
        ("cora", "compliance"),
    ):
        keys[name] = lhub.users.add(name, role)[1]
    return TestClient(app), keys


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_roles_are_enforced(client_keys) -> None:
    client, keys = client_keys
    assert client.post("/api/quizzes/generate", json={}).status_code == 401
    assert client.post("/api/quizzes/generate", json={}, headers=auth("hub_00000000_" + "x" * 43)).status_code == 401
    for who in ("ana", "mia", "ada", "cora"):
        assert client.post("/api/quizzes/generate", json={}, headers=auth(keys[who])).status_code == 403
        assert client.get("/api/quiz-items", headers=auth(keys[who])).status_code == 403
    for who in ("olive", "mia", "ada", "cora"):
        assert client.post("/api/quizzes", json={}, headers=auth(keys[who])).status_code == 403
        assert client.get("/api/reviews/due", headers=auth(keys[who])).status_code == 403
    for who in ("olive", "ana", "cora"):
        assert client.get("/api/analytics/mastery", headers=auth(keys[who])).status_code == 403
    for who in ("mia", "ada"):
        assert client.get("/api/analytics/mastery", headers=auth(keys[who])).status_code == 200


def test_review_quiz_feedback_and_analytics_over_http(client_keys, zorbex) -> None:
    client, keys = client_keys
    owner, msl, manager = auth(keys["olive"]), auth(keys["ana"]), auth(keys["mia"])
    run = client.post("/api/quizzes/generate", json={"document_id": zorbex.document_id}, headers=owner)
    assert run.status_code == 201 and run.json()["kept"] == len(run.json()["item_ids"]) > 0
    drafts = client.get("/api/quiz-items", params={"status": "draft"}, headers=owner).json()
    assert len(drafts) == run.json()["kept"]
    assert client.post("/api/quizzes", json={}, headers=msl).status_code == 404  # nothing approved yet
    for item in drafts:
        assert (
            client.post(f"/api/quiz-items/{item['id']}/approve", json={"note": "ok"}, headers=owner).json()["status"]
            == "approved"
        )
    mcq = next(i for i in drafts if i["type"] == "mcq")
    edited = client.patch(f"/api/quiz-items/{mcq['id']}", json={"explanation": "Read the label."}, headers=owner)
    assert edited.status_code == 200 and edited.json()["status"] == "draft"
    assert (
        client.post(f"/api/quiz-items/{mcq['id']}/reject", json={"note": "no"}, headers=owner).json()["status"]
        == "rejected"
    )
    assert client.get("/api/quiz-items", params={"status": "bogus"}, headers=owner).status_code == 422

    quiz = client.post("/api/quizzes", json={"n": 3}, headers=msl)
    assert quiz.status_code == 201
    body = quiz.json()
    assert len(body["items"]) == 3 and all("answer" not in q for q in body["items"])
    assert mcq["id"] not in {q["id"] for q in body["items"]}  # rejected items never reach MSLs
    by_id = {i["id"]: i for i in drafts}
    results = []
    for n, question in enumerate(body["items"]):
        item = by_id[question["id"]]
        given = item["answer"] if n % 2 == 0 else wrong_answer(_Item(item))
        fb = client.post(
            f"/api/quizzes/{body['attempt_id']}/answers", json={"item_id": item["id"], "answer": given}, headers=msl
        )
        assert fb.status_code == 200, fb.text
        results.append(fb.json())
        assert fb.json()["correct_answer"] == item["answer"]
        assert fb.json()["citation"]["page_label"] == "page 1" and fb.json()["citation"]["version"] == "1.0"
    assert [r["correct"] for r in results] == [True, False, True]
    first = by_id[body["items"][0]["id"]]
    again = client.post(
        f"/api/quizzes/{body['attempt_id']}/answers",
        json={"item_id": first["id"], "answer": first["answer"]},
        headers=msl,
    )
    assert again.status_code == 409 and "already answered" in again.json()["error"]
    assert (
        client.post(
            f"/api/quizzes/{body['attempt_id']}/answers",
            json={"item_id": body["items"][0]["id"], "answer": "x"},
            headers=auth(keys["ben"]),
        ).status_code
        == 404
    )
    assert client.get("/api/reviews/due", headers=msl).json() == []

    module = client.get("/api/modules", params={"document_id": zorbex.document_id}, headers=msl)
    assert module.status_code == 200 and 3 <= len(module.json()["key_points"]) <= 5

    mastery = client.get("/api/analytics/mastery", headers=manager).json()
    assert mastery["users"] == ["ana"]
    user = client.get("/api/analytics/users/ana", headers=manager).json()
    assert (user["attempts"], user["correct"]) == (3, 2)
    assert client.get("/api/analytics/users/nobody", headers=manager).status_code == 404
    assert client.get("/api/analytics/topics", headers=manager).status_code == 200
    assert client.get("/api/analytics/gaps", headers=manager).json() == []
    assert len(client.get("/api/analytics/retention", headers=manager).json()) == 1
    export = client.get("/api/analytics/export.csv", headers=manager)
    assert export.headers["content-type"].startswith("text/csv") and export.text.startswith("user,product,topic")
    png = client.get("/api/analytics/plots/mastery.png", headers=manager)
    assert png.headers["content-type"] == "image/png" and png.content.startswith(b"\x89PNG")
    assert client.get("/api/analytics/plots/nothing.png", headers=manager).status_code == 404


class _Item:
    def __init__(self, data: dict) -> None:
        self.type, self.answer, self.options = data["type"], data["answer"], data["options"]


def test_review_queue_bulk_decisions_and_document_analytics_over_http(client_keys, zorbex) -> None:
    client, keys = client_keys
    owner, manager = auth(keys["olive"]), auth(keys["mia"])
    assert client.post("/api/quizzes/generate", json={}, headers=owner).status_code == 201
    assert client.get("/api/quiz-items/queue", headers=auth(keys["ana"])).status_code == 403
    queue = client.get("/api/quiz-items/queue", headers=owner).json()
    drafts = client.get("/api/quiz-items", params={"status": "draft"}, headers=owner).json()
    assert sorted(i["id"] for i in queue) == sorted(i["id"] for i in drafts) and len(queue) >= 2
    from hub.learning.review import rank

    class _Row:  # what ranking reads, from the JSON
        def __init__(self, d: dict) -> None:
            self.id, self.topic, self.fact_kind = d["id"], d["topic"], d.get("fact_kind", "")
            self.type, self.answer, self.stem = d["type"], d["answer"], d["stem"]

    assert [i["id"] for i in queue] == [s.item_id for s in rank([_Row(d) for d in drafts])]
    mcqs = client.get("/api/quiz-items/queue", params={"type": "mcq", "limit": 1}, headers=owner).json()
    assert len(mcqs) == 1 and mcqs[0]["type"] == "mcq"
    first, second = queue[0]["id"], queue[1]["id"]
    missing = client.post("/api/quiz-items/decisions", json={"item_ids": [first], "decision": "reject"}, headers=owner)
    assert missing.status_code == 422  # a rejection needs a reason
    done = client.post(
        "/api/quiz-items/decisions", json={"item_ids": [first, second], "decision": "approve"}, headers=owner
    ).json()
    assert sorted(i["id"] for i in done["done"]) == sorted([first, second]) and done["failed"] == {}
    again = client.post(
        "/api/quiz-items/decisions", json={"item_ids": [first], "decision": "approve"}, headers=owner
    ).json()
    assert again["done"] == [] and first in again["failed"]
    assert client.get("/api/analytics/documents", headers=manager).json() == []  # no answers yet
    assert client.get("/api/analytics/gaps", params={"low_support": 2}, headers=manager).status_code == 422
