"""The audit log for compliance: query, sample, verify, export and review."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from hub.api_models import ReviewIn
from hub.audit import AuditEntry, VerifyResult
from hub.routers.common import Auditor, the_hub

router = APIRouter()
# Larger offsets are refused with 422: past any real table, and far from the database's 64-bit overflow.
MAX_OFFSET = 1_000_000_000


@router.get("/api/audit", response_model=list[AuditEntry], tags=["audit"])
def audit_list(
    request: Request,
    _: Auditor,
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


@router.get("/api/audit/verify", response_model=VerifyResult, tags=["audit"])
def audit_verify(request: Request, _: Auditor) -> VerifyResult:
    """Re-hash the whole chain; ``ok`` false names the first record that does not match."""
    return the_hub(request).audit.verify()


@router.get("/api/audit/sample", response_model=list[AuditEntry], tags=["audit"])
def audit_sample(
    request: Request,
    _: Auditor,
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


@router.get("/api/audit/export", tags=["audit"], responses={200: {"content": {"text/csv": {}, "application/json": {}}}})
def audit_export(request: Request, who: Auditor, format: Literal["csv", "json"] = "json") -> Response:
    """The whole log with its hashes; check it offline with `hub audit verify-export FILE`."""
    hub = the_hub(request)
    data = hub.audit.export(format, actor=who)
    stamp = hub.now().strftime("%Y%m%dT%H%M%SZ")
    media = "text/csv; charset=utf-8" if format == "csv" else "application/json"
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.{format}"'}
    )


@router.get("/api/audit/{record_id}", response_model=AuditEntry, tags=["audit"])
def audit_get(record_id: str, request: Request, _: Auditor) -> AuditEntry:
    return the_hub(request).audit.get(record_id)


@router.get("/api/audit/{record_id}/reviews", response_model=list[AuditEntry], tags=["audit"])
def audit_reviews(record_id: str, request: Request, _: Auditor) -> list[AuditEntry]:
    return the_hub(request).audit.reviews(record_id)


@router.post("/api/audit/{record_id}/reviews", response_model=AuditEntry, status_code=201, tags=["audit"])
def audit_add_review(record_id: str, body: ReviewIn, request: Request, who: Auditor) -> AuditEntry:
    """Add a review as a new record pointing at ``record_id`` (the reviewed record is never changed)."""
    return the_hub(request).audit.add_review(record_id, who, body.status, body.comment)
