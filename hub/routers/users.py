"""User management (admins)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from hub.api_models import UserCreate, UserCreated
from hub.auth import UserOut
from hub.routers.common import UserManager, the_hub

router = APIRouter()


@router.get("/api/users", response_model=list[UserOut], tags=["users"])
def users_list(request: Request, _: UserManager) -> list[UserOut]:
    return the_hub(request).users.list()


@router.post("/api/users", response_model=UserCreated, status_code=201, tags=["users"])
def users_add(body: UserCreate, request: Request, who: UserManager) -> UserCreated:
    """Create a user; the response holds the API key, shown this once."""
    user, key = the_hub(request).users.add(body.name, body.role, body.password, actor=who)
    return UserCreated(user=user, api_key=key)


@router.post("/api/users/{name}/disable", response_model=UserOut, tags=["users"])
def users_disable(name: str, request: Request, who: UserManager) -> UserOut:
    return the_hub(request).users.disable(name, actor=who)
