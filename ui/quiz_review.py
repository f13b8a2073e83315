"""Quiz item review (content owner, inside the Library tab): generate items, approve or reject drafts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import gradio as gr

from hub.service import Hub
from ui import render
from ui.session import allowed, error_html, guard

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


PAGE_SIZE = 20
ANY = "Any"
STATUSES = ["draft", "approved", "rejected", "retired", ANY]


def _value(choice: Any) -> str | None:
    return None if choice in (None, "", ANY) else str(choice)


def _page_of(hub: Hub, status: Any, doc: Any, kind: Any, topic: Any, page: Any) -> tuple[list[Any], int, int]:
    """The items on ``page`` (0-based, clamped) of the filtered queue, the page used and the total."""
    filters = dict(status=_value(status), document_id=_value(doc), item_type=_value(kind), topic=_value(topic))
    total = hub.learning.count_items(**filters)
    last = max(0, (total - 1) // PAGE_SIZE)
    page = min(max(int(page or 0), 0), last)
    if filters["status"] == "draft":
        # Drafts come most-worth-reviewing first (the review queue's quality signal), so a reviewer
        # short of time decides on the dosing and safety items before the pharmacokinetic trivia.
        ranked = hub.learning.review_queue(
            document_id=filters["document_id"], item_type=filters["item_type"], topic=filters["topic"], limit=1000
        )
        return ranked[page * PAGE_SIZE : (page + 1) * PAGE_SIZE], page, total
    items = hub.learning.list_items(**filters, limit=PAGE_SIZE, offset=page * PAGE_SIZE)
    return items, page, total


def build(get_hub: Callable[[], Hub], principal: gr.State) -> tuple[Callable[..., Any], list[Any]]:
    """Components are created in the caller's layout context (the Library tab).

    Built for hundreds of items: a filtered queue shown a page at a time, bulk approve and reject
    of the items ticked on the page, and one-at-a-time review that moves on to the next item after
    each decision (keys when no text box has focus: A approve, N next item, R write a rejection note).
    """
    with gr.Accordion("Quiz items to review", open=False, elem_id="items-section"):
        with gr.Row(elem_classes=["hub-stack-on-phone"]):
            generate = gr.Button("Generate items from approved content", elem_id="items-generate", min_width=0)
            refresh = gr.Button("Refresh", size="sm", elem_id="items-refresh", min_width=0)
        summary = gr.HTML("", elem_id="items-summary")
        with gr.Row(elem_classes=["hub-stack-on-phone"]):
            status = gr.Dropdown(STATUSES, value="draft", label="Status", elem_id="items-status", min_width=0)
            document = gr.Dropdown([ANY], value=ANY, label="Document", elem_id="items-document", min_width=0)
            kind = gr.Dropdown([ANY], value=ANY, label="Type", elem_id="items-type", min_width=0)
            topic = gr.Dropdown([ANY], value=ANY, label="Section / topic", elem_id="items-topic", min_width=0)
        page = gr.State(0)
        drafts = gr.HTML("", elem_id="items-table")
        with gr.Row(elem_classes=["hub-stack-on-phone"]):
            prev_page = gr.Button("Previous page", size="sm", elem_id="items-prev-page", min_width=0)
            page_label = gr.HTML("", elem_id="items-page")
            next_page = gr.Button("Next page", size="sm", elem_id="items-next-page", min_width=0)
        with gr.Accordion("Bulk decisions on this page", open=False, elem_id="items-bulk-section"):
            selection = gr.CheckboxGroup([], label="Items on this page", elem_id="items-selection")
            with gr.Row(elem_classes=["hub-stack-on-phone"]):
                bulk_approve = gr.Button("Approve ticked items", elem_id="items-bulk-approve", min_width=0)
                bulk_reject = gr.Button("Reject ticked items", variant="stop", elem_id="items-bulk-reject", min_width=0)
        gr.Markdown("### One at a time")
        chosen = gr.Dropdown([], label="Item", elem_id="items-pick")
        detail = gr.HTML("", elem_id="items-detail")
        stem = gr.Textbox(label="Statement (edit before approving if needed)", lines=2, elem_id="items-stem")
        note = gr.Textbox(label="Note (required to reject)", elem_id="items-note")
        with gr.Row(elem_classes=["hub-stack-on-phone"]):
            approve = gr.Button("Approve item", variant="primary", elem_id="items-approve", min_width=0)
            reject = gr.Button("Reject item", variant="stop", elem_id="items-reject", min_width=0)
            skip = gr.Button("Next item", elem_id="items-next", min_width=0)
        message = gr.HTML("", elem_id="items-message")

    filters = [status, document, kind, topic]
    outputs = [summary, drafts, chosen, detail, selection, page_label, stem, page]

    def listing(hub: Hub, st: Any, doc: Any, ki: Any, to: Any, pg: Any, prefer: str | None = None) -> list[Any]:
        items, pg, total = _page_of(hub, st, doc, ki, to, pg)
        counts = hub.learning.counts()
        head = (
            f"<p class='hub-meta'>{counts.get('draft', 0)} draft, {counts.get('approved', 0)} approved, "
            f"{counts.get('rejected', 0)} rejected, {counts.get('retired', 0)} retired.</p>"
        )
        choices = [(f"{i.stem[:70]} ({i.type})", i.id) for i in items]
        ids = [i.id for i in items]
        current = prefer if prefer in ids else (ids[0] if ids else None)
        shown = next((i for i in items if i.id == current), None)
        pages = max(1, -(-total // PAGE_SIZE))
        return [
            head,
            render.table(HEADERS, draft_rows(items), empty="No items match."),
            gr.update(choices=choices, value=current),
            item_html(shown) if shown else "",
            gr.update(choices=choices, value=[]),
            f"<p class='hub-meta' role='status'>page {pg + 1} of {pages} · {total} item(s)</p>",
            shown.stem if shown else "",
            pg,
        ]

    def next_id(hub: Hub, st: Any, doc: Any, ki: Any, to: Any, pg: Any, after: str | None) -> tuple[str | None, int]:
        """The item after ``after`` in the queue as it stood (the same page, else the next one)."""
        items, pg, _total = _page_of(hub, st, doc, ki, to, pg)
        ids = [i.id for i in items]
        if after in ids and ids.index(after) + 1 < len(ids):
            return ids[ids.index(after) + 1], pg
        return None, pg

    @guard("library", get_hub, outputs=8)
    def on_generate(who: Any, st: Any, doc: Any, ki: Any, to: Any) -> list[Any]:
        hub = get_hub()
        run = hub.learning.generate(who)
        out = listing(hub, st, doc, ki, to, 0)
        out[0] += f"<p class='hub-ok'>Generated {run.kept} new draft item(s) ({run.generated} candidates checked).</p>"
        return out

    @guard("library", get_hub, outputs=8)
    def on_refresh(who: Any, st: Any, doc: Any, ki: Any, to: Any) -> list[Any]:
        return listing(get_hub(), st, doc, ki, to, 0)

    @guard("library", get_hub, outputs=8)
    def on_page(who: Any, st: Any, doc: Any, ki: Any, to: Any, pg: Any, step: Any) -> list[Any]:
        return listing(get_hub(), st, doc, ki, to, int(pg or 0) + int(step or 0))

    @guard("library", get_hub, outputs=2)
    def on_pick(who: Any, item_id: str | None) -> tuple[str, str]:
        if not item_id:
            return "", ""
        item = get_hub().learning.get_item(item_id)
        return item_html(item), item.stem

    def decide(
        who: Any,
        item_id: str | None,
        new_stem: str,
        text: str,
        decision: str,
        st: Any,
        doc: Any,
        ki: Any,
        to: Any,
        pg: Any,
    ) -> list[Any]:
        hub = get_hub()
        keep = [gr.update()] * len(outputs)  # leave the list and the chosen item as they are
        if not item_id:
            return [error_html("Choose an item first."), *keep, text]
        if decision == "reject" and not (text or "").strip():
            return [error_html("Say why the item is rejected (e.g. ambiguous, trivial, wrong answer)."), *keep, text]
        service = hub.learning
        edited = " ".join((new_stem or "").split())
        if decision == "approve" and edited and edited != " ".join(service.get_item(item_id).stem.split()):
            service.edit(item_id, who, stem=edited)  # re-checked and audited with the old and new wording
        following, pg = next_id(hub, st, doc, ki, to, pg, item_id)
        item = (
            service.approve(item_id, who, text.strip())
            if decision == "approve"
            else service.reject(item_id, who, text.strip())
        )
        return [
            f"<p class='hub-ok' role='status'>Item {render.esc(item.status)}: MSLs "
            f"{'can now get' if item.status == 'approved' else 'will not see'} it. Showing the next item.</p>",
            *listing(hub, st, doc, ki, to, pg, prefer=following),
            "",
        ]

    # Separate guarded callbacks (not lambdas): the guard needs Gradio to hand it the request.
    @guard("library", get_hub, outputs=10)
    def on_approve(who: Any, i: Any, stem_text: str, t: str, st: Any, doc: Any, ki: Any, to: Any, pg: Any) -> list[Any]:
        return decide(who, i, stem_text, t, "approve", st, doc, ki, to, pg)

    @guard("library", get_hub, outputs=10)
    def on_reject(who: Any, i: Any, stem_text: str, t: str, st: Any, doc: Any, ki: Any, to: Any, pg: Any) -> list[Any]:
        return decide(who, i, stem_text, t, "reject", st, doc, ki, to, pg)

    @guard("library", get_hub, outputs=3)
    def on_skip(who: Any, item_id: str | None, st: Any, doc: Any, ki: Any, to: Any, pg: Any) -> list[Any]:
        hub = get_hub()
        following, _pg = next_id(hub, st, doc, ki, to, pg, item_id)
        if following is None:
            return [gr.update(), gr.update(), "<p class='hub-meta' role='status'>Last item on this page.</p>"]
        item = hub.learning.get_item(following)
        return [gr.update(value=following), item_html(item), item.stem]

    def bulk(who: Any, ids: list[str] | None, text: str, decision: str, st: Any, doc: Any, ki: Any, to: Any, pg: Any):  # type: ignore[no-untyped-def]
        hub = get_hub()
        if not ids:
            return [error_html("Tick one or more items on this page first."), *[gr.update()] * len(outputs), text]
        done, failed = hub.learning.decide_many(ids, who, decision, (text or "").strip())
        problems = "".join(f"<li>{render.esc(i)}: {render.esc(why)}</li>" for i, why in failed.items())
        word = "approved" if decision == "approve" else "rejected"
        msg = f"<p class='{'hub-bad' if failed else 'hub-ok'}' role='status'>{len(done)} item(s) {word}"
        msg += f"; {len(failed)} refused:</p><ul>{problems}</ul>" if failed else ".</p>"
        return [msg, *listing(hub, st, doc, ki, to, pg), ""]

    @guard("library", get_hub, outputs=10)
    def on_bulk_approve(who: Any, ids: Any, t: str, st: Any, doc: Any, ki: Any, to: Any, pg: Any) -> list[Any]:
        return bulk(who, ids, t, "approve", st, doc, ki, to, pg)

    @guard("library", get_hub, outputs=10)
    def on_bulk_reject(who: Any, ids: Any, t: str, st: Any, doc: Any, ki: Any, to: Any, pg: Any) -> list[Any]:
        return bulk(who, ids, t, "reject", st, doc, ki, to, pg)

    generate.click(on_generate, [principal, *filters], outputs)
    refresh.click(on_refresh, [principal, *filters], outputs)
    for f in filters:
        f.input(on_refresh, [principal, *filters], outputs)
    prev_page.click(on_page, [principal, *filters, page, gr.Number(-1, visible=False)], outputs)
    next_page.click(on_page, [principal, *filters, page, gr.Number(1, visible=False)], outputs)
    chosen.input(on_pick, [principal, chosen], [detail, stem])
    decided = [message, *outputs, note]
    approve.click(on_approve, [principal, chosen, stem, note, *filters, page], decided)
    reject.click(on_reject, [principal, chosen, stem, note, *filters, page], decided)
    skip.click(on_skip, [principal, chosen, *filters, page], [chosen, detail, stem])
    bulk_approve.click(on_bulk_approve, [principal, selection, note, *filters, page], decided)
    bulk_reject.click(on_bulk_reject, [principal, selection, note, *filters, page], decided)

    def load(who: Any) -> list[Any]:
        if not allowed(who, "library"):
            return [
                "",
                "",
                gr.update(choices=[], value=None),
                "",
                gr.update(choices=[], value=[]),
                "",
                "",
                0,
                gr.update(choices=[ANY], value=ANY),
                gr.update(choices=[ANY], value=ANY),
                gr.update(choices=[ANY], value=ANY),
            ]
        hub = get_hub()
        facets = hub.learning.item_facets()
        return [
            *listing(hub, "draft", None, None, None, 0),
            gr.update(choices=[(ANY, ANY), *facets["document"]], value=ANY),
            gr.update(choices=[(ANY, ANY), *facets["type"]], value=ANY),
            gr.update(choices=[(ANY, ANY), *facets["topic"]], value=ANY),
        ]

    return load, [*outputs, document, kind, topic]
