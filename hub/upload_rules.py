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

from hub.settings import Settings
from ingest.package_guard import MIB, PackageLimits
from ingest.sandbox import ParseLimits


def parse_limits(settings: Settings) -> ParseLimits:
    """The limits of the parse worker process, from settings."""
    return ParseLimits(
        timeout_seconds=settings.parse_timeout_seconds,
        max_memory_bytes=settings.parse_max_memory_mb * MIB,
        workers=settings.parse_workers,
        package=PackageLimits(
            max_total_bytes=settings.package_max_total_mb * MIB,
            max_part_bytes=settings.package_max_part_mb * MIB,
            max_ratio=settings.package_max_ratio,
            max_parts=settings.package_max_parts,
        ),
    )
