"""HTTP routes of the learning module: thin wrappers over ``request.app.state.hub.learning``.

Roles (docs/learning.md): content owners generate, list, edit, approve and reject items; MSLs take
quizzes, modules and reviews; managers and admins read analytics. The lead mounts this router
with ``app.include_router(router)``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from hub.auth import Principal, allow
from hub.learning.analytics import LOW_SUPPORT
from hub.learning.plots import render
from hub.learning.schemas import DueItem, Feedback, ItemOut, ModuleOut, QuizOut, RunOut
from hub.learning.service import LearningService
from hub.permissions import Permission

router = APIRouter(prefix="/api", tags=["learning"])

ContentOwner = Annotated[Principal, Depends(allow(Permission.manage_quiz_items))]
Msl = Annotated[Principal, Depends(allow(Permission.learn))]
Manager = Annotated[Principal, Depends(allow(Permission.read_analytics))]


def _learning(request: Request) -> LearningService:
    return request.app.state.hub.learning


class GenerateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    document_id: str | None = Field(None, max_length=32, description="One document; all approved content if omitted.")


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field("", max_length=2000, description="Why (kept in the audit log).")


class EditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stem: str | None = Field(None, max_length=2000)
    options: list[str] | None = Field(None, max_length=8)
    answer: str | None = Field(None, max_length=500)
    explanation: str | None = Field(None, max_length=4000)


class DecisionsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item_ids: list[str] = Field(min_length=1, max_length=500, description="Items to decide on, each audited.")
    decision: str = Field(pattern="^(approve|reject)$", description="'approve' or 'reject'.")
    note: str = Field("", max_length=2000, description="Why; required to reject.")


class DecisionsOut(BaseModel):
    done: list[ItemOut]
    failed: dict[str, str] = Field(description="Item id -> why it was not decided (retired source, already decided).")


class QuizIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    document_id: str | None = Field(None, max_length=32)
    product: str | None = Field(None, max_length=120)
    topic: str | None = Field(None, max_length=120)
    n: int | None = Field(None, ge=1, le=100, description="Number of items (default 5).")
    item_ids: list[str] | None = Field(None, max_length=100, description="Exactly these items (e.g. a module's).")
    review: bool = Field(False, description="Take the caller's due reviews instead.")


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item_id: str = Field(max_length=32)
    answer: str = Field(min_length=1, max_length=500, description="The option text, 'True'/'False', or the gap word.")


# --- content owner ------------------------------------------------------------------------------


@router.post("/quizzes/generate", response_model=RunOut, status_code=201)
def generate(body: GenerateIn, request: Request, actor: ContentOwner) -> RunOut:
    return _learning(request).generate(actor, document_id=body.document_id)


@router.get("/quiz-items", response_model=list[ItemOut])
def list_items(
    request: Request,
    actor: ContentOwner,
    status: str | None = None,
    document_id: str | None = None,
    product: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,  # an overflowing offset is a 422, not a 500
) -> list[ItemOut]:
    return _learning(request).list_items(
        status=status, document_id=document_id, product=product, limit=limit, offset=offset
    )


@router.get("/quiz-items/queue", response_model=list[ItemOut])
def review_queue(
    request: Request,
    actor: ContentOwner,
    document_id: str | None = None,
    type: str | None = None,  # noqa: A002 - the query parameter's public name
    topic: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[ItemOut]:
    """Drafts, the ones most worth reviewing first (quality signal), filtered by document, type and topic."""
    return _learning(request).review_queue(document_id=document_id, item_type=type, topic=topic, limit=limit)


@router.post("/quiz-items/decisions", response_model=DecisionsOut)
def decide_many(body: DecisionsIn, request: Request, actor: ContentOwner) -> DecisionsOut:
    """Approve or reject many items at once; each decision is audited as on its own."""
    done, failed = _learning(request).decide_many(body.item_ids, actor, body.decision, body.note)
    return DecisionsOut(done=done, failed=failed)


@router.get("/quiz-items/{item_id}", response_model=ItemOut)
def get_item(item_id: str, request: Request, actor: ContentOwner) -> ItemOut:
    return _learning(request).get_item(item_id)


@router.post("/quiz-items/{item_id}/approve", response_model=ItemOut)
def approve(item_id: str, request: Request, actor: ContentOwner, body: ReviewIn | None = None) -> ItemOut:
    return _learning(request).approve(item_id, actor, (body or ReviewIn()).note)


@router.post("/quiz-items/{item_id}/reject", response_model=ItemOut)
def reject(item_id: str, request: Request, actor: ContentOwner, body: ReviewIn | None = None) -> ItemOut:
    return _learning(request).reject(item_id, actor, (body or ReviewIn()).note)


@router.patch("/quiz-items/{item_id}", response_model=ItemOut)
def edit(item_id: str, body: EditIn, request: Request, actor: ContentOwner) -> ItemOut:
    """Edit a draft or approved item (fields left out stay as they are); the checks run again."""
    return _learning(request).edit(
        item_id, actor, stem=body.stem, options=body.options, answer=body.answer, explanation=body.explanation
    )


@router.put("/quiz-items/{item_id}", response_model=ItemOut, include_in_schema=False)
def edit_put(item_id: str, body: EditIn, request: Request, actor: ContentOwner) -> ItemOut:
    """``PUT`` alias of the ``PATCH`` edit (same partial semantics)."""
    return edit(item_id, body, request, actor)


# --- MSL ----------------------------------------------------------------------------------------


@router.post("/quizzes", response_model=QuizOut, status_code=201)
def start_quiz(body: QuizIn, request: Request, actor: Msl) -> QuizOut:
    return _learning(request).start_quiz(
        actor,
        document_id=body.document_id,
        product=body.product,
        topic=body.topic,
        n=body.n,
        item_ids=body.item_ids,
        review=body.review,
    )


@router.post("/quizzes/{attempt_id}/answers", response_model=Feedback)
def answer(attempt_id: str, body: AnswerIn, request: Request, actor: Msl) -> Feedback:
    return _learning(request).answer(actor, attempt_id, body.item_id, body.answer)


@router.get("/modules", response_model=ModuleOut)
def module(request: Request, actor: Msl, document_id: str, section: str | None = None) -> ModuleOut:
    return _learning(request).module(document_id, section)


@router.get("/reviews/due", response_model=list[DueItem])
def due(request: Request, actor: Msl, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[DueItem]:
    return _learning(request).due_reviews(actor, limit=limit)


# --- manager / admin ----------------------------------------------------------------------------


@router.get("/analytics/mastery")
def mastery(request: Request, actor: Manager) -> dict[str, Any]:
    return _learning(request).analytics.mastery()


@router.get("/analytics/users/{name}")
def user_analytics(name: str, request: Request, actor: Manager) -> dict[str, Any]:
    return _learning(request).analytics.user(name)


@router.get("/analytics/topics")
def topics(request: Request, actor: Manager) -> list[dict[str, Any]]:
    return _learning(request).analytics.topics()


@router.get("/analytics/gaps")
def gaps(
    request: Request,
    actor: Manager,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    all_roles: bool = False,
    low_support: Annotated[float, Query(ge=0.0, le=1.0)] = LOW_SUPPORT,
) -> list[dict[str, Any]]:
    """Refused questions and answers given with support below ``low_support``, most asked first."""
    return _learning(request).analytics.gaps(msl_only=not all_roles, limit=limit, low_support=low_support)


@router.get("/analytics/documents")
def by_document(request: Request, actor: Manager) -> list[dict[str, Any]]:
    """Team mastery per document and section kind, weakest first."""
    return _learning(request).analytics.by_document()


@router.get("/analytics/retention")
def retention(
    request: Request, actor: Manager, days: Annotated[int | None, Query(ge=1, le=3660)] = None, user: str | None = None
) -> list[dict[str, Any]]:
    return _learning(request).analytics.retention(days=days, user=user)


@router.get("/analytics/export.csv")
def export_csv(request: Request, actor: Manager) -> Response:
    return Response(
        _learning(request).analytics.export_csv(),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="learning-mastery.csv"'},
    )


@router.get("/analytics/plots/{name}.png")
def plot(name: str, request: Request, actor: Manager) -> Response:
    return Response(render(_learning(request).analytics, name), media_type="image/png")
