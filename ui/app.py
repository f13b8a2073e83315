"""The Gradio Blocks app: sign-in, then the tabs of the signed-in role. Mounted at ``/`` by :func:`mount`.

Callbacks are thin: they check the role (:mod:`ui.session`), call one hub service in process and
format the result (:mod:`ui.render`). No business rule lives in the UI.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import gradio as gr
from fastapi import FastAPI

from hub.errors import HubError
from hub.service import Hub
from ui import analytics, ask, compliance, learn, library, originals, sessions, users
from ui.render import esc
from ui.session import ROLE_NAMES, TAB_ROLES, allowed, role_of, tabs_for
from ui.theme import CSS, HEAD, theme

log = logging.getLogger(__name__)

TITLE = "MSL Knowledge Hub"


def _signed_in_banner(principal: Any) -> str:
    if principal is None:
        return ""
    role = ROLE_NAMES.get(role_of(principal), role_of(principal))
    return (
        f"<div class='hub-html' id='signed-in-as'>Signed in as <strong>{esc(principal.name)}</strong>"
        f" · {esc(role)}</div>"
    )


def build_ui(get_hub: Callable[[], Hub]) -> gr.Blocks:
    """The whole UI. ``get_hub`` is called inside each callback (the hub is built at server start-up)."""
    # Uploaded and generated files (uploads, exports, plots) are deleted an hour after they were made.
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(600, 3600)) as blocks:
        # A copy of who is signed in, for the layout only; callbacks read the server-side session.
        principal = gr.State(None)
        gr.HTML(
            f"<div class='hub-html'><h1 class='hub-title'>{TITLE}</h1>"
            "<p class='hub-meta' style='margin:0'>Cited answers from approved, current medical-affairs content."
            "</p></div>"
        )

        with gr.Column(visible=True, elem_id="signin") as signin_box:
            gr.Markdown("## Sign in")
            with gr.Tabs():
                with gr.Tab("API key", id="key"):
                    key = gr.Textbox(
                        label="API key",
                        type="password",
                        elem_id="signin-key",
                        placeholder="the key printed by `hub users add`",
                    )
                    key_btn = gr.Button("Sign in with key", variant="primary", elem_id="signin-key-btn")
                with gr.Tab("Username and password", id="password"):
                    username = gr.Textbox(label="Username", elem_id="signin-user")
                    password = gr.Textbox(label="Password", type="password", elem_id="signin-password")
                    pw_btn = gr.Button("Sign in", variant="primary", elem_id="signin-password-btn")
            signin_msg = gr.HTML("", elem_id="signin-message")

        with gr.Column(visible=False, elem_id="workspace") as workspace:
            with gr.Row(equal_height=True):
                banner = gr.HTML("", elem_id="banner")
                signout = gr.Button("Sign out", size="sm", scale=0, min_width=100, elem_id="signout")
            with gr.Tabs(elem_id="main-tabs") as tabs:
                parts = {
                    "ask": ask.build(get_hub, principal),
                    "learn": learn.build(get_hub, principal),
                    "library": library.build(get_hub, principal),
                    "compliance": compliance.build(get_hub, principal),
                    "analytics": analytics.build(get_hub, principal),
                    "users": users.build(get_hub, principal),
                }
        assert list(parts) == list(TAB_ROLES), "every tab needs a role entry"
        tab_components = [parts[name][0] for name in parts]

        def layout(who: Any, message: str = "") -> list[Any]:
            visible = set(tabs_for(who))
            first = next(iter(tabs_for(who)), None)
            return [
                who,
                "",  # the API key and password never stay in the page after an attempt
                "",
                gr.update(visible=who is None),
                gr.update(visible=who is not None),
                "",  # the banner is written last, once every tab has loaded (see below)
                message,
                gr.update(selected=first) if first else gr.update(),
                *[gr.update(visible=name in visible) for name in parts],
            ]

        layout_outputs = [principal, key, password, signin_box, workspace, banner, signin_msg, tabs, *tab_components]

        def bind(who: Any, request: gr.Request | None) -> list[Any]:
            """Tie ``who`` to this browser's session cookie; without the cookie nobody is signed in."""
            if not sessions.store_for(get_hub()).sign_in(sessions.session_id(request), who):
                return layout(
                    None,
                    "<p class='hub-bad' role='alert'>Your session has expired or this browser does not keep "
                    "cookies. Reload the page and sign in again.</p>",
                )
            return layout(who)

        def with_key(api_key: str, request: gr.Request) -> list[Any]:
            if not (api_key or "").strip():
                return layout(None, "<p class='hub-bad' role='alert'>Enter your API key.</p>")
            try:
                who = get_hub().users.authenticate_key(api_key.strip(), context={"channel": "ui"})
            except HubError as exc:
                return layout(None, f"<p class='hub-bad' role='alert'>{esc(exc.message)}</p>")
            return bind(who, request)

        def with_password(name: str, secret: str, request: gr.Request) -> list[Any]:
            if not (name or "").strip() or not secret:
                return layout(None, "<p class='hub-bad' role='alert'>Enter your username and password.</p>")
            try:
                who = get_hub().users.authenticate_password(name.strip(), secret, context={"channel": "ui"})
            except HubError as exc:
                return layout(None, f"<p class='hub-bad' role='alert'>{esc(exc.message)}</p>")
            return bind(who, request)

        def sign_out(request: gr.Request) -> list[Any]:
            sessions.store_for(get_hub()).sign_out(sessions.session_id(request))
            return layout(None, "<p>You are signed out.</p>")

        def restore(request: gr.Request) -> list[Any]:
            """On page load (and reload): the session's user, if the cookie still names a live one.

            With nobody signed in nothing changes: the page starts signed out, and a sign-in that
            finishes before this runs must not be undone by it.
            """
            who = sessions.current(get_hub(), request)
            return layout(who) if who is not None else [gr.update()] * len(layout_outputs)

        def checked(tab: str, loader: Callable[[Any], Any]) -> Callable[..., Any]:
            """A tab loader that re-reads who is signed in from the session (never from the page's state)."""

            def load(_shown: Any, request: gr.Request) -> Any:
                who = sessions.current(get_hub(), request)
                return loader(who if allowed(who, tab) else None)

            return load

        events = [
            key_btn.click(with_key, [key], layout_outputs),
            key.submit(with_key, [key], layout_outputs),
            pw_btn.click(with_password, [username, password], layout_outputs),
            password.submit(with_password, [username, password], layout_outputs),
            signout.click(sign_out, None, layout_outputs),
            blocks.load(restore, None, layout_outputs),
        ]
        for event in events:
            # Loaders fill each visible tab (and blank the others, so nothing of a previous user remains).
            chained = event
            for name, (_tab, loader, outputs) in parts.items():
                chained = chained.then(checked(name, loader), [principal], outputs)
            # Written last, so "signed in as" on screen means every tab is filled and ready.
            chained.then(_signed_in_banner, [principal], [banner])
    return blocks


def mount(app: FastAPI) -> FastAPI:
    """Serve the UI at ``/`` of ``app`` (the API stays under ``/api``; ``/healthz`` stays).

    The hub is read from ``app.state.hub`` inside each callback, so the lifespan that builds it at
    start-up also serves the UI.
    """
    blocks = build_ui(lambda: app.state.hub)

    def max_upload_bytes() -> int:
        return int(app.state.hub.settings.max_upload_mb * 1024 * 1024)

    app.include_router(originals.router(lambda: app.state.hub))
    app.add_middleware(
        sessions.SessionCookieMiddleware,
        get_hub=lambda: app.state.hub,
        max_upload_bytes=max_upload_bytes,
        blocks=blocks,
    )
    return gr.mount_gradio_app(
        app,
        blocks,
        path="/",
        theme=theme(),
        css=CSS,
        head=HEAD,
        footer_links=[],
        show_error=True,
        ssr_mode=False,
        pwa=False,
        mcp_server=False,
    )
