"""Learn tab (MSL): due reviews first, then quizzes and micro-modules; one item at a time with feedback.

The quiz in progress (attempt id, the questions without their answers, position, score) is kept
in a ``gr.State``; answers are scored by the learning service, never in the browser.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

import gradio as gr

from hub.service import Hub
from ui import render
from ui.session import allowed, error_html, guard

log = logging.getLogger(__name__)

ANY = "Any"


def scopes(hub: Hub) -> dict[str, list[Any]]:
    """Products, topics and documents that have approved, current quiz items."""
    items = hub.learning.list_items(status="approved", limit=1000)
    products = sorted({i.product for i in items if i.product})
    topics = sorted({i.topic for i in items if i.topic})
    docs = sorted({(i.citation.title, i.citation.document_id) for i in items})
    return {"product": [ANY, *products], "topic": [ANY, *topics], "document": docs}


def question_html(quiz: dict[str, Any]) -> str:
    """The current item: what to do, where it comes from, the statement."""
    q = quiz["items"][quiz["index"]]
    stem = render.esc(q["stem"]).replace("_____", "<span class='hub-blank'>_____</span>")
    return (
        f"<div class='hub-html hub-item' data-item='{render.esc(q['id'])}'>"
        f"<p class='hub-meta'>{render.esc(quiz['title'])} · question {quiz['index'] + 1} of {len(quiz['items'])}"
        f" · {render.esc(q['topic'])}</p>"
        f"<p><strong>{render.esc(q['prompt'])}</strong></p><p class='hub-stem'>{stem}</p>"
        f"<p class='hub-meta'>From: {render.esc(q['context'])}</p></div>"
    )


def feedback_html(fb: Any, last: bool, score: tuple[int, int]) -> str:
    """Right or wrong, the correct answer, the explanation and the cited passage."""
    c = fb.citation
    verdict = "Correct" if fb.correct else "Not quite"
    answer = "" if fb.correct else f"<p>The answer is <strong>{render.esc(fb.correct_answer)}</strong>.</p>"
    nxt = f"<p><strong>Done: {score[0]} of {score[1]} correct.</strong></p>" if last else ""
    return (
        f"<div class='hub-html hub-feedback {'correct' if fb.correct else 'wrong'}' id='learn-verdict'>"
        f"<p><strong>{verdict}.</strong> You answered: {render.esc(fb.given)}</p>{answer}"
        f"<p>{render.esc(fb.explanation)}</p>"
        f"<div class='hub-citation'><div class='hub-meta'>{render.esc(c.title)} · version {render.esc(c.version)}"
        f" · {render.esc(c.page_label)}{(' · ' + render.esc(c.section)) if c.section else ''}</div>"
        f"<blockquote><mark>{render.esc(c.passage)}</mark></blockquote></div>"
        f"<p class='hub-meta'>Next review: {when(fb.next_review)}</p>{nxt}</div>"
    )


def when(moment: dt.datetime, now: dt.datetime | None = None) -> str:
    """A future moment as relative words plus a ``<time>`` the browser shows in the user's local time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    seconds = (moment - now).total_seconds()
    if seconds < 3600:
        words = "within the hour"
    elif seconds < 86400:
        words = f"in {round(seconds / 3600)} hours"
    else:
        days = round(seconds / 86400)
        words = "tomorrow" if days == 1 else f"in {days} days"
    iso = moment.isoformat()
    # The fallback text is UTC; ui.theme's script rewrites it in the browser's own time zone.
    return f"{words} (<time class='hub-local' datetime='{render.esc(iso)}'>{moment:%Y-%m-%d %H:%M} UTC</time>)"


def module_html(module: Any) -> str:
    points = "".join(
        f"<li>{render.esc(k.text)} <span class='hub-meta'>({render.esc(k.citation.page_label)})</span></li>"
        for k in module.key_points
    )
    return (
        f"<div class='hub-html'><h3>{render.esc(module.title)} (version {render.esc(module.version)})</h3>"
        f"<p class='hub-meta'>About {module.estimated_minutes:.0f} minutes: read the key points, then answer "
        f"{len(module.items)} questions.</p><ol>{points}</ol></div>"
    )


