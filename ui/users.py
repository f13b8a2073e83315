"""Users tab (admin): list users, add one (the API key is shown once), disable one."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import gradio as gr

from hub.auth import Role
from hub.service import Hub
from ui import render
from ui.session import allowed, guard

log = logging.getLogger(__name__)

HEADERS = ["name", "role", "key prefix", "password", "state", "created (UTC)"]


def user_rows(hub: Hub) -> list[list[Any]]:
    return [
        [
            u.name,
            str(u.role),
            u.key_prefix,
            "yes" if u.has_password else "no",
            "disabled" if u.disabled else "active",
            u.created_at[:19].replace("T", " "),
        ]
        for u in hub.users.list()
    ]


def build(get_hub: Callable[[], Hub], principal: gr.State) -> tuple[gr.Tab, Callable[..., Any], list[Any]]:
    with gr.Tab("Users", id="users", visible=False, elem_id="tab-users") as tab:
        listing = gr.HTML("", elem_id="users-table")
        gr.Markdown("## Add a user")
        with gr.Row(elem_classes=["hub-stack-on-phone"]):
            name = gr.Textbox(label="User name", elem_id="users-name", min_width=0)
            role = gr.Dropdown(
                [r.value for r in Role], value=Role.msl.value, label="Role", elem_id="users-role", min_width=0
            )
            password = gr.Textbox(
                label="Password (optional, 8+ characters)", type="password", elem_id="users-password", min_width=0
            )
        add = gr.Button("Add user", variant="primary", elem_id="users-add")
        gr.Markdown("## Disable a user")
        with gr.Row(elem_classes=["hub-stack-on-phone"]):
            target = gr.Dropdown([], label="User", elem_id="users-target", min_width=0)
            disable = gr.Button("Disable", variant="stop", elem_id="users-disable", min_width=0)
        message = gr.HTML("", elem_id="users-message")

    def refresh(hub: Hub) -> tuple[str, Any]:
        names = [u.name for u in hub.users.list() if not u.disabled]
        return render.table(HEADERS, user_rows(hub), empty="No users."), gr.update(choices=names, value=None)

    # A refused user (duplicate name, short password) is explained next to the button; the form stays.
    @guard("users", get_hub, outputs=5)
    def on_add(who: Any, n: str, r: str, pw: str) -> tuple[Any, ...]:
        hub = get_hub()
        user, key = hub.users.add((n or "").strip(), r, pw or None, actor=who)
        msg = (
            f"<p class='hub-ok'>Added {render.esc(user.name)} ({render.esc(str(user.role))}). Their API key, shown "
            f"only now, is:</p><pre class='hub-scroll' id='users-new-key'>{render.esc(key)}</pre>"
            "<p>Give it to them through a secure channel.</p>"
        )
        return (msg, *refresh(hub), "", "")

    add.click(on_add, [principal, name, role, password], [message, listing, target, name, password])

    @guard("users", get_hub, outputs=3)
    def on_disable(who: Any, n: str | None) -> tuple[Any, ...]:
        hub = get_hub()
        if not n:
            return ("<p class='hub-bad'>Choose a user to disable.</p>", *refresh(hub))
        hub.users.disable(n, actor=who)
        return (
            f"<p class='hub-ok'>Disabled {render.esc(n)}: their key and password stop working now.</p>",
            *refresh(hub),
        )

    disable.click(on_disable, [principal, target], [message, listing, target])

    def load(who: Any) -> tuple[Any, ...]:
        if not allowed(who, "users"):
            return "", gr.update(choices=[], value=None), ""
        return (*refresh(get_hub()), "")

    return tab, load, [listing, target, message]
