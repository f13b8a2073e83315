"""PDF page layout: lines with font size, weight and position, read through pypdf's text visitor.

pypdf's plain ``extract_text`` loses what tells a heading from a sentence (size, weight), puts a
draft guidance's margin line numbers inside sentences and emits a two-column page in whatever
order the content stream draws it. This module keeps pypdf's text (so quotes stay verbatim) and
adds, per line, the font size, the share of bold characters and the position, so that
:mod:`ingest.structure` can decide headings, bullets, paragraphs and tables from layout.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi|[-,](?:b|bd|sb)$", re.IGNORECASE)
# A margin line number: the line starts (or consists of) an integer of 1-4 digits.
_LEADING_INT = re.compile(r"^\s*(\d{1,4})(?:\s+|$)")
_TRAILING_INT = re.compile(r"(?:^|\s+)(\d{1,4})\s*$")


@dataclass(frozen=True)
class PdfLine:
    """One visual line of a page: text in pypdf's order, with its dominant font and position."""

    text: str
    size: float
    bold: float  # share of the line's characters set in a bold face, 0..1
    x: float
    y: float
    x_end: float


@dataclass
class _Frag:
    text: str
    size: float
    bold: bool
    x: float
    y: float


def page_lines(page: Any) -> list[PdfLine]:
    """The lines of one pypdf page, fragments on the same baseline merged, blank lines dropped."""
    frags: list[_Frag | None] = []  # None marks a line break in pypdf's output

    def visit(text: str, cm: list[float], tm: list[float], font: Any, font_size: float) -> None:
        scale = math.hypot(tm[0], tm[1]) * math.hypot(cm[0], cm[1])
        size = float(font_size) * (scale or 1.0)
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        name = str(font.get("/BaseFont", "")) if hasattr(font, "get") else ""
        bold = bool(_BOLD_FONT.search(name.split("+")[-1]))
        for i, part in enumerate(text.split("\n")):
            if i:
                frags.append(None)
            if part:
                frags.append(_Frag(part, size, bold, x, y))

    page.extract_text(visitor_text=visit)
    raw: list[list[_Frag]] = [[]]
    for frag in frags:
        if frag is None:
            raw.append([])
        else:
            raw[-1].append(frag)
    lines = [_line(fs) for fs in raw if fs and "".join(f.text for f in fs).strip()]
    return _merge_same_baseline(lines)


def _line(frags: list[_Frag]) -> PdfLine:
    text = "".join(f.text for f in frags)
    weights = [len(f.text.strip()) for f in frags]
    total = sum(weights) or 1
    dominant = max(zip(weights, range(len(frags)), strict=True), key=lambda w: w[0])[1]
    size = frags[dominant].size
    bold = sum(w for w, f in zip(weights, frags, strict=True) if f.bold) / total
    start = frags[0]
    last = frags[-1]
    x_end = last.x + 0.5 * last.size * len(last.text)
    return PdfLine(text.strip(), round(size, 2), round(bold, 2), start.x, frags[dominant].y, x_end)


def _merge_same_baseline(lines: list[PdfLine]) -> list[PdfLine]:
    """pypdf breaks a line where the stream moves right on the same baseline ("text (1.1)"); join."""
    out: list[PdfLine] = []
    for line in lines:
        prev = out[-1] if out else None
        # Only a short piece is joined ("(1.1)", a bullet glyph): two long pieces on one baseline
        # are the two columns of a page, read apart by order_columns.
        if (
            prev is not None
            and abs(prev.y - line.y) < 0.35 * max(prev.size, 1.0)
            and line.x >= prev.x - 1
            and min(len(prev.text.split()), len(line.text.split())) <= 3
        ):
            sep = "" if prev.text.endswith(("(", "/")) or line.text.startswith((")", ",", ".")) else " "
            text = f"{prev.text}{sep}{line.text}"
            n_prev, n_line = len(prev.text), len(line.text)
            bold = (prev.bold * n_prev + line.bold * n_line) / max(1, n_prev + n_line)
            size = prev.size if n_prev >= n_line else line.size
            out[-1] = PdfLine(text, size, round(bold, 2), prev.x, prev.y, max(prev.x_end, line.x_end))
        else:
            out.append(line)
    return out


def body_size(pages: list[list[PdfLine]]) -> float:
    """The font size most characters of the document are set in (its body text)."""
    counts: Counter[float] = Counter()
    for lines in pages:
        for line in lines:
            counts[round(line.size)] += len(line.text)
    return float(counts.most_common(1)[0][0]) if counts else 10.0


