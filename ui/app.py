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
from ui import analytics, ask, compliance, learn, library, users
from ui.render import esc
from ui.session import ROLE_NAMES, TAB_ROLES, role_of, tabs_for
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
    with gr.Blocks(title=TITLE, analytics_enabled=False) as blocks:
        principal = gr.State(None)
        gr.HTML(
            f"<div class='hub-html'><h2 style='margin:0.25rem 0'>{TITLE}</h2>"
            "<p class='hub-meta' style='margin:0'>Cited answers from approved, current medical-affairs content."
            "</p></div>"
        )

        with gr.Column(visible=True, elem_id="signin") as signin_box:
            gr.Markdown("### Sign in")
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

        def with_key(api_key: str) -> list[Any]:
            if not (api_key or "").strip():
                return layout(None, "<p class='hub-bad'>Enter your API key.</p>")
            try:
                who = get_hub().users.authenticate_key(api_key.strip(), context={"channel": "ui"})
            except HubError as exc:
                return layout(None, f"<p class='hub-bad'>{esc(exc.message)}</p>")
            return layout(who)

        def with_password(name: str, secret: str) -> list[Any]:
            if not (name or "").strip() or not secret:
                return layout(None, "<p class='hub-bad'>Enter your username and password.</p>")
            try:
                who = get_hub().users.authenticate_password(name.strip(), secret, context={"channel": "ui"})
            except HubError as exc:
                return layout(None, f"<p class='hub-bad'>{esc(exc.message)}</p>")
            return layout(who)

        def sign_out() -> list[Any]:
            return layout(None, "<p>You are signed out.</p>")

        events = [
            key_btn.click(with_key, [key], layout_outputs),
            key.submit(with_key, [key], layout_outputs),
            pw_btn.click(with_password, [username, password], layout_outputs),
            password.submit(with_password, [username, password], layout_outputs),
            signout.click(sign_out, None, layout_outputs),
        ]
        for event in events:
            # Loaders fill each visible tab (and blank the others, so nothing of a previous user remains).
            chained = event
            for _tab, loader, outputs in parts.values():
                chained = chained.then(loader, [principal], outputs)
            # Written last, so "signed in as" on screen means every tab is filled and ready.
            chained.then(_signed_in_banner, [principal], [banner])
    return blocks


def mount(app: FastAPI) -> FastAPI:
    """Serve the UI at ``/`` of ``app`` (the API stays under ``/api``; ``/healthz`` stays).

    The hub is read from ``app.state.hub`` inside each callback, so the lifespan that builds it at
    start-up also serves the UI.
    """
    blocks = build_ui(lambda: app.state.hub)
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
