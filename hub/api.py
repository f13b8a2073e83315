"""The HTTP API: one app over routers (``hub.routers``, ``hub.learning.api``). Errors are mapped to
HTTP in one place.

Every route but ``/healthz`` needs ``Authorization: Bearer KEY``; each route names the permission it
needs (:func:`hub.auth.allow`), and :mod:`hub.permissions` says which roles hold it (listed in
docs/governance.md; :func:`access_matrix` reads it back off the app, and the tests check every cell).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from hub.auth import Role
from hub.errors import HubError
from hub.http_guard import HttpGuard, error_response
from hub.service import Hub
from hub.settings import Settings

log = logging.getLogger(__name__)


def _error(status: int, message: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body = {"error": message, **{k: v for k, v in extra.items() if v is not None}}
    return JSONResponse(status_code=status, content=body, headers=headers)


def access_matrix(app: FastAPI) -> dict[tuple[str, str], frozenset[Role] | None]:
    """``(method, path) -> roles allowed`` for every route of the app (None = open to anyone)."""
    out: dict[tuple[str, str], frozenset[Role] | None] = {}

    def walk(routes: Sequence[Any], prefix: str) -> None:
        for route in routes:
            included = getattr(route, "original_router", None)
            if included is not None:
                # FastAPI >= 0.16x keeps an included router as one nested route object.
                walk(included.routes, prefix + getattr(route.include_context, "prefix", ""))
                continue
            if not isinstance(route, APIRoute):
                continue
            roles = None
            for dep in route.dependant.dependencies:
                roles = getattr(dep.call, "allowed_roles", roles)
            for method in route.methods or ():
                out[(method, prefix + route.path)] = roles

    walk(app.routes, "")
    return out


def create_app(settings: Settings | None = None, hub: Hub | None = None, routers: Sequence[APIRouter] = ()) -> FastAPI:
    """The FastAPI app. Builds the :class:`Hub` at start-up unless one is passed in (tests, UI).

    ``routers`` are included as they are (feature routers, e.g. learning, guard their routes
    with :func:`hub.auth.require` themselves).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if getattr(app.state, "hub", None) is None:
            app.state.hub = Hub(settings or Settings())
        app.state.hub.warm_up()
        yield

    app = FastAPI(
        title="MSL Knowledge Hub",
        version="0.1.0",
        description="Cited answers from approved, current medical-affairs content. Every endpoint but /healthz "
        "needs `Authorization: Bearer KEY` (keys from `hub users add`).",
        lifespan=lifespan,
    )
    app.state.hub = hub

    # Body limits, authentication before the body is read, security headers (hub/http_guard.py).
    app.add_middleware(HttpGuard)

    @app.exception_handler(HubError)
    async def hub_error(_: Request, exc: HubError) -> JSONResponse:
        return error_response(exc)  # type: ignore[no-any-return]

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
            problems.append(f"{where or 'request'}: {err.get('msg', 'invalid')}")
        return _error(422, "The request is not valid: " + "; ".join(problems), kind="InvalidRequest")

    from hub.learning.api import router as learning_router
    from hub.routers import ask, audit, documents, users

    for router in (ask.router, documents.router, audit.router, users.router, learning_router, *routers):
        app.include_router(router)
    return app
