"""Server-side UI sessions bound to an HttpOnly cookie.

Gradio identifies a browser tab by a ``session_hash`` the page makes up itself and sends in URLs,
so it must never decide who is signed in: anyone holding the hash could act as that user. Instead
the first page load gets a random session id in a cookie (HttpOnly, SameSite=Strict, Secure when
the page came over HTTPS); signing in binds a :class:`~hub.auth.Principal` to that id on the
server, and every callback and tab loader looks the principal up from the cookie of the request
that carries the event. A session ends when the user signs out, after
``Settings.ui.session_idle_minutes`` without an event, or at the next event after the user was
disabled.

The store lives in memory, one per :class:`~hub.service.Hub`: Gradio keeps each browser's state in
the serving process anyway, so a balancer in front of several workers must already be sticky.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hub.errors import HubError

log = logging.getLogger(__name__)

COOKIE = "hub_ui_session"
# Anonymous sessions are made on every first page load; this bounds what a flood of loads can hold.
MAX_SESSIONS = 20_000
# Routes of Gradio's that take files from, or hand files to, the browser: signed-in sessions only.
UPLOAD_FILES_PER_REQUEST = 10
FILE_ROUTES = ("/gradio_api/upload", "/gradio_api/file=", "/gradio_api/file/", "/gradio_api/upload_progress")


@dataclass
class UISession:
    """One browser's session: who is signed in (None before sign-in) and when it was last used."""

    id: str
    principal: Any
    last_seen: float


class SessionStore:
    """Session id -> :class:`UISession`, with idle expiry. Thread-safe (Gradio runs callbacks in threads)."""

    def __init__(self, idle_seconds: Callable[[], float], *, clock: Callable[[], float] = time.monotonic) -> None:
        self._idle = idle_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, UISession] = {}

    def new(self) -> str:
        """A fresh anonymous session; returns its id (the cookie value)."""
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._prune()
            self._sessions[sid] = UISession(sid, None, self._clock())
        return sid

    def get(self, sid: str | None) -> UISession | None:
        """The live session ``sid`` (and mark it used), or None when unknown or idle too long."""
        if not sid:
            return None
        with self._lock:
            found = self._sessions.get(sid)
            if found is None:
                return None
            now = self._clock()
            if now - found.last_seen > self._idle():
                del self._sessions[sid]
                log.info("UI session of %s ended after idling", getattr(found.principal, "name", "nobody"))
                return None
            found.last_seen = now
            return found

    def sign_in(self, sid: str | None, principal: Any) -> bool:
        """Bind ``principal`` to the live session ``sid``; False when there is no such session."""
        found = self.get(sid)
        if found is None:
            return False
        found.principal = principal
        return True

    def sign_out(self, sid: str | None) -> None:
        """Forget who is signed in on ``sid`` (the anonymous session stays for the next sign-in)."""
        found = self.get(sid)
        if found is not None:
            found.principal = None

    def end_user(self, name: str) -> int:
        """End every session of user ``name`` (e.g. once the account is disabled); returns how many."""
        with self._lock:
            ended = [s for s in self._sessions.values() if getattr(s.principal, "name", None) == name]
            for s in ended:
                s.principal = None
        return len(ended)

    def __len__(self) -> int:
        return len(self._sessions)

    def _prune(self) -> None:
        now, idle = self._clock(), self._idle()
        for sid in [sid for sid, s in self._sessions.items() if now - s.last_seen > idle]:
            del self._sessions[sid]
        if len(self._sessions) >= MAX_SESSIONS:
            # Drop the longest-idle anonymous sessions first; signed-in ones only if there is no other way.
            order = sorted(self._sessions.values(), key=lambda s: (s.principal is not None, s.last_seen))
            for s in order[: len(self._sessions) - MAX_SESSIONS + 1]:
                del self._sessions[s.id]


_stores: weakref.WeakKeyDictionary[Any, SessionStore] = weakref.WeakKeyDictionary()
_stores_lock = threading.Lock()


def store_for(hub: Any) -> SessionStore:
    """The session store of ``hub`` (made on first use; idle time read from its settings each time)."""
    with _stores_lock:
        found = _stores.get(hub)
        if found is None:
            found = SessionStore(lambda: float(hub.settings.ui.session_idle_minutes) * 60.0)
            _stores[hub] = found
        return found


