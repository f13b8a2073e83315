"""Compliance tab: the audit log filtered or sampled, reviews, chain verification and export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import gradio as gr

from hub.audit import ANSWER_EVENTS, REVIEW_STATUSES, AuditEntry
from hub.errors import InvalidInput
from hub.service import Hub
from ui import render
from ui.session import allowed, guard

log = logging.getLogger(__name__)

ANY = "Any"
SCOPES = {"Answers and refusals": list(ANSWER_EVENTS), "Every event": None}
HEADERS = ["#", "time (UTC)", "event", "user", "role", "product", "question / detail", "refused", "flagged", "id"]
PAGE = 200


PERIODS = {"Any time": None, "Last 24 hours": 1, "Last 7 days": 7, "Last 30 days": 30}
VIEW_COLUMNS = [
    "seq",
    "time_utc",
    "event",
    "user",
    "role",
    "product",
    "question",
    "answer",
    "refusal_reason",
    "refused",
    "flagged",
    "safety_terms",
    "id",
    "hash",
]


def matches_text(e: AuditEntry, needle: str) -> bool:
    """Whether a record mentions ``needle`` (case-insensitive) in its question, answer, reason or comment."""
    if not needle:
        return True
    p = e.payload
    hay = " ".join(str(p.get(k) or "") for k in ("question", "answer", "refusal_reason", "reason", "comment", "title"))
    return needle.casefold() in f"{hay} {e.actor} {e.product}".casefold()


def since(period: str | None, now: dt.datetime) -> dt.datetime | None:
    days = PERIODS.get(period or "")
    return now - dt.timedelta(days=days) if days else None


def view_csv(entries: list[AuditEntry]) -> bytes:
    """The filtered records as CSV, one column per thing a reviewer reads (not a JSON blob)."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(VIEW_COLUMNS)
    for e in entries:
        p = e.payload
        w.writerow(
            [
                e.seq,
                e.ts,
                e.event,
                e.actor,
                e.role,
                e.product,
                p.get("question", ""),
                p.get("answer", "") if not e.refused else "",
                p.get("refusal_reason") or "",
                "yes" if e.refused else "",
                "yes" if e.flagged else "",
                "; ".join(p.get("safety_terms") or []),
                e.id,
                e.hash,
            ]
        )
    return out.getvalue().encode("utf-8")


