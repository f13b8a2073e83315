"""HTTP API: thin routes over :class:`~hub.service.Hub`. Errors are mapped to HTTP in one place.

Every route but ``/healthz`` needs ``Authorization: Bearer KEY``; which roles may call which route
is declared next to the route with :func:`hub.auth.require` and listed in docs/governance.md
(:func:`access_matrix` reads it back off the app, and the tests check every cell).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, File, Form, Query, Request, Response, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from hub.answering import Answer
from hub.audit import AuditEntry, VerifyResult
from hub.auth import Principal, Role, UserOut, require
from hub.catalog import Document, Version
from hub.errors import Conflict, FileTooLargeError, HubError, InvalidInput, NotFound
from hub.http_guard import HttpGuard, error_response
from hub.ingestion import IngestResult
from hub.service import AskFilters, Hub
from hub.settings import Settings
from ingest.errors import BadMetadata
from ingest.metadata import Status, parse_metadata

log = logging.getLogger(__name__)


class AskFiltersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product: str | None = Field(None, max_length=120)
    doc_type: str | None = Field(None, max_length=40)
    therapeutic_area: str | None = Field(None, max_length=120)


class AskRequest(BaseModel):
    """A question, with optional filters given flat or under ``filters``."""

    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=2000, examples=["What is the recommended maintenance dose?"])
    product: str | None = Field(None, max_length=120)
    doc_type: str | None = Field(None, max_length=40)
    therapeutic_area: str | None = Field(None, max_length=120)
    filters: AskFiltersIn | None = None

    def to_filters(self) -> AskFilters:
        f = self.filters or AskFiltersIn()
        return AskFilters(
            self.product or f.product, self.doc_type or f.doc_type, self.therapeutic_area or f.therapeutic_area
        )


class VersionOut(BaseModel):
    id: str
    version: str
    status: str
    status_reason: str
    doc_type: str
    product: str
    therapeutic_area: str
    approval_id: str
    owner: str
    effective_date: dt.date | None
    expiry_date: dt.date | None
    source_file: str
    media_type: str
    sha256: str
    pages: int
    chunks: int
    created_at: dt.datetime
    status_changed_at: dt.datetime | None = None
    retrievable: bool = Field(description="Shown in answers today: approved and within its dates.")

    @classmethod
    def of(cls, v: Version, today: dt.date) -> VersionOut:
        return cls(
            id=v.id,
            version=v.version_label,
            status=v.status,
            status_reason=v.status_reason,
            doc_type=v.doc_type,
            product=v.product,
            therapeutic_area=v.therapeutic_area,
            approval_id=v.approval_id,
            owner=v.owner,
            effective_date=v.effective_date,
            expiry_date=v.expiry_date,
            source_file=v.source_file,
            media_type=v.media_type,
            sha256=v.sha256,
            pages=v.page_count,
            chunks=v.chunk_count,
            created_at=v.created_at,
            status_changed_at=v.status_changed_at,
            retrievable=v.is_retrievable(today),
        )


class DocumentOut(BaseModel):
    id: str
    title: str
    current: VersionOut | None = Field(description="The newest version (whatever its state).")
    versions: list[VersionOut]

    @classmethod
    def of(cls, d: Document, today: dt.date) -> DocumentOut:
        versions = [VersionOut.of(v, today) for v in d.versions]
        return cls(id=d.id, title=d.title, current=versions[-1] if versions else None, versions=versions)


class ApproveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version_id: str | None = Field(None, description="Default: the newest draft of the document.")


class WithdrawRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field("", max_length=2000, description="Required: why the content may no longer be shown.")
    version_id: str | None = Field(None, description="Default: the approved version (else the newest draft).")


class StatusChange(BaseModel):
    document_id: str
    version_id: str
    version: str
    status: str
    superseded: list[str] = Field(default_factory=list, description="Versions this change retired.")


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=64)
    role: Role
    password: str | None = Field(None, max_length=200, description="Optional, for the web UI sign-in.")


class UserCreated(BaseModel):
    user: UserOut
    api_key: str = Field(description="Shown only now; only its hash is stored.")


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["reviewed_ok", "flagged"]
    comment: str = Field("", max_length=4000)


class Me(BaseModel):
    name: str
    role: Role


# Who may call what (docs/governance.md). No role gets everything: an admin manages users only.
ASK = (Role.msl,)
READ_DOCUMENTS = (Role.msl, Role.content_owner, Role.compliance)
MANAGE_CONTENT = (Role.content_owner,)
AUDIT = (Role.compliance,)
MANAGE_USERS = (Role.admin,)
EVERYONE = tuple(Role)
# Larger offsets are refused with 422: past any real table, and far from the database's 64-bit overflow.
MAX_OFFSET = 1_000_000_000


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


def _pick_version(doc: Document, version_id: str | None, wanted: Sequence[str], action: str) -> Version:
    if version_id:
        for v in doc.versions:
            if v.id == version_id:
                return v
        raise NotFound(f"document '{doc.id}' has no version '{version_id}'; see GET /api/documents/{doc.id}/versions")
    for status in wanted:
        candidates = [v for v in doc.versions if v.status == status]
        if candidates:
            return candidates[-1]
    raise Conflict(f"document '{doc.id}' has no {' or '.join(wanted)} version to {action}; name one with version_id")


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

    def the_hub(request: Request) -> Hub:
        return request.app.state.hub  # type: ignore[no-any-return]

    @app.get("/healthz", tags=["health"])
    def healthz(request: Request) -> dict[str, Any]:
        hub = the_hub(request)
        return {"status": "ok", **hub.catalog.counts()}

    @app.get("/api/me", response_model=Me, tags=["users"])
    def me(who: Annotated[Principal, Depends(require(*EVERYONE))]) -> Me:
        return Me(name=who.name, role=who.role)

    # --- asking -------------------------------------------------------------------------------

    @app.post("/api/ask", response_model=Answer, tags=["ask"])
    def ask(body: AskRequest, request: Request, who: Annotated[Principal, Depends(require(*ASK))]) -> Answer:
        return the_hub(request).ask(body.question, body.to_filters(), user=who)

    # --- documents ----------------------------------------------------------------------------

    @app.get("/api/documents", response_model=list[DocumentOut], tags=["documents"])
    def list_documents(
        request: Request, _: Annotated[Principal, Depends(require(*READ_DOCUMENTS))]
    ) -> list[DocumentOut]:
        hub = the_hub(request)
        today = hub.clock()
        return [DocumentOut.of(d, today) for d in hub.catalog.list_documents()]

    @app.get("/api/documents/{document_id}", response_model=DocumentOut, tags=["documents"])
    def get_document(
        document_id: str, request: Request, _: Annotated[Principal, Depends(require(*READ_DOCUMENTS))]
    ) -> DocumentOut:
        hub = the_hub(request)
        return DocumentOut.of(hub.catalog.get_document(document_id), hub.clock())

    @app.get("/api/documents/{document_id}/versions", response_model=list[VersionOut], tags=["documents"])
    def document_versions(
        document_id: str, request: Request, _: Annotated[Principal, Depends(require(*READ_DOCUMENTS))]
    ) -> list[VersionOut]:
        """Every version of the document, oldest first, with its state and why it changed."""
        hub = the_hub(request)
        today = hub.clock()
        return [VersionOut.of(v, today) for v in hub.catalog.get_document(document_id).versions]

    @app.post("/api/documents/{document_id}/approve", response_model=StatusChange, tags=["documents"])
    def approve_document(
        document_id: str,
        request: Request,
        who: Annotated[Principal, Depends(require(*MANAGE_CONTENT))],
        body: ApproveRequest | None = None,
    ) -> StatusChange:
        hub = the_hub(request)
        version = _pick_version(
            hub.catalog.get_document(document_id), (body or ApproveRequest()).version_id, [Status.draft], "approve"
        )
        superseded = hub.set_status(version.id, Status.approved, actor=who)
        return StatusChange(
            document_id=document_id,
            version_id=version.id,
            version=version.version_label,
            status=Status.approved,
            superseded=superseded,
        )

    @app.post("/api/documents/{document_id}/withdraw", response_model=StatusChange, tags=["documents"])
    def withdraw_document(
        document_id: str,
        body: WithdrawRequest,
        request: Request,
        who: Annotated[Principal, Depends(require(*MANAGE_CONTENT))],
    ) -> StatusChange:
        hub = the_hub(request)
        version = _pick_version(
            hub.catalog.get_document(document_id), body.version_id, [Status.approved, Status.draft], "withdraw"
        )
        hub.set_status(version.id, Status.withdrawn, actor=who, reason=body.reason)
        return StatusChange(
            document_id=document_id, version_id=version.id, version=version.version_label, status=Status.withdrawn
        )

    @app.post("/api/documents", status_code=201, tags=["documents"])
    async def upload_document(
        request: Request,
        who: Annotated[Principal, Depends(require(*MANAGE_CONTENT))],
        file: Annotated[UploadFile, File(description="PDF, PPTX, DOCX, MD, TXT or HTML")],
        metadata: Annotated[str | None, Form(description="JSON object of metadata fields")] = None,
        title: Annotated[str | None, Form()] = None,
        doc_type: Annotated[str | None, Form()] = None,
        product: Annotated[str | None, Form()] = None,
        therapeutic_area: Annotated[str | None, Form()] = None,
        version: Annotated[str | None, Form()] = None,
        approval_id: Annotated[str | None, Form()] = None,
        status: Annotated[str | None, Form()] = None,
        effective_date: Annotated[str | None, Form()] = None,
        expiry_date: Annotated[str | None, Form()] = None,
        owner: Annotated[str | None, Form()] = None,
    ) -> JSONResponse:
        hub = the_hub(request)
        name = file.filename or ""
        raw: dict[str, Any] = {}
        if metadata:
            try:
                raw = json.loads(metadata)
            except json.JSONDecodeError as exc:
                raise InvalidInput(f"the metadata field is not valid JSON: {exc.msg}", field="metadata") from exc
            if not isinstance(raw, dict):
                raise InvalidInput("the metadata field must be a JSON object", field="metadata")
        fields = dict(
            title=title,
            doc_type=doc_type,
            product=product,
            therapeutic_area=therapeutic_area,
            version=version,
            approval_id=approval_id,
            status=status,
            effective_date=effective_date,
            expiry_date=expiry_date,
            owner=owner,
        )
        raw.update({k: v for k, v in fields.items() if v not in (None, "")})
        try:
            meta = parse_metadata(raw, file=name)
        except BadMetadata as exc:
            raise InvalidInput(exc.message, field=exc.field, file=name) from exc
        limit = hub.ingestion.max_bytes
        data = await file.read(limit + 1)
        if len(data) > limit:
            raise FileTooLargeError(
                f"{name} is larger than the {limit / 2**20:.0f} MiB upload limit; split the file or ask an "
                "admin to raise HUB_MAX_UPLOAD_MB",
                file=name,
            )
        from starlette.concurrency import run_in_threadpool

        result: IngestResult = await run_in_threadpool(hub.ingestion.ingest_bytes, data, name, meta, actor=who)
        code = 201 if result.outcome == "ingested" else 200
        return JSONResponse(status_code=code, content=json.loads(json.dumps(result.to_dict(), default=str)))

    # --- audit (compliance) -------------------------------------------------------------------

    @app.get("/api/audit", response_model=list[AuditEntry], tags=["audit"])
    def audit_list(
        request: Request,
        _: Annotated[Principal, Depends(require(*AUDIT))],
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        user: str | None = None,
        product: str | None = None,
        event: Annotated[list[str] | None, Query(description="One or more event names, e.g. answer.given")] = None,
        refused_only: bool = False,
        flagged_only: bool = False,
        unreviewed_only: bool = False,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
        newest_first: bool = False,
    ) -> list[AuditEntry]:
        """Audit records matching every filter, oldest first unless ``newest_first`` (dates are inclusive UTC days)."""
        return the_hub(request).audit.query(
            date_from=date_from,
            date_to=date_to,
            user=user,
            product=product,
            event=event,
            refused_only=refused_only,
            flagged_only=flagged_only,
            unreviewed_only=unreviewed_only,
            limit=limit,
            offset=offset,
            newest_first=newest_first,
        )

    @app.get("/api/audit/verify", response_model=VerifyResult, tags=["audit"])
    def audit_verify(request: Request, _: Annotated[Principal, Depends(require(*AUDIT))]) -> VerifyResult:
        """Re-hash the whole chain; ``ok`` false names the first record that does not match."""
        return the_hub(request).audit.verify()

    @app.get("/api/audit/sample", response_model=list[AuditEntry], tags=["audit"])
    def audit_sample(
        request: Request,
        _: Annotated[Principal, Depends(require(*AUDIT))],
        n: Annotated[int, Query(ge=1, le=1000)] = 10,
        seed: int | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        product: str | None = None,
        unreviewed_only: bool = False,
    ) -> list[AuditEntry]:
        """A random sample of answer records to review (``seed`` makes it reproducible)."""
        return the_hub(request).audit.sample(
            n, seed, date_from=date_from, date_to=date_to, product=product, unreviewed_only=unreviewed_only
        )

    @app.get(
        "/api/audit/export", tags=["audit"], responses={200: {"content": {"text/csv": {}, "application/json": {}}}}
    )
    def audit_export(
        request: Request, who: Annotated[Principal, Depends(require(*AUDIT))], format: Literal["csv", "json"] = "json"
    ) -> Response:
        """The whole log with its hashes; check it offline with `hub audit verify-export FILE`."""
        hub = the_hub(request)
        data = hub.audit.export(format, actor=who)
        stamp = hub.now().strftime("%Y%m%dT%H%M%SZ")
        media = "text/csv; charset=utf-8" if format == "csv" else "application/json"
        return Response(
            data, media_type=media, headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.{format}"'}
        )

    @app.get("/api/audit/{record_id}", response_model=AuditEntry, tags=["audit"])
    def audit_get(record_id: str, request: Request, _: Annotated[Principal, Depends(require(*AUDIT))]) -> AuditEntry:
        return the_hub(request).audit.get(record_id)

    @app.get("/api/audit/{record_id}/reviews", response_model=list[AuditEntry], tags=["audit"])
    def audit_reviews(
        record_id: str, request: Request, _: Annotated[Principal, Depends(require(*AUDIT))]
    ) -> list[AuditEntry]:
        return the_hub(request).audit.reviews(record_id)

    @app.post("/api/audit/{record_id}/reviews", response_model=AuditEntry, status_code=201, tags=["audit"])
    def audit_add_review(
        record_id: str, body: ReviewIn, request: Request, who: Annotated[Principal, Depends(require(*AUDIT))]
    ) -> AuditEntry:
        """Add a review as a new record pointing at ``record_id`` (the reviewed record is never changed)."""
        return the_hub(request).audit.add_review(record_id, who, body.status, body.comment)

    # --- users (admin) ------------------------------------------------------------------------

    @app.get("/api/users", response_model=list[UserOut], tags=["users"])
    def users_list(request: Request, _: Annotated[Principal, Depends(require(*MANAGE_USERS))]) -> list[UserOut]:
        return the_hub(request).users.list()

    @app.post("/api/users", response_model=UserCreated, status_code=201, tags=["users"])
    def users_add(
        body: UserCreate, request: Request, who: Annotated[Principal, Depends(require(*MANAGE_USERS))]
    ) -> UserCreated:
        """Create a user; the response holds the API key, shown this once."""
        user, key = the_hub(request).users.add(body.name, body.role, body.password, actor=who)
        return UserCreated(user=user, api_key=key)

    @app.post("/api/users/{name}/disable", response_model=UserOut, tags=["users"])
    def users_disable(
        name: str, request: Request, who: Annotated[Principal, Depends(require(*MANAGE_USERS))]
    ) -> UserOut:
        return the_hub(request).users.disable(name, actor=who)

    from hub.learning.api import router as learning_router

    for router in (learning_router, *routers):
        app.include_router(router)
    return app
