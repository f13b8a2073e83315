"""Approval metadata: the sidecar file beside each upload, or values given on the command line."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ingest.errors import BadMetadata


class DocType(StrEnum):
    slide_deck = "slide_deck"
    guideline = "guideline"
    publication = "publication"
    label = "label"
    other = "other"


class Status(StrEnum):
    """Lifecycle states. Only ``approved`` (in date, latest version) is ever retrievable."""

    draft = "draft"
    approved = "approved"
    expired = "expired"
    withdrawn = "withdrawn"
    superseded = "superseded"


class DocumentMetadata(BaseModel):
    """What a content owner declares about an approved document."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(
        min_length=1, max_length=300, description="Document title; a new file with the same title is a new version."
    )
    doc_type: DocType = Field(description="slide_deck, guideline, publication, label or other.")
    product: str = Field(default="", max_length=120, description="Product the content is about.")
    therapeutic_area: str = Field(default="", max_length=120)
    version: str = Field(default="1.0", min_length=1, max_length=40, description="Owner's version label.")
    approval_id: str = Field(default="", max_length=80, description="Approval / job code from the review system.")
    status: Status = Field(default=Status.approved, description="Lifecycle state at upload.")
    effective_date: dt.date | None = Field(default=None, description="First day the content may be shown.")
    expiry_date: dt.date | None = Field(default=None, description="Last day the content may be shown.")
    owner: str = Field(default="", max_length=120)

    @field_validator("version", "approval_id", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        # YAML reads "version: 3.0" as a float; the label is text.
        return str(value) if isinstance(value, int | float) else value

    @model_validator(mode="after")
    def _dates_in_order(self) -> DocumentMetadata:
        if self.effective_date and self.expiry_date and self.expiry_date < self.effective_date:
            raise ValueError(f"expiry_date {self.expiry_date} is before effective_date {self.effective_date}")
        return self


def metadata_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """The metadata fields present in ``values`` (e.g. the parameters of a CLI command or a form
    handler), so that the list of fields is written once, in :class:`DocumentMetadata`."""
    return {name: values[name] for name in DocumentMetadata.model_fields if name in values}


def parse_metadata(raw: dict[str, Any], *, file: str | None = None) -> DocumentMetadata:
    """Validate a metadata mapping; errors name the offending field and what is allowed."""
    if not isinstance(raw, dict):
        raise BadMetadata("metadata must be a mapping of field names to values", file=file)
    try:
        return DocumentMetadata.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "expiry_date"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "enum":
            allowed = err.get("ctx", {}).get("expected", "")
            msg = f"{err['input']!r} is not allowed; use one of {allowed}"
        elif err["type"].startswith("date"):
            msg = f"{err['input']!r} is not a date; use YYYY-MM-DD"
        elif err["type"] == "extra_forbidden":
            allowed = ", ".join(DocumentMetadata.model_fields)
            msg = f"unknown field; allowed fields are {allowed}"
        elif err["type"] == "missing":
            msg = "is required"
        raise BadMetadata(f"metadata field '{field}': {msg}", field=field, file=file) from exc


def sidecar_paths(path: Path) -> list[Path]:
    """Where a file's sidecar may be: ``NAME.meta.yaml|yml|json`` with or without the file extension."""
    out = []
    for stem in (path.name, path.stem):
        for ext in (".meta.yaml", ".meta.yml", ".meta.json"):
            out.append(path.with_name(stem + ext))
    return out


def is_sidecar(path: Path) -> bool:
    return any(path.name.endswith(ext) for ext in (".meta.yaml", ".meta.yml", ".meta.json"))


def load_sidecar(path: Path) -> dict[str, Any] | None:
    """Read the raw sidecar mapping for ``path``, or ``None`` when there is none."""
    for candidate in sidecar_paths(path):
        if candidate.is_file():
            text = candidate.read_text(encoding="utf-8")
            try:
                raw = json.loads(text) if candidate.suffix == ".json" else yaml.safe_load(text)
            except (json.JSONDecodeError, yaml.YAMLError) as exc:
                raise BadMetadata(
                    f"sidecar {candidate.name} is not valid {candidate.suffix[1:].upper()}: {exc}", file=path.name
                ) from exc
            if raw is None:
                raw = {}
            if not isinstance(raw, dict):
                raise BadMetadata(f"sidecar {candidate.name} must hold a mapping of fields", file=path.name)
            return raw
    return None