def parse_day(text: str, field: str) -> dt.date | None:
    """A YYYY-MM-DD day from a text box (blank means no bound)."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{field} '{text}' is not a date; use YYYY-MM-DD, e.g. 2026-11-25", field=field) from exc


def summary(e: AuditEntry, width: int = 140) -> str:
    """What a record is about, in one line: the question for answers, else the key facts."""
    p = e.payload
    text = p.get("question") or p.get("reason") or p.get("comment") or p.get("title") or ""
    if not text:
        text = json.dumps({k: v for k, v in p.items() if not isinstance(v, list | dict)}, ensure_ascii=False)
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def rows_of(entries: list[AuditEntry]) -> list[list[Any]]:
    return [
        [
            e.seq,
            e.ts[:19].replace("T", " "),
            e.event,
            e.actor,
            e.role,
            e.product,
            summary(e),
            "yes" if e.refused else "",
            "yes" if e.flagged else "",
            e.id,
        ]
        for e in entries
    ]


def choices_of(entries: list[AuditEntry]) -> list[tuple[str, str]]:
    return [(f"#{e.seq} {e.ts[:16].replace('T', ' ')} {e.actor}: {summary(e, 60)}", e.id) for e in entries]


def _safety_html(hub: Hub | None, p: dict[str, Any]) -> str:
    """Why a record was flagged as a possible adverse event, in the words that matched."""
    if not p.get("safety_terms"):
        return ""
    parts = []
    if hub is not None:
        for where, text in (("question", p.get("question")), ("answer", p.get("answer"))):
            words = hub.safety.matched_words(text)
            if words:
                quoted = ", ".join(f"“{w}”" for w in words)
                parts.append(f"the {where} says {quoted}")
    said = "; ".join(parts) or f"{len(p['safety_terms'])} safety term(s) matched"
    return (
        "<p class='hub-bad' id='aud-safety'>Possible adverse event, flagged for pharmacovigilance follow-up: "
        f"{render.esc(said)}.</p>"
    )


def _answer_facts(p: dict[str, Any], hub: Hub | None = None) -> str:
    """The parts of an answer record a reviewer reads first: question, answer or refusal, sources."""
    if "question" not in p:
        return ""
    cited = "".join(
        f"<li>[{render.esc(c.get('n'))}] {render.esc(c.get('title'))} v{render.esc(c.get('version'))}, "
        f"page/slide {render.esc(c.get('page'))}</li>"
        for c in p.get("cited") or []
    )
    refusal = p.get("refusal_reason")
    said = render.esc(refusal or p.get("answer", ""))
    return (
        f"<p><strong>Question:</strong> {render.esc(p['question'])}</p>"
        f"<p><strong>{'Refused' if refusal else 'Answer'}:</strong> {said}</p>"
        + (f"<ul>{cited}</ul>" if cited else "")
        + _safety_html(hub, p)
    )


def detail_html(hub: Hub, record_id: str) -> str:
    """One record: the key facts, the reviews it has received, and the full payload as JSON."""
    e = hub.audit.get(record_id)
    reviews = hub.audit.reviews(record_id)
    review_rows = [
        [r.ts[:19].replace("T", " "), r.actor, r.payload.get("status", ""), r.payload.get("comment", "")]
        for r in reviews
    ]
    return (
        "<div class='hub-html'>"
        f"<p><strong>#{e.seq} {render.esc(e.event)}</strong> by {render.esc(e.actor or 'system')} "
        f"({render.esc(e.role)}) at {render.esc(e.ts)}</p>{_answer_facts(e.payload, hub)}"
        "<h3>Reviews</h3>"
        f"{render.table(['time (UTC)', 'reviewer', 'status', 'comment'], review_rows, empty='Not reviewed yet.')}"
        "<details><summary>Full record (JSON)</summary>"
        f"<div class='hub-scroll'><pre>{render.esc(json.dumps(e.payload, indent=1, ensure_ascii=False))}</pre></div>"
        f"<p class='hub-meta'>hash {render.esc(e.hash[:16])}… · previous {render.esc(e.prev_hash[:16])}…</p>"
        "</details></div>"
    )


def verify_html(hub: Hub) -> str:
    r = hub.audit.verify()
    if r.ok:
        return (
            f"<p class='hub-ok' id='verify-result'>PASS: all {r.checked} records re-hashed and linked; "
            f"head #{r.head_seq} {render.esc(r.head_hash[:16])}…</p>"
        )
    return (
        f"<p class='hub-bad' id='verify-result'>FAIL: first bad record #{r.bad_seq} (id "
        f"{render.esc(r.bad_id or '?')}): {render.esc(r.problem or '')}. {r.checked} records before it are "
        "intact.</p>"
    )


def _private_file(hub: Hub, name: str, kind: str, data: bytes) -> Path:
    """Write an export readable by the server's user only (Gradio serves it to signed-in sessions only)."""
    stamp = hub.now().strftime("%Y%m%dT%H%M%SZ")
    path = Path(tempfile.mkdtemp(prefix="hub-audit-")) / f"{name}-{stamp}.{kind}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return path


