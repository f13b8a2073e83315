"""The original file behind a citation, for people signed in to the web UI (audited).

``GET /ui/original/{version_id}?page=N`` serves the stored file of a document version to the
browser session's user, if their role may read documents: an MSL only a version that is shown in
answers today (what they can be cited from); a content owner or compliance reviewer any version.
Each opening is an audit record (``document.opened``). PDFs open in the browser at the page
(``#page=N``); other formats download, and text-like formats are served as plain text so an
uploaded HTML file can never run as a page of the hub.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from hub.errors import NotFound
from hub.permissions import PERMISSIONS, Permission
from ui import sessions

log = logging.getLogger(__name__)

# Who may open originals: the roles that read documents through the API (hub.permissions).
READERS = frozenset(str(role) for role in PERMISSIONS[Permission.read_documents])
# Only PDFs are shown inline; the rest download, text formats as text/plain (never as HTML).
_INLINE = {"pdf": "application/pdf"}
_DOWNLOAD = {
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def url(version_id: str, page: int | None = None) -> str:
    """The link for a citation: the file, opened at ``page`` where the format allows it."""
    if page:
        return f"/ui/original/{version_id}?page={int(page)}#page={int(page)}"
    return f"/ui/original/{version_id}"


def router(get_hub: Callable[[], Any]) -> APIRouter:
    """The route, reading the hub through ``get_hub`` at request time."""
    r = APIRouter()

    @r.get("/ui/original/{version_id}", include_in_schema=False)
    def original(version_id: str, request: Request, page: int | None = None) -> Response:
        hub = get_hub()
        who = sessions.current(hub, request)
        if who is None:
            return _error(401, "sign in to the web UI to open original documents")
        role = str(getattr(who.role, "value", who.role))
        if role not in READERS:
            return _error(403, "your role does not read documents")
        try:
            # Which versions the reader may open, and the audit record, are the hub's rules.
            version, path = hub.open_original(who, version_id, page=page, channel="ui")
        except NotFound as exc:
            return _error(404, exc.message)
        kind = version.media_type
        name = f"{_safe(version.title)}-v{_safe(version.version_label)}.{kind}"
        headers = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"}
        if kind in _INLINE:
            return FileResponse(
                path, media_type=_INLINE[kind], headers=headers, filename=name, content_disposition_type="inline"
            )
        media = _DOWNLOAD.get(kind, "text/plain; charset=utf-8")
        return FileResponse(path, media_type=media, headers=headers, filename=name)

    return r


def _safe(text: str) -> str:
    kept = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in str(text))
    return kept.strip("-.")[:80] or "document"


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)