def progress_html(stats: dict[str, Any] | None, due: int) -> str:
    due_line = (
        f"<p><strong>{due} review(s) due now.</strong> Reviews come first: they keep what you learned.</p>"
        if due
        else "<p>No reviews due now.</p>"
    )
    if not stats:
        return f"<div class='hub-html'>{due_line}<p>No answers yet: start a quiz below.</p></div>"

    def pct(x: float | None) -> str:
        return "–" if x is None else f"{x:.0%}"

    rows = [
        [g["product"], g["topic"], g["attempts"], pct(g["accuracy"]), pct(g["retrievability"]), g["due"]]
        for g in weakest_first(stats["groups"])
    ]
    # "Recall now" is the scheduler's estimate, which is high straight after any review (even a wrong
    # one): say so, so it is not read as a score next to a low share of correct answers.
    return (
        f"<div class='hub-html'>{due_line}<p>{stats['attempts']} answers, {pct(stats['accuracy'])} correct.</p>"
        f"<p class='hub-meta'>Memory estimate now: {pct(stats['retrievability'])} (the scheduler's chance that "
        "you recall an item today; it is high right after any review, right or wrong, and falls until the next "
        "one).</p>"
        f"{render.table(['product', 'topic', 'answers', 'correct', 'memory now', 'due'], rows)}</div>"
    )