def build(get_hub: Callable[[], Hub], principal: gr.State) -> tuple[gr.Tab, Callable[..., Any], list[Any]]:
    with gr.Tab("Compliance", id="compliance", visible=False, elem_id="tab-compliance") as tab:
        with gr.Row(elem_classes=["hub-stack-on-phone"]):
            period = gr.Dropdown(list(PERIODS), value="Any time", label="Period", elem_id="aud-period", min_width=0)
            date_from = gr.Textbox(label="From (YYYY-MM-DD)", elem_id="aud-from", min_width=0)
            date_to = gr.Textbox(label="To (YYYY-MM-DD)", elem_id="aud-to", min_width=0)
            text = gr.Textbox(label="Text in question, answer or reason", elem_id="aud-text", min_width=0)
            user = gr.Dropdown([ANY], value=ANY, label="User", elem_id="aud-user", min_width=0)
            product = gr.Textbox(label="Product", elem_id="aud-product", min_width=0)
            scope = gr.Dropdown(
                list(SCOPES), value=next(iter(SCOPES)), label="Records", elem_id="aud-scope", min_width=0
            )
        with gr.Row(elem_classes=["hub-stack-on-phone"]):
            refused_only = gr.Checkbox(label="Refused only", elem_id="aud-refused")
            flagged_only = gr.Checkbox(label="Flagged only", elem_id="aud-flagged")
            unreviewed_only = gr.Checkbox(label="Unreviewed only", elem_id="aud-unreviewed")
        with gr.Row(elem_classes=["hub-stack-on-phone"]):
            search = gr.Button("Filter", variant="primary", elem_id="aud-search", min_width=0)
            sample_n = gr.Number(
                value=10, minimum=1, maximum=1000, precision=0, label="Sample size", elem_id="aud-sample-n", min_width=0
            )
            sample = gr.Button("Random sample of answers", elem_id="aud-sample", min_width=0)
        found = gr.HTML("", elem_id="aud-table")
        gr.Markdown("## Review a record")
        record = gr.Dropdown([], label="Record", elem_id="aud-record")
        detail = gr.HTML("", elem_id="aud-detail")
        with gr.Row(elem_classes=["hub-stack-on-phone"]):
            review_status = gr.Radio(
                list(REVIEW_STATUSES),
                value=REVIEW_STATUSES[0],
                label="Review",
                elem_id="aud-review-status",
                min_width=0,
            )
            comment = gr.Textbox(label="Comment (required when flagging)", elem_id="aud-comment", min_width=0)
        add_review = gr.Button("Add review", variant="primary", elem_id="aud-add-review")
        review_msg = gr.HTML("", elem_id="aud-review-message")
        gr.Markdown("## Integrity and export")
        with gr.Row(elem_classes=["hub-stack-on-phone"]):
            verify = gr.Button("Verify the chain", elem_id="aud-verify", min_width=0)
            fmt = gr.Radio(["csv", "json"], value="csv", label="Export format", elem_id="aud-format", min_width=0)
            export = gr.Button("Export the whole log", elem_id="aud-export", min_width=0)
            export_view = gr.Button("Export this view (CSV)", elem_id="aud-export-view", min_width=0)
        verified = gr.HTML("", elem_id="aud-verified")
        exported = gr.File(label="Export", interactive=False, visible=False, elem_id="aud-export-file")

    def listing(entries: list[AuditEntry], note: str = "") -> tuple[str, Any, str]:
        head = f"<p class='hub-meta'>{len(entries)} record(s){render.esc(note)}</p>"
        return (
            head + render.table(HEADERS, rows_of(entries), empty="No records match."),
            gr.update(choices=choices_of(entries), value=None),
            "",
        )

    def filtered(
        hub: Hub, pe: str, f: str, t: str, u: str, p: str, sc: str, ro: bool, fo: bool, uo: bool, tx: str
    ) -> list[AuditEntry]:
        """The records the filters select, oldest first (a period preset narrows the dates further)."""
        start = since(pe, hub.now())
        entries = hub.audit.query(
            date_from=max(filter(None, [parse_day(f, "from"), start.date() if start else None]), default=None),
            date_to=parse_day(t, "to"),
            user=None if u in (None, "", ANY) else u,
            product=(p or "").strip() or None,
            event=SCOPES.get(sc),
            refused_only=ro,
            flagged_only=fo,
            unreviewed_only=uo,
            limit=10_000,
        )
        # Record times are ISO UTC strings: comparing their first 19 characters compares the instants.
        cutoff = start.strftime("%Y-%m-%dT%H:%M:%S") if start else ""
        needle = " ".join((tx or "").split())
        return [e for e in entries if e.ts[:19] >= cutoff and matches_text(e, needle)]

    @guard("compliance", get_hub, outputs=3)
    def on_search(
        who: Any, pe: str, f: str, t: str, u: str, p: str, sc: str, ro: bool, fo: bool, uo: bool, tx: str
    ) -> tuple[Any, ...]:
        entries = filtered(get_hub(), pe, f, t, u, p, sc, ro, fo, uo, tx)
        note = f", newest {PAGE} shown" if len(entries) > PAGE else ""
        return listing(list(reversed(entries))[:PAGE], note)

    filter_inputs = [
        period,
        date_from,
        date_to,
        user,
        product,
        scope,
        refused_only,
        flagged_only,
        unreviewed_only,
        text,
    ]
    filters = [principal, *filter_inputs]
    search.click(on_search, filters, [found, record, detail])
    text.submit(on_search, filters, [found, record, detail])

    @guard("compliance", get_hub, outputs=3)
    def on_sample(who: Any, n: float | None, pe: str, f: str, t: str, p: str, uo: bool) -> tuple[Any, ...]:
        hub = get_hub()
        start = since(pe, hub.now())
        entries = hub.audit.sample(
            int(n or 10),
            date_from=max(filter(None, [parse_day(f, "from"), start.date() if start else None]), default=None),
            date_to=parse_day(t, "to"),
            product=(p or "").strip() or None,
            unreviewed_only=uo,
        )
        return listing(entries, " in a random sample of answers")

    sample.click(
        on_sample, [principal, sample_n, period, date_from, date_to, product, unreviewed_only], [found, record, detail]
    )

    @guard("compliance", get_hub, outputs=1)
    def on_pick(who: Any, record_id: str | None) -> str:
        return detail_html(get_hub(), record_id) if record_id else ""

    record.input(on_pick, [principal, record], [detail])

    # A refused review (e.g. flagged without a comment) says why next to the button; the comment box stays.
    @guard("compliance", get_hub, outputs=3)
    def on_review(who: Any, record_id: str | None, status: str, text: str) -> tuple[str, Any, str]:
        hub = get_hub()
        if not record_id:
            return "<p class='hub-bad'>Choose a record to review first.</p>", gr.update(), text
        entry = hub.audit.add_review(record_id, who, status, text)
        msg = (
            f"<p class='hub-ok'>Review saved as record #{entry.seq}: {render.esc(status)}"
            f"{' with comment' if text.strip() else ''}.</p>"
        )
        return msg, detail_html(hub, record_id), ""

    add_review.click(on_review, [principal, record, review_status, comment], [review_msg, detail, comment])

    @guard("compliance", get_hub, outputs=1)
    def on_verify(who: Any) -> str:
        return verify_html(get_hub())

    verify.click(on_verify, [principal], [verified])

    @guard("compliance", get_hub)
    def on_export(who: Any, kind: Literal["csv", "json"]) -> Any:
        hub = get_hub()
        data = hub.audit.export(kind, actor=who)
        return gr.update(value=str(_private_file(hub, "audit-log", kind, data)), visible=True)

    export.click(on_export, [principal, fmt], [exported])

    @guard("compliance", get_hub)
    def on_export_view(
        who: Any, pe: str, f: str, t: str, u: str, p: str, sc: str, ro: bool, fo: bool, uo: bool, tx: str
    ) -> Any:
        hub = get_hub()
        entries = filtered(hub, pe, f, t, u, p, sc, ro, fo, uo, tx)
        data = view_csv(entries)
        # The log says what was handed out: the filters, how many records and the file's hash.
        filters = {
            "period": pe,
            "from": f,
            "to": t,
            "user": u,
            "product": p,
            "scope": sc,
            "refused_only": ro,
            "flagged_only": fo,
            "unreviewed_only": uo,
            "text": tx,
        }
        hub.record_export(who, data, kind="csv-view", records=len(entries), filters=filters)
        return gr.update(value=str(_private_file(hub, "audit-view", "csv", data)), visible=True)

    export_view.click(on_export_view, filters, [exported])

    def load(who: Any) -> tuple[Any, ...]:
        if not allowed(who, "compliance"):
            return (
                gr.update(choices=[ANY], value=ANY),
                "",
                gr.update(choices=[], value=None),
                "",
                "",
                gr.update(value=None, visible=False),
            )
        hub = get_hub()
        names = [ANY, *sorted(u.name for u in hub.users.list())]
        entries = hub.audit.query(event=list(ANSWER_EVENTS), limit=10_000)
        return (
            gr.update(choices=names, value=ANY),
            *listing(list(reversed(entries))[:PAGE]),
            "",
            gr.update(value=None, visible=False),
        )

    return tab, load, [user, found, record, detail, verified, exported]
