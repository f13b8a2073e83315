"""Who is signed in, and what each role may see and do.

The signed-in :class:`~hub.auth.Principal` lives in a ``gr.State`` (one per browser session, held
on the server). Tabs are hidden from roles that may not use them, but hiding is only a courtesy:
every callback calls :func:`allowed` / :func:`guard` again on the server, because a browser can
send any event it likes.
"""

from __future__ import annotations

import functools
import html
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import gradio as gr

from hub.errors import HubError

log = logging.getLogger(__name__)

# Tab -> roles that see it. Admins get analytics and user management, not everyone's work:
# the access matrix gives each role only what it needs.
TAB_ROLES: dict[str, frozenset[str]] = {
    "ask": frozenset({"msl"}),
    "learn": frozenset({"msl"}),
    "library": frozenset({"content_owner"}),
    "compliance": frozenset({"compliance"}),
    "analytics": frozenset({"manager", "admin"}),
    "users": frozenset({"admin"}),
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


def check(principal: Any, tab: str, hub: Any = None) -> Any:
    """Return the principal if it may use ``tab``; otherwise raise :class:`Denied` (shown as a message).

    With ``hub``, also confirm the account is still enabled: a user disabled by an admin loses
    access at their next click, not at their next sign-in.
    """
    if principal is None:
        raise Denied("You are signed out. Sign in again to continue.")
    if not allowed(principal, tab):
        log.warning("denied %s (%s) access to the %s tab", getattr(principal, "name", "?"), role_of(principal), tab)
        raise Denied(f"Your role ({ROLE_NAMES.get(role_of(principal), role_of(principal))}) cannot use {tab}.")
    if hub is not None:
        try:
            disabled = hub.users.get(principal.name).disabled
        except HubError:
            disabled = True
        if disabled:
            raise Denied("Your account is disabled. Sign out and contact an administrator.")
    return principal


def guard(tab: str, get_hub: Callable[[], Any] | None = None) -> Callable[[F], F]:
    """Decorator for callbacks whose first argument is the principal state.

    Re-checks the role (and, given ``get_hub``, that the account is still enabled) on the server,
    and turns hub errors (bad input, not found, conflicts) into a message the user can act on
    instead of a stack trace.
    """

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(principal: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                check(principal, tab, get_hub() if get_hub else None)
            except Denied:
                log.warning("refused event %s of the %s tab", fn.__name__, tab)
                raise
            try:
                return fn(principal, *args, **kwargs)
            except HubError as exc:
                raise gr.Error(html.escape(exc.message)) from exc  # titles in messages are text, not markup

        inner.hub_tab = tab  # type: ignore[attr-defined]  # lets tests find every guarded callback
        return inner  # type: ignore[return-value]

    return wrap
