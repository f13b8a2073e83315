"""Rules applied to uploads and approvals beyond the lifecycle's state machine.

* :func:`parse_limits`: the worker-process limits for parsing files, from settings.
* :func:`approved_status_for_today`: an upload marked ``approved`` whose dates do not cover
  today is stored as a draft (with a message saying why and when it can be approved), because
  storing it as approved would retire the live version at once while the new one is not yet
  (or no longer) shown: the document would vanish from answers.
* four-eyes approval (``HUB_APPROVAL_FOUR_EYES``): a person's upload is never published by that
  person alone; see :func:`four_eyes_upload_status` and :func:`check_four_eyes_approval`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from hub.audit import AuditLog, AuditRow
from hub.auth import Principal
from hub.catalog import Version
from hub.errors import Forbidden
from hub.settings import Settings
from ingest.metadata import DocumentMetadata, Status
from ingest.package_guard import MIB, PackageLimits
from ingest.sandbox import ParseLimits


def parse_limits(settings: Settings) -> ParseLimits:
    """The limits of the parse worker process, from settings."""
    return ParseLimits(
        timeout_seconds=settings.parse.timeout_seconds,
        max_memory_bytes=settings.parse.max_memory_mb * MIB,
        workers=settings.parse.workers,
        package=PackageLimits(
            max_total_bytes=settings.package.max_total_mb * MIB,
            max_part_bytes=settings.package.max_part_mb * MIB,
            max_ratio=settings.package.max_ratio,
            max_parts=settings.package.max_parts,
        ),
    )


def admissible_upload_status(
    meta: DocumentMetadata, today: dt.date, *, four_eyes: bool, by_person: bool
) -> tuple[DocumentMetadata, str]:
    """The metadata to store for an upload, and a note when ``approved`` was turned into ``draft``.

    ``by_person``: the upload comes from a signed-in person (not the server operator's CLI or a
    maintenance job), to whom four-eyes approval applies.
    """
    if meta.status != Status.approved:
        return meta, ""
    if meta.effective_date is not None and meta.effective_date > today:
        note = (
            f"stored as a draft, not approved: its effective date {meta.effective_date} is after today ({today}); "
            "approving it now would retire the current version before this one may be shown. Approve it on or "
            "after its effective date"
        )
        return meta.model_copy(update={"status": Status.draft}), note
    if meta.expiry_date is not None and meta.expiry_date < today:
        note = (
            f"stored as a draft, not approved: its expiry date {meta.expiry_date} has passed; upload a version "
            "with a later expiry date"
        )
        return meta.model_copy(update={"status": Status.draft}), note
    if four_eyes and by_person:
        note = (
            "stored as a draft: four-eyes approval is on (HUB_APPROVAL_FOUR_EYES), so another content owner "
            "must approve it"
        )
        return meta.model_copy(update={"status": Status.draft}), note
    return meta, ""


def uploader_of(audit: AuditLog, version_id: str) -> str | None:
    """Who uploaded a version, as the audit log records it (None if the log has no upload record)."""
    with audit.sessions() as s:
        return s.scalar(
            select(AuditRow.actor)
            .where(AuditRow.event == "document.uploaded", AuditRow.subject == version_id)
            .order_by(AuditRow.seq)
            .limit(1)
        )


def check_four_eyes_approval(audit: AuditLog, version: Version, actor: Principal) -> None:
    """Raise Forbidden when four-eyes approval is on and ``actor`` uploaded ``version`` themself."""
    if actor.is_system:
        return
    if uploader_of(audit, version.id) == actor.name:
        raise Forbidden(
            f"four-eyes approval is on (HUB_APPROVAL_FOUR_EYES): you uploaded version {version.version_label}, "
            "so another content owner must approve it"
        )
