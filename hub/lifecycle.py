"""Document-version lifecycle: which state changes are allowed, and to whom.

    draft ----------> approved ----------> superseded   (system: a newer version was approved)
      |                  |  \\------------> expired      (system: past its expiry date)
      |                  \\---------------> withdrawn    (content owner, with a reason)
      \\---------------------------------> withdrawn    (content owner, with a reason)
    superseded ----> approved   (content owner, with a reason: restore after the newer one is withdrawn)

A superseded version can be restored (approved again, with a reason) once no newer version of its
document is approved; expired and withdrawn are final: such a document comes back only as a new
version. Anything else is refused with 409 Conflict naming the current state and what is allowed from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hub.auth import Principal, Role
from hub.catalog import Document, Version
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound
from ingest.metadata import Status

SYSTEM = "system"


@dataclass(frozen=True)
class Transition:
    source: Status
    target: Status
    by: str  # a Role value, or SYSTEM for changes the hub makes itself
    reason_required: bool = False
    how: str = ""


TRANSITIONS: tuple[Transition, ...] = (
    Transition(Status.draft, Status.approved, Role.content_owner, how="POST /api/documents/{id}/approve"),
    Transition(Status.draft, Status.withdrawn, Role.content_owner, True, "POST /api/documents/{id}/withdraw"),
    Transition(Status.approved, Status.withdrawn, Role.content_owner, True, "POST /api/documents/{id}/withdraw"),
    Transition(Status.approved, Status.superseded, SYSTEM, how="approving or uploading a newer approved version"),
    Transition(Status.approved, Status.expired, SYSTEM, how="the daily expiry sweep, once past expiry_date"),
    # Rollback: after a newer version is withdrawn, the one it replaced can be approved again, on the
    # record and with a reason, so a document is not left with no live version by accident.
    Transition(
        Status.superseded,
        Status.approved,
        Role.content_owner,
        True,
        "restore: approve again with a reason (Library tab), once no newer version is approved",
    ),
)


def allowed_from(source: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == source]


def check(source: str, target: Status, actor: Principal, reason: str) -> Transition:
    """The transition ``source -> target`` if ``actor`` may make it; raises otherwise.

    409 for a transition that does not exist or that only the system makes, 403 for a role that may
    not make it, 422 for a withdrawal without a reason.
    """
    options = allowed_from(source)
    match = next((t for t in options if t.target == target), None)
    if match is None or (match.by == SYSTEM and not actor.is_system):
        people = [f"{t.target} ({t.how})" for t in options if t.by != SYSTEM]
        automatic = [f"{t.target} ({t.how})" for t in options if t.by == SYSTEM]
        parts = []
        if people:
            parts.append("allowed: " + "; ".join(people))
        if automatic:
            parts.append("automatic only: " + "; ".join(automatic))
        if not options:
            parts.append(f"'{source}' is final; upload a new version instead")
        raise Conflict(f"cannot change a version from {source} to {target}: " + ". ".join(parts))
    if match.by != SYSTEM and not actor.is_system and actor.role != match.by:
        raise Forbidden(f"only a {match.by} may change a version from {source} to {target}")
    if match.reason_required and not (reason or "").strip():
        raise InvalidInput(f"give a reason to change a version from {source} to {target}", field="reason")
    return match


def pick_version(doc: Document, version_id: str | None, wanted: Sequence[str], action: str) -> Version:
    """The version an action on ``doc`` applies to: ``version_id`` when given, else the newest version
    in the first of the ``wanted`` states that has one (approve: the newest draft; withdraw: the
    approved version, else the newest draft)."""
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
