"""Ask tab (MSL): a question, optional filters, a cited answer or a plain refusal, recent questions."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import gradio as gr

from hub.service import AskFilters, Hub
from ui import originals, render
from ui.session import allowed, guard
from ui.session import error_html as render_error

log = logging.getLogger(__name__)

ANY = "Any"
RECENT_LIMIT = 10
RECENT_DAYS = 90


def filter_choices(hub: Hub) -> dict[str, list[str]]:
    """Products, document types and areas of content an MSL can be answered from today."""
    return {key: [ANY, *sorted(values)] for key, values in hub.answerable_facets().items()}


def recent_questions(hub: Hub, principal: Any, limit: int = RECENT_LIMIT) -> list[tuple[str, str, bool, str]]:
    """(UTC time, question, refused, audit id) of this user's latest questions, newest first, from the audit log."""
    entries = hub.recent_answers(principal, days=RECENT_DAYS)
    rows: list[tuple[str, str, bool, str]] = []
    seen: set[str] = set()
    for e in entries:  # newest first; a question asked again is listed once, at its latest time
        question = str(e.payload.get("question", ""))
        if question.casefold() in seen:
            continue
        seen.add(question.casefold())
        rows.append((e.ts[:16].replace("T", " "), question, bool(e.refused), e.id))
        if len(rows) == limit:
            break
    return rows


def recent_update(rows: list[tuple[str, str, bool, str]]) -> Any:
    """The recent questions as choices: picking one shows its answer again (from the audit log)."""
    choices = [(f"{q}{' (not answered)' if refused else ''} · {ts} UTC", audit_id) for ts, q, refused, audit_id in rows]
    return gr.update(choices=choices, value=None, info=None if rows else "No questions yet.")


def _quotes_by_marker(text: str) -> dict[int, str]:
    """Each [n]'s quote in an answer text: the words between the previous marker (or line start) and [n]."""
    quotes: dict[int, str] = {}
    for line in text.splitlines():
        pos = 0
        for m in re.finditer(r"\[(\d{1,3})\]", line):
            piece = line[pos : m.start()].strip()
            if piece:
                quotes.setdefault(int(m.group(1)), piece)
            pos = m.end()
    return quotes


def _unit(row: Any) -> str:
    return "slide" if row is not None and row.version.media_type == "pptx" else "page"


def reopened(hub: Hub, who: Any, audit_id: str) -> str:
    """An earlier answer of ``who`` rebuilt from its audit record (only their own records)."""
    entry = hub.own_answer(who, audit_id)
    p = entry.payload
    quotes = _quotes_by_marker(str(p.get("answer") or ""))
    cited = p.get("cited") or []
    rows = hub.chunks(c.get("chunk_id") for c in cited)
    citations = [
        SimpleNamespace(
            n=int(c.get("n", 0)),
            title=c.get("title", ""),
            version=c.get("version", ""),
            version_id=c.get("version_id", ""),
            page=c.get("page"),
            page_label=f"{_unit(rows.get(c.get('chunk_id', '')))} {c.get('page')}",
            section=c.get("section"),
            source_file=rows[c["chunk_id"]].version.source_file if c.get("chunk_id") in rows else "",
            quote=quotes.get(int(c.get("n", 0)), ""),
            chunk_id=c.get("chunk_id", ""),
        )
        for c in cited
    ]
    ans = SimpleNamespace(
        answer=p.get("answer") or "",
        refused=bool(entry.refused),
        reason=p.get("refusal_reason"),
        citations=citations,
        flagged=bool(entry.flagged),
    )
    contexts = {cid: row.text for cid, row in rows.items()}
    body = render.answer(
        ans,
        contexts,
        str(p.get("question") or ""),
        safety=(hub.settings.safety.notice, hub.settings.safety.contact),
        original_url=lambda c: originals.url(c.version_id, c.page) if c.version_id else None,
    )
    note = (
        f"<p class='hub-meta' id='ask-reopened'>As answered on {render.esc(entry.ts[:16].replace('T', ' '))} UTC "
        "(from the audit log). Ask again for an answer from today's approved content.</p>"
    )
    return note + body


def nearest_passages(hub: Hub, ans: Any, limit: int = 3) -> list[tuple[str, str, str]]:
    """(title and version, page or slide, text) of the closest approved passages to a refused question."""
    ids = [r["chunk_id"] for r in ans.retrieved[:limit]]
    rows = hub.chunks(ids)
    today = hub.clock()
    found = []
    for cid in ids:
        row = rows.get(cid)
        if row is None or not row.version.is_retrievable(today):
            continue
        unit = "slide" if row.version.media_type == "pptx" else "page"
        found.append((f"{row.version.title} v{row.version.version_label}", f"{unit} {row.page}", row.text))
    return found