def weakest_first(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Topics ordered weakest first: lowest share correct, then lowest memory estimate."""

    def key(g: dict[str, Any]) -> tuple[float, float]:
        acc, ret = g.get("accuracy"), g.get("retrievability")
        return (1.0 if acc is None else float(acc), 1.0 if ret is None else float(ret))

    return sorted(groups, key=key)


def build(get_hub: Callable[[], Hub], principal: gr.State) -> tuple[gr.Tab, Callable[..., Any], list[Any]]:
    with gr.Tab("Learn", id="learn", visible=False, elem_id="tab-learn") as tab:
        quiz = gr.State(None)
        progress = gr.HTML("", elem_id="learn-progress")
        review = gr.Button("Start due reviews", variant="primary", visible=False, elem_id="learn-review")
        with gr.Accordion("Quiz by product or topic", open=True):
            with gr.Row(elem_classes=["hub-stack-on-phone"]):
                product = gr.Dropdown([ANY], value=ANY, label="Product", elem_id="learn-product", min_width=150)
                topic = gr.Dropdown([ANY], value=ANY, label="Topic", elem_id="learn-topic", min_width=150)
                count = gr.Slider(1, 10, value=5, step=1, label="Questions", elem_id="learn-count", min_width=150)
            start = gr.Button("Start quiz", elem_id="learn-start")
        with gr.Accordion("Micro-module (about 5 minutes)", open=False):
            document = gr.Dropdown([], label="Document", elem_id="learn-document")
            open_module = gr.Button("Open module", elem_id="learn-module")
            module_box = gr.HTML("", elem_id="learn-module-body")
        item = gr.HTML("", elem_id="learn-item")
        choice = gr.Radio([], label="Your answer", visible=False, elem_id="learn-choice")
        typed = gr.Textbox(label="Your answer", visible=False, elem_id="learn-typed")
        with gr.Row():
            check_btn = gr.Button("Check answer", variant="primary", visible=False, elem_id="learn-check", min_width=0)
            next_btn = gr.Button("Next question", visible=False, elem_id="learn-next", min_width=0)
        feedback = gr.HTML("", elem_id="learn-feedback")
        with gr.Accordion("My progress", open=False):
            plot = gr.Plot(label="My retention over time, and my topics", show_label=False, elem_id="learn-plot")

    item_outputs = [quiz, item, choice, typed, check_btn, next_btn, feedback]

    def show(q: dict[str, Any] | None) -> list[Any]:
        """Outputs for the current item (or an empty quiz area when there is none)."""
        if not q:
            return [
                None,
                "",
                gr.update(visible=False, value=None),
                gr.update(visible=False, value=""),
                gr.update(visible=False),
                gr.update(visible=False),
                "",
            ]
        current = q["items"][q["index"]]
        is_typed = current["type"] == "cloze"
        return [
            q,
            question_html(q),
            gr.update(visible=not is_typed, choices=current["options"], value=None, interactive=True),
            gr.update(visible=is_typed, value="", interactive=True),
            gr.update(visible=True, interactive=True),
            gr.update(visible=False),
            "",
        ]

    def begin(title: str, out: Any) -> list[Any]:
        items = [i.model_dump(mode="json") for i in out.items]
        return show({"attempt": out.attempt_id, "title": title, "items": items, "index": 0, "score": [0, 0]})

    def stats_of(hub: Hub, who: Any) -> tuple[str, Any, Any]:
        service = hub.learning
        due = len(service.due_reviews(who, limit=500))
        try:
            stats = service.analytics.user(who.name)
        except Exception as exc:  # NotFound: no answers yet
            log.debug("no learning stats for %s: %s", who.name, exc)
            stats = None
        from hub.learning.plots import learner_progress

        fig = learner_progress(
            weakest_first(stats["groups"]) if stats else [], service.analytics.retention(user=who.name)
        )
        return progress_html(stats, due), fig, gr.update(visible=due > 0)

    @guard("learn", get_hub, outputs=7, message_at=6)
    def on_review(who: Any) -> list[Any]:
        out = get_hub().learning.start_quiz(who, review=True, n=10)
        return begin("Due reviews", out)

    @guard("learn", get_hub, outputs=7, message_at=6)
    def on_start(who: Any, p: str, t: str, n: float) -> list[Any]:
        out = get_hub().learning.start_quiz(
            who, product=None if p in (None, ANY) else p, topic=None if t in (None, ANY) else t, n=int(n or 5)
        )
        title = " · ".join(x for x in (p, t) if x and x != ANY) or "Quiz"
        return begin(title, out)

    @guard("learn", get_hub, outputs=8, message_at=0)
    def on_module(who: Any, doc_id: str | None) -> list[Any]:
        if not doc_id:
            return [error_html("Choose a document first."), *[gr.update()] * 7]
        service = get_hub().learning
        module = service.module(doc_id)
        out = service.start_quiz(who, item_ids=[i.id for i in module.items])
        return [module_html(module), *begin(f"Module: {module.title}", out)]

    # Problems are said in the feedback box under the options; the options stay visible and usable.
    @guard("learn", get_hub, outputs=9, message_at=5)
    def on_check(who: Any, q: dict[str, Any] | None, picked: str | None, text: str) -> list[Any]:
        keep: list[Any] = [gr.update()] * 9
        if not q:
            keep[5] = error_html("Start a quiz first.")
            return keep
        current = q["items"][q["index"]]
        given = text if current["type"] == "cloze" else picked
        if not (given or "").strip():
            keep[5] = error_html("Choose or type an answer first.")
            return keep
        hub = get_hub()
        fb = hub.learning.answer(who, q["attempt"], current["id"], given or "")
        q = {**q, "score": [q["score"][0] + int(fb.correct), q["score"][1] + 1]}
        last = q["index"] + 1 >= len(q["items"])
        html_out = feedback_html(fb, last, tuple(q["score"]))
        progress_out, fig, review_btn = stats_of(hub, who)
        return [
            q,
            gr.update(interactive=False),
            gr.update(interactive=False),
            gr.update(visible=False),
            gr.update(visible=not last),
            html_out,
            progress_out,
            fig,
            review_btn,
        ]

    @guard("learn", get_hub, outputs=7, message_at=6)
    def on_next(who: Any, q: dict[str, Any] | None) -> list[Any]:
        if not q or q["index"] + 1 >= len(q["items"]):
            return show(None)
        return show({**q, "index": q["index"] + 1})

    review.click(on_review, [principal], item_outputs)
    start.click(on_start, [principal, product, topic, count], item_outputs)
    open_module.click(on_module, [principal, document], [module_box, *item_outputs])
    check_btn.click(
        on_check,
        [principal, quiz, choice, typed],
        [quiz, choice, typed, check_btn, next_btn, feedback, progress, plot, review],
    )
    next_btn.click(on_next, [principal, quiz], item_outputs)

    def load(who: Any) -> list[Any]:
        if not allowed(who, "learn"):
            return [gr.update(), gr.update(), gr.update(choices=[], value=None), "", None, gr.update(), "", *show(None)]
        hub = get_hub()
        s = scopes(hub)
        progress_out, fig, review_btn = stats_of(hub, who)
        return [
            gr.update(choices=s["product"], value=ANY),
            gr.update(choices=s["topic"], value=ANY),
            gr.update(choices=s["document"], value=None),
            progress_out,
            fig,
            review_btn,
            "",
            *show(None),
        ]

    return tab, load, [product, topic, document, progress, plot, review, module_box, *item_outputs]
