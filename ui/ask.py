"""Ask tab (MSL): a question, optional filters, a cited answer or a plain refusal, recent questions."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

import gradio as gr

from hub.audit import ANSWER_EVENTS
from hub.service import AskFilters, Hub
from ui import originals, render
from ui.session import allowed, guard

log = logging.getLogger(__name__)

ANY = "Any"
RECENT_LIMIT = 10
RECENT_DAYS = 90


def filter_choices(hub: Hub) -> dict[str, list[str]]:
    """Products, document types and areas of content an MSL can be answered from today."""
    today = hub.clock()
    found: dict[str, set[str]] = {"product": set(), "doc_type": set(), "therapeutic_area": set()}
    for doc in hub.catalog.list_documents():
        for v in doc.versions:
            if v.is_retrievable(today):
                for key in found:
                    value = getattr(v, key)
                    if value:
                        found[key].add(value)
    return {key: [ANY, *sorted(values)] for key, values in found.items()}


def recent_questions(hub: Hub, principal: Any, limit: int = RECENT_LIMIT) -> list[tuple[str, str, bool]]:
    """(UTC time, question, refused) of this user's latest questions, newest first, from the audit log."""
    since = hub.now().date() - dt.timedelta(days=RECENT_DAYS)
    entries = hub.audit.query(
        user=principal.name, event=list(ANSWER_EVENTS), date_from=since, limit=200, newest_first=True
    )
    rows: list[tuple[str, str, bool]] = []
    seen: set[str] = set()
    for e in entries:  # newest first; a question asked again is listed once, at its latest time
        question = str(e.payload.get("question", ""))
        if question.casefold() in seen:
            continue
        seen.add(question.casefold())
        rows.append((e.ts[:16].replace("T", " "), question, bool(e.refused)))
        if len(rows) == limit:
            break
    return rows


def recent_html(rows: list[tuple[str, str, bool]]) -> str:
    if not rows:
        return "<p class='hub-empty'>No questions yet.</p>"
    items = "".join(
        f"<li><span class='hub-meta'>{render.esc(ts)}</span> {render.esc(q)}"
        f"{' <em>(not answered)</em>' if refused else ''}</li>"
        for ts, q, refused in rows
    )
    return f"<ul class='hub-html hub-recent'>{items}</ul>"


def _value(choice: str | None) -> str | None:
    return None if not choice or choice == ANY else choice


def build(get_hub: Callable[[], Hub], principal: gr.State) -> tuple[gr.Tab, Callable[..., Any], list[Any]]:
    """Build the tab; returns it with a loader (run after sign-in) and the loader's outputs."""
    with (
        gr.Tab("Ask", id="ask", visible=False, elem_id="tab-ask") as tab,
        gr.Row(equal_height=False, elem_classes=["hub-stack-on-phone"]),
    ):
        with gr.Column(scale=3, min_width=0):
            question = gr.Textbox(
                label="Your question (Enter asks; Shift+Enter for a new line)",
                lines=2,
                max_length=2000,
                elem_id="ask-question",
                placeholder="e.g. What is the recommended maintenance dose?",
            )
            with gr.Accordion("Filters", open=False, elem_id="ask-filters"):
                product = gr.Dropdown([ANY], value=ANY, label="Product", elem_id="ask-product", min_width=0)
                doc_type = gr.Dropdown([ANY], value=ANY, label="Document type", elem_id="ask-doctype", min_width=0)
                area = gr.Dropdown([ANY], value=ANY, label="Therapeutic area", elem_id="ask-area", min_width=0)
            submit = gr.Button("Ask", variant="primary", elem_id="ask-submit")
            result = gr.HTML("", elem_id="ask-answer", js_on_load=render.CITATION_JS, elem_classes=["hub-html"])
        with gr.Column(scale=1, min_width=0):
            gr.Markdown("#### Your recent questions")
            recent = gr.HTML("", elem_id="ask-recent")

    # A refused question (e.g. an empty one) replaces the previous answer with the reason, so an old
    # answer never sits under a new question.
    @guard("ask", get_hub, outputs=2, message_at=0)
    def on_ask(who: Any, q: str, p: str, d: str, a: str) -> tuple[str, str]:
        hub = get_hub()
        ans = hub.ask(q, AskFilters(_value(p), _value(d), _value(a)), user=who)
        rows = hub.catalog.chunks(c.chunk_id for c in ans.citations)
        contexts = {cid: row.text for cid, row in rows.items()}
        shown = render.answer(
            ans,
            contexts,
            " ".join((q or "").split()),
            safety=(hub.settings.safety_notice, hub.settings.safety_contact),
            original_url=lambda c: originals.url(c.version_id, c.page),
        )
        return shown, recent_html(recent_questions(hub, who))

    submit.click(on_ask, [principal, question, product, doc_type, area], [result, recent])
    question.submit(on_ask, [principal, question, product, doc_type, area], [result, recent])

    def load(who: Any) -> tuple[Any, ...]:
        if not allowed(who, "ask"):
            return gr.update(), gr.update(), gr.update(), gr.update(), ""
        hub = get_hub()
        choices = filter_choices(hub)
        return (
            gr.update(choices=choices["product"], value=ANY),
            gr.update(choices=choices["doc_type"], value=ANY),
            gr.update(choices=choices["therapeutic_area"], value=ANY),
            recent_html(recent_questions(hub, who)),
            "",
        )

    return tab, load, [product, doc_type, area, recent, result]
