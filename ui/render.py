"""HTML fragments for answers, citations and tables. Every piece of text is escaped here.

Answers, quotes and titles are document text, and questions are user text: none of it may become
markup. Functions take plain values and return HTML strings; nothing here talks to the hub.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any

_MARKER = re.compile(r"\[(\d{1,3})\]")


def esc(value: Any) -> str:
    """Escape any value for HTML text or attribute context."""
    return html.escape("" if value is None else str(value), quote=True)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, empty: str = "Nothing to show.") -> str:
    """A simple table that scrolls inside its own box on narrow screens."""
    rows = list(rows)
    if not rows:
        return f"<p class='hub-empty'>{esc(empty)}</p>"
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return (
        f"<div class='hub-scroll'><table class='hub-table'><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )


def link_markers(text: str) -> str:
    """Escape ``text`` and turn each ``[n]`` into a link that opens citation n."""
    out = esc(text)
    return _MARKER.sub(
        lambda m: f"<a class='cite-ref' href='#cite-{m.group(1)}' data-cite='{m.group(1)}'>[{m.group(1)}]</a>", out
    )


def _loose_pattern(quote: str) -> re.Pattern[str] | None:
    """A regex that finds ``quote`` in chunk text despite different whitespace or line breaks."""
    words = quote.split()
    if not words:
        return None
    return re.compile(r"\s+".join(re.escape(w) for w in words))


def _spans(context: str, quote: str) -> list[tuple[int, int]]:
    """Where ``quote`` occurs in ``context``: the whole quote, else each of its lines (table rows)."""
    pattern = _loose_pattern(quote)
    found = pattern.search(context) if pattern else None
    if found:
        return [found.span()]
    spans: list[tuple[int, int]] = []
    for line in quote.splitlines():
        line_pattern = _loose_pattern(line)
        hit = line_pattern.search(context) if line_pattern else None
        if hit and all(hit.end() <= a or hit.start() >= b for a, b in spans):
            spans.append(hit.span())
    return sorted(spans)


def highlight(context: str, quote: str) -> str:
    """Escaped ``context`` with ``quote`` wrapped in ``<mark>``.

    A table citation quotes its header row with the cited row; each is marked where it stands.
    When the quote cannot be found at all, it is shown marked above the context so the reader
    still sees both.
    """
    if not context or not quote:
        return f"<mark>{esc(quote or context)}</mark>"
    spans = _spans(context, quote)
    if not spans:
        return f"<mark>{esc(quote)}</mark>\n\n{esc(context)}"
    out, pos = [], 0
    for start, end in spans:
        out.append(f"{esc(context[pos:start])}<mark>{esc(context[start:end])}</mark>")
        pos = end
    out.append(esc(context[pos:]))
    return "".join(out)


def citation(c: Any, context: str, *, open_: bool = False) -> str:
    """One citation as an expandable block: title, version, page/slide and the highlighted passage."""
    section = f" · {esc(c.section)}" if getattr(c, "section", "") else ""
    return (
        f"<details class='hub-citation' id='cite-{int(c.n)}'{' open' if open_ else ''}>"
        f"<summary>[{int(c.n)}] {esc(c.title)}</summary>"
        f"<div class='hub-meta'>version {esc(c.version)} · {esc(c.page_label)}{section} · {esc(c.source_file)}</div>"
        f"<blockquote>{highlight(context, c.quote)}</blockquote>"
        "</details>"
    )


def answer(ans: Any, contexts: dict[str, str], question: str) -> str:
    """The whole answer block: linked answer text then its citations, or a plain refusal."""
    if ans.refused:
        reason = f"<p>{esc(ans.reason)}</p>" if ans.reason else ""
        return (
            f"<div class='hub-html hub-refusal' role='status' data-question='{esc(question)}'>"
            f"<p><strong>{esc(ans.answer)}</strong> The approved content does not answer: "
            f"<em>{esc(question)}</em></p>{reason}"
            "<p>If a health-care professional asked this, submit a <strong>medical information request</strong> "
            "so Medical Information can send an approved response, or rephrase the question using terms from "
            "the label or publications.</p></div>"
        )
    cites = "".join(citation(c, contexts.get(c.chunk_id, ""), open_=False) for c in ans.citations)
    return (
        f"<div class='hub-html' data-question='{esc(question)}'>"
        f"<div class='hub-answer'>{link_markers(ans.answer)}</div>"
        f"<h4>Sources</h4><div class='hub-citations'>{cites}</div></div>"
    )


# Runs once in the browser when the answer component mounts: clicking [n] opens citation n and
# scrolls to it (the href alone would jump but leave the <details> closed).
CITATION_JS = """
element.addEventListener('click', function (event) {
  const link = event.target.closest('a.cite-ref');
  if (!link) { return; }
  event.preventDefault();
  const box = element.querySelector('#cite-' + link.dataset.cite);
  if (!box) { return; }
  box.open = true;
  box.classList.add('hub-flash');
  setTimeout(function () { box.classList.remove('hub-flash'); }, 1500);
  box.scrollIntoView({behavior: 'smooth', block: 'center'});
});
"""
