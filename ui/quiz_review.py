"""Quiz item review (content owner, inside the Library tab): generate items, approve or reject drafts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import gradio as gr

from hub.service import Hub
from ui import render
from ui.session import allowed, guard

log = logging.getLogger(__name__)

HEADERS = ["type", "statement", "answer", "product", "topic", "source", "id"]


def draft_rows(items: list[Any]) -> list[list[Any]]:
    return [
        [
            i.type,
            i.stem,
            i.answer,
            i.product,
            i.topic,
            f"{i.citation.title} v{i.citation.version}, {i.citation.page_label}",
            i.id,
        ]
        for i in items
    ]


def item_html(item: Any) -> str:
    """One item in full, with the source passage it was built from."""
    options = "".join(
        f"<li>{'<strong>' if o == item.answer else ''}{render.esc(o)}"
        f"{' (answer)</strong>' if o == item.answer else ''}</li>"
        for o in item.options
    )
    c = item.citation
    return (
        f"<div class='hub-html hub-item-review' data-item='{render.esc(item.id)}'>"
        f"<p class='hub-meta'>{render.esc(item.type)} · {render.esc(item.product)} · {render.esc(item.topic)} · "
        f"{render.esc(item.status)}</p><p><strong>{render.esc(item.stem)}</strong></p>"
        f"{'<ol>' + options + '</ol>' if item.options else ''}"
        f"<p>Answer: <strong>{render.esc(item.answer)}</strong>. {render.esc(item.explanation)}</p>"
        f"<div class='hub-citation'><div class='hub-meta'>{render.esc(c.title)} · version {render.esc(c.version)} · "
        f"{render.esc(c.page_label)}</div><blockquote><mark>{render.esc(c.passage)}</mark></blockquote></div></div>"
    )


def build(get_hub: Callable[[], Hub], principal: gr.State) -> tuple[Callable[..., Any], list[Any]]:
    """Components are created in the caller's layout context (the Library tab)."""
    with gr.Accordion("Quiz items to review", open=False, elem_id="items-section"):
        with gr.Row(elem_classes=["hub-stack-on-phone"]):
            generate = gr.Button("Generate items from approved content", elem_id="items-generate", min_width=0)
            refresh = gr.Button("Refresh", size="sm", elem_id="items-refresh", min_width=0)
        summary = gr.HTML("", elem_id="items-summary")
        drafts = gr.HTML("", elem_id="items-table")
        chosen = gr.Dropdown([], label="Draft item", elem_id="items-pick")
        detail = gr.HTML("", elem_id="items-detail")
        note = gr.Textbox(label="Note (required to reject)", elem_id="items-note")
        with gr.Row(elem_classes=["hub-stack-on-phone"]):
            approve = gr.Button("Approve item", variant="primary", elem_id="items-approve", min_width=0)
            reject = gr.Button("Reject item", variant="stop", elem_id="items-reject", min_width=0)
        message = gr.HTML("", elem_id="items-message")

    def listing(hub: Hub, note_html: str = "") -> list[Any]:
        items = hub.learning.list_items(status="draft", limit=200)
        counts = hub.learning.counts()
        head = (
            f"<p class='hub-meta'>{counts.get('draft', 0)} draft, {counts.get('approved', 0)} approved, "
            f"{counts.get('rejected', 0)} rejected, {counts.get('retired', 0)} retired.</p>{note_html}"
        )
        choices = [(f"{i.stem[:70]} ({i.type})", i.id) for i in items]
        return [
            head,
            render.table(HEADERS, draft_rows(items), empty="No drafts waiting."),
            gr.update(choices=choices, value=None),
            "",
        ]

    outputs = [summary, drafts, chosen, detail]

    @guard("library", get_hub, outputs=4)
    def on_generate(who: Any) -> list[Any]:
        hub = get_hub()
        run = hub.learning.generate(who)
        return listing(
            hub, f"<p class='hub-ok'>Generated {run.kept} new draft item(s) ({run.generated} candidates checked).</p>"
        )

    @guard("library", get_hub, outputs=4)
    def on_refresh(who: Any) -> list[Any]:
        return listing(get_hub())

    @guard("library", get_hub, outputs=1)
    def on_pick(who: Any, item_id: str | None) -> str:
        return item_html(get_hub().learning.get_item(item_id)) if item_id else ""

    def decide(who: Any, item_id: str | None, text: str, decision: str) -> list[Any]:
        hub = get_hub()
        keep = [gr.update()] * 4  # leave the list and the chosen item as they are
        if not item_id:
            return ["<p class='hub-bad'>Choose a draft item first.</p>", *keep, text]
        if decision == "reject" and not (text or "").strip():
            return [
                "<p class='hub-bad'>Say why the item is rejected (e.g. ambiguous, trivial, wrong answer).</p>",
                *keep,
                text,
            ]
        service = hub.learning
        item = (
            service.approve(item_id, who, text.strip())
            if decision == "approve"
            else service.reject(item_id, who, text.strip())
        )
        return [
            f"<p class='hub-ok'>Item {render.esc(item.status)}: MSLs "
            f"{'can now get' if item.status == 'approved' else 'will not see'} it.</p>",
            *listing(hub),
            "",
        ]

    generate.click(on_generate, [principal], outputs)
    refresh.click(on_refresh, [principal], outputs)
    chosen.input(on_pick, [principal, chosen], [detail])

    # Separate guarded callbacks (not lambdas): the guard needs Gradio to hand it the request.
    @guard("library", get_hub, outputs=6)
    def on_approve(who: Any, item_id: str | None, text: str) -> list[Any]:
        return decide(who, item_id, text, "approve")

    @guard("library", get_hub, outputs=6)
    def on_reject(who: Any, item_id: str | None, text: str) -> list[Any]:
        return decide(who, item_id, text, "reject")

    approve.click(on_approve, [principal, chosen, note], [message, *outputs, note])
    reject.click(on_reject, [principal, chosen, note], [message, *outputs, note])

    def load(who: Any) -> list[Any]:
        if not allowed(who, "library"):
            return ["", "", gr.update(choices=[], value=None), ""]
        return listing(get_hub())

    return load, outputs
