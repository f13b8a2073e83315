"""Health, who am I, and asking."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from hub.answering import Answer
from hub.api_models import AskRequest, Me
from hub.routers.common import Asker, SignedIn, the_hub

router = APIRouter()


@router.get("/healthz", tags=["health"])
def healthz(request: Request) -> dict[str, Any]:
    hub = the_hub(request)
    return {"status": "ok", **hub.counts()}


@router.get("/api/me", response_model=Me, tags=["users"])
def me(who: SignedIn) -> Me:
    return Me(name=who.name, role=who.role)


@router.post("/api/ask", response_model=Answer, tags=["ask"])
def ask(body: AskRequest, request: Request, who: Asker) -> Answer:
    return the_hub(request).ask(body.question, body.to_filters(), user=who)
