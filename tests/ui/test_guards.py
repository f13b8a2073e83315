"""Server-side role checks on the real UI callbacks: hiding a tab is not the only protection."""

from __future__ import annotations

import inspect

import gradio as gr
import pytest
from starlette.requests import Request

from hub.auth import Principal, Role
from ui import sessions
from ui.app import build_ui
from ui.session import TAB_ROLES, Denied, tabs_for


def guarded_callbacks(blocks) -> list:  # type: ignore[no-untyped-def]
    fns = [f.fn for f in blocks.fns.values() if hasattr(f.fn, "hub_tab")]
    return list({id(f): f for f in fns}.values())


def request_with_cookie(sid: str | None) -> gr.Request:
    """A gr.Request as Gradio builds it from the browser's HTTP request (cookie header included)."""
    headers = [(b"cookie", f"{sessions.COOKIE}={sid}".encode())] if sid else []
    return gr.Request(request=Request({"type": "http", "method": "POST", "path": "/", "headers": headers}))


def signed_in(hub, principal) -> gr.Request:  # type: ignore[no-untyped-def]
    """A request whose session cookie is bound to ``principal`` on the server."""
    store = sessions.store_for(hub)
    sid = store.new()
    if principal is not None:
        assert store.sign_in(sid, principal)
    return request_with_cookie(sid)


def call_with(fn, principal, hub=None, *, shown=None):  # type: ignore[no-untyped-def]
    """Call a guarded callback as Gradio would: the page state first, the request (cookie) last."""
    params = list(inspect.signature(fn.__wrapped__).parameters)[1:]
    request = signed_in(hub, principal) if hub is not None else None
    return fn(principal if shown is None else shown, *[None] * len(params), request=request)


def test_every_tab_has_guarded_callbacks(hub) -> None:
    tabs = {f.hub_tab for f in guarded_callbacks(build_ui(lambda: hub))}
    assert tabs == set(TAB_ROLES)


@pytest.mark.parametrize("role", list(Role))
def test_callbacks_refuse_roles_without_the_tab(hub, role: Role) -> None:
    user, _ = hub.users.add(f"user-{role.value.replace('_', '-')}", role)
    who = Principal(user.id, user.name, role)
    refused = 0
    for fn in guarded_callbacks(build_ui(lambda: hub)):
        if role.value in TAB_ROLES[fn.hub_tab]:
            continue
        with pytest.raises(Denied, match="cannot use"):
            call_with(fn, who, hub)
        refused += 1
    assert refused > 0


def test_callbacks_refuse_signed_out_sessions(hub) -> None:
    for fn in guarded_callbacks(build_ui(lambda: hub)):
        with pytest.raises(Denied, match="signed out"):
            call_with(fn, None, hub)


def test_the_page_state_is_not_a_credential(hub) -> None:
    """Before: the principal in Gradio's per-session state (reachable with only the session_hash)
    was trusted. Now a callback with a compliance principal in its state but no signed-in cookie
    is refused."""
    user, _ = hub.users.add("auditor", Role.compliance)
    who = Principal(user.id, user.name, Role.compliance)
    verify = next(f for f in guarded_callbacks(build_ui(lambda: hub)) if f.__name__ == "on_verify")
    assert "PASS" in call_with(verify, who, hub)
    with pytest.raises(Denied, match="signed out"):
        verify(who, request=request_with_cookie(None))
    with pytest.raises(Denied, match="signed out"):
        verify(who, request=signed_in(hub, None))  # a live session nobody signed in on
    with pytest.raises(Denied, match="signed out"):
        verify(who, request=request_with_cookie("guessed-session-id"))


def test_disabled_user_is_refused_at_next_click(hub) -> None:
    user, _ = hub.users.add("owner-to-disable", Role.content_owner)
    who = Principal(user.id, user.name, Role.content_owner)
    refresh = next(
        f
        for f in guarded_callbacks(build_ui(lambda: hub))
        if f.__name__ == "on_refresh" and f.__module__ == "ui.library"
    )
    request = signed_in(hub, who)
    refresh(who, request=request)  # works while enabled
    hub.users.disable(user.name)
    with pytest.raises(Denied, match="signed out"):
        refresh(who, request=request)
    # The session itself ended, not only this event.
    assert sessions.store_for(hub).get(sessions.session_id(request)).principal is None
    assert sessions.current(hub, request) is None


def test_tabs_per_role() -> None:
    def p(role: Role) -> Principal:
        return Principal("id", "someone", role)

    assert tabs_for(p(Role.msl)) == ["ask", "learn"]
    assert tabs_for(p(Role.content_owner)) == ["library"]
    assert tabs_for(p(Role.compliance)) == ["compliance"]
    assert tabs_for(p(Role.manager)) == ["analytics"]
    assert tabs_for(p(Role.admin)) == ["analytics", "users"]
    assert tabs_for(None) == []
