"""Who is signed in, and what each role may see and do.

Who is signed in is kept on the server per browser session (:mod:`ui.sessions`, found from an
HttpOnly cookie); a ``gr.State`` holds a copy only so the layout can show the right tabs. Tabs are
hidden from roles that may not use them, but hiding is only a courtesy:
every callback calls :func:`allowed` / :func:`guard` again on the server, because a browser can
send any event it likes.
"""

from __future__ import annotations

import functools
import html
import inspect
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import gradio as gr

from hub.errors import HubError
from hub.permissions import PERMISSIONS, TAB_PERMISSIONS
from ui import sessions

log = logging.getLogger(__name__)

# Tab -> roles that see it. Admins get analytics and user management, not everyone's work:
# the access matrix gives each role only what it needs.
TAB_ROLES: dict[str, frozenset[str]] = {
    tab: frozenset(str(role) for role in PERMISSIONS[permission]) for tab, permission in TAB_PERMISSIONS.items()
}

ROLE_NAMES = {
    "msl": "Medical Science Liaison",
    "content_owner": "Content owner",
    "compliance": "Compliance reviewer",
    "manager": "Manager / trainer",
    "admin": "Administrator",
}

F = TypeVar("F", bound=Callable[..., Any])


def role_of(principal: Any) -> str:
    """The principal's role as plain text ('' when nobody is signed in)."""
    if principal is None:
        return ""
    return str(getattr(principal.role, "value", principal.role))


def allowed(principal: Any, tab: str) -> bool:
    """Whether ``principal`` may use ``tab`` (checked on the server for every event)."""
    return role_of(principal) in TAB_ROLES[tab]


def tabs_for(principal: Any) -> list[str]:
    """The tabs this principal sees, in display order."""
    return [tab for tab in TAB_ROLES if allowed(principal, tab)]


class Denied(gr.Error):
    """Shown to the user when an event arrives for a tab their role may not use."""


def error_html(message: str) -> str:
    """An error message shown as text (never markup) next to the thing it is about."""
    return f"<p class='hub-bad' role='alert'>{html.escape(message)}</p>"


def check(principal: Any, tab: str, hub: Any = None) -> Any:
    """Return the principal if it may use ``tab``; otherwise raise :class:`Denied` (shown as a message).

    With ``hub``, also confirm the account is still enabled: a user disabled by an admin loses
    access at their next click, not at their next sign-in.
    """
    if principal is None:
        raise Denied("You are signed out. Sign in again to continue.")
    if not allowed(principal, tab):
        log.warning("denied %s (%s) access to the %s tab", getattr(principal, "name", "?"), role_of(principal), tab)
        raise Denied(
            html.escape(f"Your role ({ROLE_NAMES.get(role_of(principal), role_of(principal))}) cannot use {tab}.")
        )
    if hub is not None:
        try:
            disabled = hub.users.get(principal.name).disabled
        except HubError:
            disabled = True
        if disabled:
            raise Denied("Your account is disabled. Sign out and contact an administrator.")
    return principal


def guard(tab: str, get_hub: Callable[[], Any], *, outputs: int | None = None, message_at: int = 0) -> Callable[[F], F]:
    """Decorator for callbacks whose first argument is the (display-only) principal state.

    Who is signed in is decided here, on the server, from the session cookie of the request that
    carries the event (:mod:`ui.sessions`), never from the browser's state: the role is re-checked
    and the account must still be enabled. The wrapped function receives that principal.

    A hub error (bad input, not found, a refused transition) is shown as escaped text in output
    number ``message_at`` of the event's ``outputs`` outputs, and every other output is left as it
    is, so the field to fix stays visible and usable. Without ``outputs`` it becomes a pop-up.
    """

    def wrap(fn: F) -> F:
        signature = inspect.signature(fn)
        params = list(signature.parameters.values())
        # Gradio passes a gr.Request to a positional parameter annotated with it; the cookie is in there.
        request_param = inspect.Parameter(
            "request", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None, annotation=gr.Request
        )
        last_positional = max(
            (i for i, p in enumerate(params) if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)), default=-1
        )
        params.insert(last_positional + 1, request_param)
        outer_signature = signature.replace(parameters=params)

        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            bound = outer_signature.bind(*args, **kwargs)
            request = bound.arguments.pop("request", None)
            names = list(bound.arguments)
            hub = get_hub()
            who = sessions.current(hub, request)
            try:
                check(who, tab, hub)
            except Denied:
                log.warning("refused event %s of the %s tab", fn.__name__, tab)
                raise
            bound.arguments[names[0]] = who
            try:
                return fn(*bound.args, **bound.kwargs)
            except HubError as exc:
                if outputs is None:
                    raise gr.Error(html.escape(exc.message)) from exc
                if outputs == 1:
                    return error_html(exc.message)
                shown: list[Any] = [gr.update()] * outputs
                shown[message_at] = error_html(exc.message)
                return shown

        inner.__signature__ = outer_signature  # type: ignore[attr-defined]
        # Only the request's annotation matters to Gradio; the others would not resolve in this module.
        inner.__annotations__ = {"request": gr.Request}
        inner.hub_tab = tab  # type: ignore[attr-defined]  # lets tests find every guarded callback
        return inner  # type: ignore[return-value]

    return wrap