def product_hint(hub: Hub, question: str, product_filter: str | None) -> str:
    """A hint to name the product when the question names none (short follow-ups such as 'and in children?')."""
    if product_filter:
        return ""
    products = [p for p in filter_choices(hub)["product"] if p != ANY]
    words = question.casefold()
    if not products or any(p.casefold() in words for p in products):
        return ""
    example = products[0]
    return (
        f"Your question does not name a product. Each question is answered on its own, so say which product "
        f"and what you want to know, e.g. \u201c{example}: dose in children\u201d."
    )


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
            asked = gr.State(None)  # the refused question and its audit id, for a medical-information request
            mi_request = gr.Button(
                "Request a medical-information response", visible=False, elem_id="ask-mi-request", min_width=0
            )
            mi_message = gr.HTML("", elem_id="ask-mi-message")
        with gr.Column(scale=1, min_width=0):
            recent = gr.Radio(
                [],
                label="Your recent questions (choose one to see its answer again)",
                elem_id="ask-recent",
            )

    # A refused question (e.g. an empty one) replaces the previous answer with the reason, so an old
    # answer never sits under a new question.
    @guard("ask", get_hub, outputs=5, message_at=0)
    def on_ask(who: Any, q: str, p: str, d: str, a: str) -> tuple[Any, ...]:
        hub = get_hub()
        ans = hub.ask(q, AskFilters(_value(p), _value(d), _value(a)), user=who)
        rows = hub.chunks(c.chunk_id for c in ans.citations)
        contexts = {cid: row.text for cid, row in rows.items()}
        said = " ".join((q or "").split())
        help_html = ""
        if ans.refused:
            help_html = render.refusal_help(product_hint(hub, said, _value(p)), nearest_passages(hub, ans))
        shown = render.answer(
            ans,
            contexts,
            said,
            safety=(hub.settings.safety.notice, hub.settings.safety.contact),
            original_url=lambda c: originals.url(c.version_id, c.page),
            refusal_help=help_html,
        )
        refused = {"question": said, "audit_id": ans.audit_id} if ans.refused else None
        return shown, recent_update(recent_questions(hub, who)), refused, gr.update(visible=ans.refused), ""

    ask_outputs = [result, recent, asked, mi_request, mi_message]
    submit.click(on_ask, [principal, question, product, doc_type, area], ask_outputs)
    question.submit(on_ask, [principal, question, product, doc_type, area], ask_outputs)

    @guard("ask", get_hub, outputs=2, message_at=1)
    def on_mi_request(who: Any, refused: dict[str, Any] | None) -> tuple[Any, str]:
        hub = get_hub()
        if not refused:
            return gr.update(), render_error("Ask a question first; a request goes with a question that was refused.")
        entry = hub.request_medical_information(who, refused["question"], refused["audit_id"], channel="ui")
        return gr.update(visible=False), (
            f"<p class='hub-ok' role='status'>Request recorded (audit record #{entry.seq}). Medical Information "
            "will send an approved response; quote this number if you follow up.</p>"
        )

    mi_request.click(on_mi_request, [principal, asked], [mi_request, mi_message])

    @guard("ask", get_hub, outputs=4, message_at=0)
    def on_reopen(who: Any, audit_id: str | None) -> tuple[Any, ...]:
        if not audit_id:
            return gr.update(), None, gr.update(visible=False), ""
        return reopened(get_hub(), who, audit_id), None, gr.update(visible=False), ""

    recent.input(on_reopen, [principal, recent], [result, asked, mi_request, mi_message])

    def load(who: Any) -> tuple[Any, ...]:
        if not allowed(who, "ask"):
            return (
                gr.update(),
                gr.update(),
                gr.update(),
                gr.update(choices=[], value=None),
                "",
                None,
                gr.update(visible=False),
                "",
            )
        hub = get_hub()
        choices = filter_choices(hub)
        return (
            gr.update(choices=choices["product"], value=ANY),
            gr.update(choices=choices["doc_type"], value=ANY),
            gr.update(choices=choices["therapeutic_area"], value=ANY),
            recent_update(recent_questions(hub, who)),
            "",
            None,
            gr.update(visible=False),
            "",
        )

    return tab, load, [product, doc_type, area, recent, result, asked, mi_request, mi_message]
