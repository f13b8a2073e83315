"""Documents and their versions: list, upload, approve, withdraw (content owners; readers list)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse

from hub.api_models import ApproveRequest, DocumentOut, StatusChange, VersionOut, WithdrawRequest
from hub.errors import FileTooLargeError, InvalidInput
from hub.ingestion import IngestResult
from hub.routers.common import ContentManager, DocumentReader, the_hub
from ingest.errors import BadMetadata
from ingest.metadata import Status, metadata_fields, parse_metadata

router = APIRouter()


@router.get("/api/documents", response_model=list[DocumentOut], tags=["documents"])
def list_documents(request: Request, _: DocumentReader) -> list[DocumentOut]:
    hub = the_hub(request)
    today = hub.clock()
    return [DocumentOut.of(d, today) for d in hub.documents()]


@router.get("/api/documents/{document_id}", response_model=DocumentOut, tags=["documents"])
def get_document(document_id: str, request: Request, _: DocumentReader) -> DocumentOut:
    hub = the_hub(request)
    return DocumentOut.of(hub.document(document_id), hub.clock())


@router.get("/api/documents/{document_id}/versions", response_model=list[VersionOut], tags=["documents"])
def document_versions(document_id: str, request: Request, _: DocumentReader) -> list[VersionOut]:
    """Every version of the document, oldest first, with its state and why it changed."""
    hub = the_hub(request)
    today = hub.clock()
    return [VersionOut.of(v, today) for v in hub.document(document_id).versions]


@router.post("/api/documents/{document_id}/approve", response_model=StatusChange, tags=["documents"])
def approve_document(
    document_id: str,
    request: Request,
    who: ContentManager,
    body: ApproveRequest | None = None,
) -> StatusChange:
    hub = the_hub(request)
    version, superseded = hub.approve_document(document_id, (body or ApproveRequest()).version_id, actor=who)
    return StatusChange(
        document_id=document_id,
        version_id=version.id,
        version=version.version_label,
        status=Status.approved,
        superseded=superseded,
    )


@router.post("/api/documents/{document_id}/withdraw", response_model=StatusChange, tags=["documents"])
def withdraw_document(
    document_id: str,
    body: WithdrawRequest,
    request: Request,
    who: ContentManager,
) -> StatusChange:
    hub = the_hub(request)
    version = hub.withdraw_document(document_id, body.version_id, actor=who, reason=body.reason)
    return StatusChange(
        document_id=document_id, version_id=version.id, version=version.version_label, status=Status.withdrawn
    )


@router.post("/api/documents", status_code=201, tags=["documents"])
async def upload_document(
    request: Request,
    who: ContentManager,
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
    fields = metadata_fields(locals())  # the form fields above, by their metadata names
    raw.update({k: v for k, v in fields.items() if v not in (None, "")})
    try:
        meta = parse_metadata(raw, file=name)
    except BadMetadata as exc:
        raise InvalidInput(exc.message, field=exc.field, file=name) from exc
    limit = hub.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise FileTooLargeError(
            f"{name} is larger than the {limit / 2**20:.0f} MiB upload limit; split the file or ask an "
            "admin to raise HUB_MAX_UPLOAD_MB",
            file=name,
        )
    from starlette.concurrency import run_in_threadpool

    result: IngestResult = await run_in_threadpool(hub.upload, data, name, meta, actor=who)
    code = 201 if result.outcome == "ingested" else 200
    return JSONResponse(status_code=code, content=json.loads(json.dumps(result.to_dict(), default=str)))