def strip_line_numbers(lines: list[PdfLine]) -> list[PdfLine]:
    """Remove margin line numbers (draft guidances, manuscripts) from a page's lines.

    A page is line-numbered when most of its lines start (or end) with an integer and those
    integers rise down the page in small steps; then that integer is cut from every line that
    carries it, and lines holding only a number disappear. A page where numbers merely start
    some lines (a numbered list, a table of values) does not rise like that and is left alone.
    """
    for pattern, where in ((_LEADING_INT, "start"), (_TRAILING_INT, "end")):
        found = [(i, int(m.group(1))) for i, line in enumerate(lines) if (m := pattern.search(line.text))]
        if len(found) < 5 or len(found) < 0.6 * len(lines):
            continue
        values = [v for _, v in found]
        rising = sum(1 for a, b in zip(values, values[1:], strict=False) if 0 < b - a <= 3)
        if rising < 0.8 * (len(values) - 1):
            continue
        numbered = {i for i, _ in found}
        out = []
        for i, line in enumerate(lines):
            if i not in numbered:
                out.append(line)
                continue
            text = (
                pattern.sub(" ", line.text, count=1).strip() if where == "start" else pattern.sub("", line.text).strip()
            )
            if text:
                out.append(replace(line, text=text))
        return out
    return lines


def order_columns(lines: list[PdfLine], page_width: float) -> list[PdfLine]:
    """Put a two-column page into reading order: full-width lines, then left, then right column.

    Only pages whose stream order jumps between columns are reordered (most PDFs already draw
    column by column, and pypdf's order is then kept as it is).
    """
    if len(lines) < 8 or page_width <= 0:
        return lines
    mid = page_width / 2
    side = [
        "L" if ln.x_end <= mid + 0.02 * page_width else "R" if ln.x >= mid - 0.02 * page_width else "F" for ln in lines
    ]
    left, right = side.count("L"), side.count("R")
    if left < 4 or right < 4:
        return lines
    sided = [s for s in side if s != "F"]
    switches = sum(1 for a, b in zip(sided, sided[1:], strict=False) if a != b)
    if switches <= max(6, 0.25 * len(sided)):
        return lines  # drawn column by column (or region by region): pypdf's order is right
    top = max((ln.y for ln, s in zip(lines, side, strict=True) if s != "F"), default=0.0)
    head = [ln for ln, s in zip(lines, side, strict=True) if s == "F" and ln.y > top]
    tail = [ln for ln, s in zip(lines, side, strict=True) if s == "F" and ln.y <= top]
    by_y = lambda ln: -ln.y  # noqa: E731 - PDF y grows upwards
    return (
        sorted(head, key=by_y)
        + sorted((ln for ln, s in zip(lines, side, strict=True) if s == "L"), key=by_y)
        + sorted((ln for ln, s in zip(lines, side, strict=True) if s == "R"), key=by_y)
        + sorted(tail, key=by_y)
    )


def order_blocks(lines: list[PdfLine], page_width: float) -> list[PdfLine]:
    """Move a block the stream draws out of place back to where it sits on the page.

    Some PDFs draw a block after the text below it (a label's boxed warning drawn last although it
    sits at the top of the page), so the stream reads "2.2 Recommended Dosage", then the boxed
    warning, then the dosage text of the next page, which then falls under the warning's heading.
    A run of lines that starts with a jump back up the page (by more than 40% of the text's height)
    and fills a vertical band no earlier line occupies is put back before the first line below it.
    Runs that overlap earlier lines (columns, figure callouts, table cells drawn column by column)
    keep pypdf's order, as do two-column pages.
    """
    if len(lines) < 4 or _two_columns(lines, page_width):
        return lines
    span = max(ln.y for ln in lines) - min(ln.y for ln in lines)
    starts = [i for i in range(1, len(lines)) if lines[i].y - lines[i - 1].y > 0.4 * span]
    if not starts:
        return lines
    out = list(lines[: starts[0]])
    for n, start in enumerate(starts):
        segment = lines[start : starts[n + 1] if n + 1 < len(starts) else len(lines)]
        # The displaced block is the part of the segment read line after line, without a gap of
        # more than three lines (what follows, such as a page footer, is read in stream order).
        gap = 3 * max(segment[0].size, 1.0) * 1.5
        end = next((k for k in range(1, len(segment)) if segment[k - 1].y - segment[k].y > gap), len(segment))
        run, rest = segment[:end], segment[end:]
        top, bottom = max(ln.y for ln in run), min(ln.y for ln in run)
        if len(run) < 3 or any(bottom <= ln.y <= top for ln in out):
            out.extend(segment)  # overlaps what was read, or a stray line: not a displaced block
            continue
        at = next((j for j, ln in enumerate(out) if ln.y < bottom), len(out))
        out[at:at] = run
        out.extend(rest)
    return out


def _two_columns(lines: list[PdfLine], page_width: float) -> bool:
    """Does the page hold at least four lines in each half (a two-column layout)?"""
    if page_width <= 0:
        return True  # unknown geometry: do not reorder
    mid = page_width / 2
    left = sum(1 for ln in lines if ln.x_end <= mid + 0.02 * page_width)
    right = sum(1 for ln in lines if ln.x >= mid - 0.02 * page_width)
    return left >= 4 and right >= 4
