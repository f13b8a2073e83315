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

    def mark(piece: str) -> bool:
        piece_pattern = _loose_pattern(piece)
        hit = piece_pattern.search(context) if piece_pattern else None
        if hit and all(hit.end() <= a or hit.start() >= b for a, b in spans):
            spans.append(hit.span())
            return True
        return False

    # A table quote is its header and the cited row, on separate lines or joined by ' | ': each line
    # is marked where it stands, else each of its cells.
    for line in quote.splitlines():
        if not mark(line) and " | " in line:
            for cell in line.split(" | "):
                mark(cell)
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


def _section_of(c: Any) -> str:
    """The citation's most specific section heading ('' when the answer did not name one).

    Sections come as a heading path ('2 DOSAGE AND ADMINISTRATION > 2.1 Recommended Dosage'); the
    last step is what a reader looks for in the original.
    """
    path = " ".join(str(getattr(c, "section", None) or "").split())
    return path.split(" > ")[-1].strip()


def citation_where(c: Any) -> str:
    """Version, page or slide and (when known) section, as one line of plain text."""
    parts = [f"version {c.version}", str(c.page_label)]
    section = _section_of(c)
    if section:
        parts.append(section)
    return " · ".join(parts)


def citation(c: Any, context: str, *, open_: bool = False, original_url: str | None = None) -> str:
    """One citation: document, version, page/slide and section in the summary, the passage inside.

    The closed summary already says where the quote is, so a reader can check the source without
    expanding every block; inside, the quote is marked within its surrounding text, with a link
    to the original file at that page when the viewer may open it.
    """
    path = " ".join(str(getattr(c, "section", None) or "").split())
    section_path = f" · {esc(path)}" if " > " in path else ""
    link = (
        f"<p class='hub-open-original'><a href='{esc(original_url)}' target='_blank' rel='noopener'>"
        f"Open the original at {esc(c.page_label)}</a></p>"
        if original_url
        else ""
    )
    return (
        f"<details class='hub-citation' id='cite-{int(c.n)}'{' open' if open_ else ''}>"
        f"<summary><span class='hub-cite-title'>[{int(c.n)}] {esc(c.title)}</span> "
        f"<span class='hub-cite-where'>{esc(citation_where(c))}</span></summary>"
        f"<div class='hub-meta'>{esc(c.source_file)}{section_path}</div>"
        f"<blockquote>{highlight(context, c.quote)}</blockquote>{link}"
        "</details>"
    )


def refusal_help(hint: str, nearest: Sequence[tuple[str, str, str]]) -> str:
    """What to do after a refusal: a hint (e.g. name the product) and the closest approved passages."""
    out = f"<p class='hub-hint' id='ask-hint'><strong>Try:</strong> {esc(hint)}</p>" if hint else ""
    if nearest:
        items = "".join(
            f"<details class='hub-citation'><summary><span class='hub-cite-title'>{esc(title)}</span> "
            f"<span class='hub-cite-where'>{esc(where)}</span></summary><blockquote>{esc(text)}</blockquote></details>"
            for title, where, text in nearest
        )
        out += (
            "<div id='ask-nearest'><p><strong>Closest approved passages</strong> (they did not answer the "
            f"question well enough to quote as an answer):</p>{items}</div>"
        )
    return out


def safety_notice(notice: str, contact: str) -> str:
    """The possible-adverse-event notice, shown before anything else in the answer."""
    return (
        "<div class='hub-safety' role='alert' id='ask-safety'>"
        f"<p><strong>Possible adverse event.</strong> {esc(notice)}</p>"
        f"<p class='hub-safety-contact'>{esc(contact)}</p></div>"
    )


def answer(
    ans: Any,
    contexts: dict[str, str],
    question: str,
    *,
    safety: tuple[str, str] | None = None,
    original_url: Any = None,
    refusal_help: str = "",
) -> str:
    """The whole answer block: the safety notice when flagged, linked answer text and its citations, or a refusal.

    ``safety`` is (notice, contact) from settings; ``original_url(citation)`` gives the link to
    the original file, or None.
    """
    notice = safety_notice(*safety) if safety and getattr(ans, "flagged", False) else ""
    if ans.refused:
        reason = f"<p>{esc(ans.reason)}</p>" if ans.reason else ""
        return (
            f"<div class='hub-html' data-question='{esc(question)}'>{notice}"
            f"<div class='hub-refusal' role='status'>"
            f"<p><strong>{esc(ans.answer)}</strong> The approved content does not answer: "
            f"<em>{esc(question)}</em></p>{reason}"
            "<p>If a health-care professional asked this, submit a <strong>medical information request</strong> "
            "(button below) so Medical Information can send an approved response, or rephrase the question using "
            f"terms from the label or publications.</p>{refusal_help}</div></div>"
        )
    cites = "".join(
        citation(c, contexts.get(c.chunk_id, ""), original_url=original_url(c) if original_url else None)
        for c in ans.citations
    )
    return (
        f"<div class='hub-html' data-question='{esc(question)}'>{notice}"
        f"<div class='hub-answer'>{link_markers(ans.answer)}</div>"
        f"<h2 class='hub-h'>Sources</h2><div class='hub-citations'>{cites}</div></div>"
    )


# Runs once in the browser when the answer component mounts: clicking [n] opens citation n and
# scrolls to it (the href alone would jump but leave the <details> closed).
CITATION_JS = """
element.setAttribute('aria-live', 'polite');
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