def session_id(request: Any) -> str | None:
    """The session cookie of a Gradio or Starlette request (None when absent)."""
    if request is None:
        return None
    try:
        cookies = request.cookies
    except AttributeError:
        return None
    value = cookies.get(COOKIE) if hasattr(cookies, "get") else getattr(cookies, COOKIE, None)
    return str(value) if value else None


def current(hub: Any, request: Any) -> Any:
    """Who is signed in on the session of ``request``: the principal, or None.

    A disabled (or deleted) account's session ends here, so an open tab stops loading data at once.
    """
    found = store_for(hub).get(session_id(request))
    if found is None or found.principal is None:
        return None
    principal = found.principal
    try:
        disabled = hub.users.get(principal.name).disabled
    except HubError:
        disabled = True
    if disabled:
        store_for(hub).end_user(principal.name)
        log.warning("ended the UI session of disabled user %s", principal.name)
        return None
    return principal


class SessionCookieMiddleware:
    """ASGI middleware: gives each new browser a session cookie, and keeps Gradio's file routes private.

    * ``GET /`` without a live session sets a new anonymous session cookie on the page response.
    * Gradio's upload and file routes answer 401 unless the cookie's session is signed in, and
      an upload whose declared length exceeds the cap is refused with 413 before its body is read
      (Gradio's own ``max_file_size`` also stops one that lies about its length while streaming).
    """

    def __init__(
        self, app: Any, get_hub: Callable[[], Any], max_upload_bytes: Callable[[], int], blocks: Any = None
    ) -> None:
        self.app = app
        self.get_hub = get_hub
        self.max_upload_bytes = max_upload_bytes
        self.blocks = blocks

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if path.startswith(FILE_ROUTES):
            refusal = self._refuse_file_route(scope, path)
            if refusal is not None:
                status, message = refusal
                await _json(send, status, message)
                return
        if scope.get("method") == "GET" and path == "/" and self._live(scope) is None:
            sid = store_for(self.get_hub()).new()
            await self.app(scope, receive, _with_cookie(send, sid, secure=scope.get("scheme") == "https"))
            return
        await self.app(scope, receive, send)

    def _live(self, scope: dict[str, Any]) -> UISession | None:
        return store_for(self.get_hub()).get(_cookie_of(scope))

    def _refuse_file_route(self, scope: dict[str, Any], path: str) -> tuple[int, str] | None:
        hub = self.get_hub()
        found = store_for(hub).get(_cookie_of(scope))
        if found is None or found.principal is None or current(hub, _CookieOnly(found.id)) is None:
            return 401, "sign in to the web UI first"
        if path.startswith("/gradio_api/upload") and scope.get("method") == "POST":
            length = _header(scope, b"content-length")
            cap = self.max_upload_bytes()
            # Several files may share one request: the request may carry up to UPLOAD_FILES_PER_REQUEST
            # files of the per-file cap (which Gradio enforces itself while it streams each file).
            total = cap * UPLOAD_FILES_PER_REQUEST
            if length and length.isdigit() and int(length) > total:
                return 413, f"the upload is larger than {total // (1024 * 1024)} MiB; send fewer or smaller files"
            if self.blocks is not None:
                # Gradio reads this per request; the hub (and so the setting) exists only once the server runs.
                self.blocks.max_file_size = cap
        return None


class _CookieOnly:
    """A request stand-in carrying just the session cookie (for :func:`current` from middleware)."""

    def __init__(self, sid: str) -> None:
        self.cookies = {COOKIE: sid}


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _cookie_of(scope: dict[str, Any]) -> str | None:
    raw = _header(scope, b"cookie")
    if not raw:
        return None
    for part in raw.split(";"):
        key, _, value = part.strip().partition("=")
        if key == COOKIE and value:
            return value
    return None


def cookie_header(sid: str, *, secure: bool) -> bytes:
    """The Set-Cookie value for session ``sid``: HttpOnly, SameSite=Strict, Secure over HTTPS."""
    parts = [f"{COOKIE}={sid}", "Path=/", "HttpOnly", "SameSite=Strict"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts).encode("latin-1")


def _with_cookie(send: Any, sid: str, *, secure: bool) -> Any:
    async def wrapped(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            headers.append((b"set-cookie", cookie_header(sid, secure=secure)))
            message = {**message, "headers": headers}
        await send(message)

    return wrapped


async def _json(send: Any, status: int, message: str) -> None:
    body = json.dumps({"error": message, "kind": "unauthorized" if status == 401 else "too_large"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
