"""Request and response bodies of the core API (the learning router keeps its own in hub.learning)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.auth import Role, UserOut
from hub.catalog import Document, Version
from hub.service import AskFilters


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
