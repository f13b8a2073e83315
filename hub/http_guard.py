"""The HTTP guard: an ASGI middleware in front of the whole app (API and mounted UI).

Why a middleware and not route code: FastAPI reads a request's body (and spools a multipart upload
to disk) while it resolves the route's parameters, before any dependency - the key check included -
runs. An unauthenticated client could therefore make the server buffer a body of any size. Here,
before the app sees the request:

* a body larger than its limit is refused with 413 and a JSON message: at once when the declared
  ``Content-Length`` is too large, else as soon as the bytes received pass the limit (chunked
  bodies), so nothing beyond the limit is ever buffered or spooled; uploads are capped at
  ``max_upload_mb`` plus a little form overhead, every other body at ``max_body_kb``;
* the API key of every API call that carries a body is checked first (401, or 429 when the client
  is throttled), so an unauthenticated body is never read at all;
* every response gets headers that stop other sites from framing the UI and browsers from
  sniffing a JSON error as HTML.

Errors use the same JSON shape as the API's one exception handler (:func:`error_response`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.concurrency import run_in_threadpool

from hub.errors import FileTooLargeError, HubError, TooManyRequests, Unauthorized

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Multipart boundaries, part headers and the metadata fields of an upload: generous, still bounded.
UPLOAD_FORM_OVERHEAD = 1 << 20
UPLOAD_ROUTES = {("POST", "/api/documents")}
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
SECURITY_HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"content-security-policy": b"frame-ancestors 'none'",
    b"referrer-policy": b"same-origin",
}


def error_body(exc: HubError) -> dict[str, Any]:
    """The JSON body of an error response: ``{"error", "kind", "field"?, "file"?}``."""
    body: dict[str, Any] = {"error": exc.message, "kind": type(exc).__name__}
    for extra in ("field", "file"):
        value = getattr(exc, extra, None)
        if value is not None:
            body[extra] = value
    return body


def error_headers(exc: HubError) -> dict[str, str]:
    """Headers an error response must carry (``WWW-Authenticate`` on 401, ``Retry-After`` on 429)."""
    headers: dict[str, str] = {}
    if exc.status_code == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, TooManyRequests):
        headers["Retry-After"] = str(exc.retry_after)
    return headers


def error_response(exc: HubError) -> Any:
    """A :class:`JSONResponse` for a hub error: the one mapping from the exception tree to HTTP."""
    from fastapi.responses import JSONResponse

    return JSONResponse(status_code=exc.status_code, content=error_body(exc), headers=error_headers(exc) or None)


class _BodyTooLarge(Exception):
    """Raised into the app from ``receive`` when the body passes its limit (the app's reply is dropped)."""


class HttpGuard:
    """ASGI middleware: body limits, authentication before the body, security headers.

    The limits and the user store are read from ``app.state.hub`` on each request, so the
    middleware can be installed before the hub is built at start-up.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_security_headers(send)
        hub = getattr(getattr(scope.get("app"), "state", None), "hub", None)
        if hub is None:  # not started yet: nothing to check against
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        limit = self._limit(hub, method, path)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _send_error(send, self._too_large(limit, method, path))
            return
        if method in _BODY_METHODS and path.startswith("/api/"):
            refused = await self._authenticate(hub, scope)
            if refused is not None:
                await _send_error(send, refused)
                return
        await self._run_capped(scope, receive, send, limit, method, path)

    @staticmethod
    def _limit(hub: Any, method: str, path: str) -> int:
        settings = hub.settings
        upload = int(settings.max_upload_mb * 2**20) + UPLOAD_FORM_OVERHEAD
        if (method, path) in UPLOAD_ROUTES or not path.startswith("/api/"):
            # Outside /api is the web UI, whose file uploads are bounded by the same upload limit.
            return upload
        return int(settings.max_body_kb) * 1024

    @staticmethod
    def _too_large(limit: int, method: str, path: str) -> FileTooLargeError:
        if (method, path) in UPLOAD_ROUTES or not path.startswith("/api/"):
            return FileTooLargeError(
                f"the upload is larger than the {limit / 2**20:.0f} MiB request limit (HUB_MAX_UPLOAD_MB plus form "
                "fields); split the file or ask an admin to raise HUB_MAX_UPLOAD_MB"
            )
        return FileTooLargeError(
            f"the request body is larger than {limit // 1024} KiB (HUB_MAX_BODY_KB); send a smaller request"
        )

    @staticmethod
    async def _authenticate(hub: Any, scope: Scope) -> HubError | None:
        """Decide the API key before the body is read; the route's own check still applies the role."""
        token = _bearer_token(scope)
        client = (scope.get("client") or ("", 0))[0]
        context = {"method": scope["method"], "path": scope["path"], "client": client}
        try:
            if token is None:
                await run_in_threadpool(
                    hub.users.reject, "no API key; send the header Authorization: Bearer KEY", context=context
                )
            await run_in_threadpool(hub.users.authenticate_key, token, context=context)
        except (Unauthorized, TooManyRequests) as exc:
            return exc
        return None

    async def _run_capped(self, scope: Scope, receive: Receive, send: Send, limit: int, method: str, path: str) -> None:
        received = 0
        exceeded = False
        started = False

        async def capped_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _BodyTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # whatever the app made of the cut-off body is replaced by the 413 below
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, capped_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            log.warning("refused %s %s: body passed %d bytes", method, path, limit)
            await _send_error(send, self._too_large(limit, method, path))


def _with_security_headers(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            present = {name.lower() for name, _ in headers}
            headers += [(name, value) for name, value in SECURITY_HEADERS.items() if name not in present]
            message["headers"] = headers
        await send(message)

    return wrapped


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _bearer_token(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
            return None
    return None


async def _send_error(send: Send, exc: HubError) -> None:
    body = json.dumps(error_body(exc)).encode("utf-8")
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        # The client may still be sending a body we will not read: the connection cannot be reused.
        (b"connection", b"close"),
    ]
    headers += [(k.lower().encode(), v.encode()) for k, v in error_headers(exc).items()]
    await send({"type": "http.response.start", "status": exc.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})
