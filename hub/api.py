"""HTTP API: thin routes over :class:`~hub.service.Hub`. Errors are mapped to HTTP in one place."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from hub.answering import Answer
from hub.catalog import Document, Version
from hub.errors import FileTooLargeError, HubError, InvalidInput
from hub.ingestion import IngestResult
from hub.service import AskFilters, Hub
from hub.settings import Settings
from ingest.errors import BadMetadata
from ingest.metadata import parse_metadata

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
        return AskFilters(self.product or f.product, self.doc_type or f.doc_type,
                          self.therapeutic_area or f.therapeutic_area)


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
    retrievable: bool = Field(description="Shown in answers today: approved and within its dates.")

    @classmethod
    def of(cls, v: Version, today: dt.date) -> VersionOut:
        return cls(
            id=v.id, version=v.version_label, status=v.status, status_reason=v.status_reason, doc_type=v.doc_type,
            product=v.product, therapeutic_area=v.therapeutic_area, approval_id=v.approval_id, owner=v.owner,
            effective_date=v.effective_date, expiry_date=v.expiry_date, source_file=v.source_file,
            media_type=v.media_type, sha256=v.sha256, pages=v.page_count, chunks=v.chunk_count,
            created_at=v.created_at, retrievable=v.is_retrievable(today),
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


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    body = {"error": message, **{k: v for k, v in extra.items() if v is not None}}
    return JSONResponse(status_code=status, content=body)


def create_app(settings: Settings | None = None, hub: Hub | None = None) -> FastAPI:
    """The FastAPI app. Builds the :class:`Hub` at start-up unless one is passed in (tests, UI)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if getattr(app.state, "hub", None) is None:
            app.state.hub = Hub(settings or Settings())
        app.state.hub.warm_up()
        yield

    app = FastAPI(
        title="MSL Knowledge Hub",
        version="0.1.0",
        description="Cited answers from approved, current medical-affairs content.",
        lifespan=lifespan,
    )
    app.state.hub = hub

    @app.exception_handler(HubError)
    async def hub_error(_: Request, exc: HubError) -> JSONResponse:
        return _error(exc.status_code, exc.message, kind=type(exc).__name__,
                      field=getattr(exc, "field", None), file=getattr(exc, "file", None))

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

    @app.post("/api/ask", response_model=Answer, tags=["ask"])
    def ask(body: AskRequest, request: Request) -> Answer:
        return the_hub(request).ask(body.question, body.to_filters())

    @app.get("/api/documents", response_model=list[DocumentOut], tags=["documents"])
    def list_documents(request: Request) -> list[DocumentOut]:
        hub = the_hub(request)
        today = hub.clock()
        return [DocumentOut.of(d, today) for d in hub.catalog.list_documents()]

    @app.get("/api/documents/{document_id}", response_model=DocumentOut, tags=["documents"])
    def get_document(document_id: str, request: Request) -> DocumentOut:
        hub = the_hub(request)
        return DocumentOut.of(hub.catalog.get_document(document_id), hub.clock())

    @app.post("/api/documents", status_code=201, tags=["documents"])
    async def upload_document(
        request: Request,
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
        fields = dict(title=title, doc_type=doc_type, product=product, therapeutic_area=therapeutic_area,
                      version=version, approval_id=approval_id, status=status, effective_date=effective_date,
                      expiry_date=expiry_date, owner=owner)
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
                "admin to raise HUB_MAX_UPLOAD_MB", file=name)
        from starlette.concurrency import run_in_threadpool

        result: IngestResult = await run_in_threadpool(hub.ingestion.ingest_bytes, data, name, meta)
        code = 201 if result.outcome == "ingested" else 200
        return JSONResponse(status_code=code, content=json.loads(json.dumps(result.to_dict(), default=str)))

    return app
