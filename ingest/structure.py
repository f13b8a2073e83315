"""From laid-out PDF lines to structural blocks: headings, paragraphs, bullet items, tables.

Rules (each tested on a small PDF the tests build, see tests/ingest/test_structure.py):

* a **heading** is a short line set larger than the body text or in bold, or a numbered line
  ("5.2 Bleeding") in such a face; consecutive heading lines in the same face are one heading;
  a short unpunctuated paragraph followed by body text is a minor heading (run-in titles);
* a **bullet item** starts with a bullet glyph; lines below it continue it until a paragraph gap,
  another bullet or a heading, so an item is never cut apart;
* a **paragraph** ends at a vertical gap clearly wider than the document's line spacing, or after
  a short line that ends a sentence;
* a **table** starts at a "Table N" caption: its bold lines are the header, every following
  row-like line is a row, and the first prose line ends it;
* running headers and footers ("Reference ID: ...", page numbers) are removed beforehand, as are
  margin line numbers (:func:`ingest.pdf_layout.strip_line_numbers`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.model import Block
from ingest.normalize import collapse_whitespace, furniture_keys, line_key, normalize_text
from ingest.pdf_layout import PdfLine

BULLET = re.compile(
    r"^\s*(?:[\x7f\u2022\u25cf\u25aa\u25a0\u25e6\u2023\u2043\u2219\u00b7\uf0b7\uf0a7\u27a2\u2013\u2014]|[-*o](?=\s))\s*"
)
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+\S")
_ROMAN = re.compile(r"^(?:[IVX]{1,5}|[A-H])\.\s+[A-Z]")
_CAPTION = re.compile(r"^(?:Table|TABLE)\s+\d+[A-Za-z]?\b")
_FIGURE = re.compile(r"^(?:Figure|FIGURE|Fig\.)\s+\d+")
_SENTENCE_END = re.compile(r"[.!?:;)\]]\s*$")
_NUM = re.compile(r"\d")
_FOOTNOTE = re.compile(r"^\s*(?:[*\u2020\u2021\u00a7\u00b6#]|[a-z]\)|Note[s]?:|Source:|Abbreviations?:)")
_NUMBERED_TITLE = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\s+[A-Z][A-Za-z]+(?:\s+[A-Za-z/]+){1,}$")
_SECTION_REF = re.compile(r"^\(\s*[\d.,\s]+\)$")


@dataclass(frozen=True)
class _Metrics:
    body: float
    gap: float  # the usual distance between two lines of one paragraph
    right: float  # where full lines end


def document_metrics(pages: Sequence[Sequence[PdfLine]]) -> _Metrics:
    sizes: Counter[int] = Counter()
    gaps: Counter[int] = Counter()
    rights: list[float] = []
    for lines in pages:
        for a, b in zip(lines, lines[1:], strict=False):
            sizes[round(a.size)] += len(a.text)
            d = a.y - b.y
            if 0 < d < 3 * a.size and abs(a.size - b.size) < 0.5:
                gaps[round(d * 2)] += 1
        rights.extend(line.x_end for line in lines)
    body = float(sizes.most_common(1)[0][0]) if sizes else 10.0
    gap = gaps.most_common(1)[0][0] / 2 if gaps else body * 1.2
    rights.sort()
    right = rights[int(0.9 * (len(rights) - 1))] if rights else 0.0
    return _Metrics(body, gap, right)


_PAGE_NUMBER = re.compile(r"^(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$", re.IGNORECASE)


def drop_furniture(pages: list[list[PdfLine]], edge_lines: int = 4) -> list[list[PdfLine]]:
    """Remove running headers/footers: lines at a page edge repeated (digits aside) on most pages,
    and bare page numbers at a page edge."""
    pages = [
        [
            ln
            for i, ln in enumerate(lines)
            if not ((i < 2 or i >= len(lines) - edge_lines) and _PAGE_NUMBER.match(ln.text.strip()))
        ]
        for lines in pages
    ]
    if len(pages) < 3:
        return pages
    edges = [max(1, min(edge_lines, len(lines) // 4)) for lines in pages]
    groups = [[ln.text for ln in lines[:e] + lines[-e:]] for lines, e in zip(pages, edges, strict=True)]
    furniture = furniture_keys(groups)
    out = []
    for lines, e in zip(pages, edges, strict=True):
        n = len(lines)
        out.append(
            [
                ln
                for i, ln in enumerate(lines)
                # Furniture is found at page edges but removed anywhere: complex tables make pypdf
                # emit the footer in the middle of the page.
                if not (line_key(ln.text) in furniture and ((i < e or i >= n - e) or len(ln.text.split()) <= 8))
                and not _SECTION_REF.match(ln.text)
            ]
        )
    return out


_RULE_EDGES = re.compile(r"^[\s\-\u2010-\u2015_=\u00ad]{3,}|[\s\-\u2010-\u2015_=\u00ad]{3,}$")


def _clean(text: str) -> str:
    return collapse_whitespace(normalize_text(text))


def _clean_heading(text: str) -> str:
    """A heading without the rules drawn around it ("-----CONTRAINDICATIONS-----")."""
    return _RULE_EDGES.sub("", _clean(text)).strip() or _clean(text)


class _PageBuilder:
    def __init__(self, page: int, m: _Metrics) -> None:
        self.page, self.m = page, m
        self.blocks: list[Block] = []
        self.para: list[PdfLine] = []
        self.kind = "paragraph"
        self.table: list[str] | None = None
        self.table_header: list[str] = []

    # --- helpers ---------------------------------------------------------------------------
    def _is_heading(self, ln: PdfLine) -> int:
        text = ln.text.strip()
        words = text.split()
        if not words or len(words) > 16 or BULLET.match(text) or not any(c.isalpha() for c in text):
            return 0
        if _FIGURE.match(text):
            return 0  # a figure caption is text about a figure, not a section
        if not _NUMBERED.match(text) and sum(1 for w in words if _NUM.search(w)) > 0.3 * len(words):
            return 0  # "N=1648 (%)": a bold table header row, not a heading
        larger = ln.size >= self.m.body + 0.9
        bold = ln.bold >= 0.75
        if not (larger or bold):
            return 0
        numbered = _NUMBERED.match(text)
        if text.endswith((".", ",", ";")) and not numbered and len(words) > 3:
            return 0
        if numbered:
            return numbered.group(1).count(".") + 1
        if _ROMAN.match(text):
            return 1
        if larger and ln.size >= self.m.body + 3:
            return 1
        letters = [c for c in text if c.isalpha()]
        return 1 if letters and sum(c.isupper() for c in letters) / len(letters) > 0.8 else 2

    def _gap_before(self, prev: PdfLine, ln: PdfLine) -> float:
        return prev.y - ln.y

    def flush(self) -> None:
        if not self.para:
            return
        text = _join_lines([ln.text for ln in self.para])
        text = _clean(text)
        if text and any(c.isalnum() for c in text):
            self.blocks.append(Block(self.page, "list_item" if self.kind == "list_item" else "paragraph", text))
        self.para = []
        self.kind = "paragraph"

    def flush_table(self) -> None:
        if self.table is None:
            return
        caption = self.table[0]
        rows = self.table[1:]
        header = " ".join(self.table_header)
        head = _clean(f"{caption} {header}".strip())
        if rows:
            self.blocks.append(Block(self.page, "table", "\n".join([head, *(_clean(r) for r in rows)])))
        else:
            self.blocks.append(Block(self.page, "paragraph", head))
        self.table, self.table_header = None, []

    # --- main ------------------------------------------------------------------------------
    def feed(self, lines: Sequence[PdfLine]) -> list[Block]:
        prev: PdfLine | None = None
        for ln in lines:
            text = ln.text.strip()
            if not text:
                continue
            gap = self._gap_before(prev, ln) if prev is not None else 0.0
            new_para = prev is None or gap > 1.3 * self.m.gap or gap < -self.m.gap
            if self.table is not None:
                if self._table_row(ln, new_para):
                    prev = ln
                    continue
                self.flush_table()
            if _CAPTION.match(text):
                self.flush()
                self.table = [text]
                prev = ln
                continue
            level = self._is_heading(ln)
            if level and self.para and not new_para and _flows_on(self.para[-1], ln):
                level = 0  # a bold passage (a boxed warning) wrapping onto its next line
            if level:
                last = self.blocks[-1] if self.blocks else None
                if (
                    not self.para
                    and last is not None
                    and last.kind == "heading"
                    and prev is not None
                    and self._is_heading(prev)
                    and 0 < gap <= 1.8 * self.m.gap
                    and not _NUMBERED.match(text)
                    and _continues(prev, ln)
                ):
                    # A heading that wraps onto a second line.
                    self.blocks[-1] = Block(self.page, "heading", _clean_heading(f"{last.text} {text}"), last.level)
                else:
                    self.flush()
                    self.blocks.append(Block(self.page, "heading", _clean_heading(text), level))
                prev = ln
                continue
            bullet = BULLET.match(text)
            if bullet:
                self.flush()
                self.kind = "list_item"
                self.para = [PdfLine("\u2022 " + text[bullet.end() :], ln.size, ln.bold, ln.x, ln.y, ln.x_end)]
                prev = ln
                continue
            if self.para:
                ends = _SENTENCE_END.search(self.para[-1].text) is not None
                short = self.m.right > 0 and self.para[-1].x_end < 0.8 * self.m.right
                if self.kind == "list_item":
                    if gap > 1.15 * self.m.gap or (ends and short and ln.x <= self.para[0].x + 1):
                        self.flush()
                elif new_para or (ends and short) or (short and _title_line(self.para, ln)):
                    self.flush()
            self.para.append(ln)
            prev = ln
        self.flush()
        self.flush_table()
        return _promote_run_in_headings(self.blocks)

    def _table_row(self, ln: PdfLine, new_para: bool) -> bool:
        assert self.table is not None
        text = ln.text.strip()
        if self._is_heading(ln) and ln.size > self.m.body + 0.5:
            return False
        # The caption wraps onto a second line.
        caption_only = len(self.table) == 1 and not self.table_header and ln.bold < 0.75 and not _NUM.search(text)
        if caption_only and not new_para and len(text.split()) <= 12:
            self.table[0] = f"{self.table[0]} {text}"
            return True
        if ln.bold >= 0.75 and len(self.table) == 1:
            self.table_header.append(text)
            return True
        words = text.split()
        digits = sum(1 for w in words if _NUM.search(w))
        prose = len(words) >= 12 and digits <= 2 and _SENTENCE_END.search(text) is not None
        wordy = len(words) > 5 and digits == 0
        if (
            prose
            or wordy
            or _FOOTNOTE.match(text)
            or _NUMBERED_TITLE.match(text)
            or _CAPTION.match(text)
            or _FIGURE.match(text)
        ):
            return False
        if len(self.table) > 60:
            return False
        self.table.append(text)
        return True


_CONNECTOR = re.compile(r"\b(?:of|and|or|in|with|for|the|to|a|an|on|by|after|following|from|at|vs\.?|&|-)$", re.I)


def _flows_on(prev: PdfLine, ln: PdfLine) -> bool:
    """Does bold ``ln`` continue the bold line ``prev`` (same size, ``prev`` ends mid-sentence)?"""
    return (
        prev.bold >= 0.75
        and ln.bold >= 0.75
        and abs(prev.size - ln.size) <= 0.5
        and not _SENTENCE_END.search(prev.text)
        and not _NUMBERED.match(ln.text.strip())
    )


def _title_line(para: list[PdfLine], ln: PdfLine) -> bool:
    """Is the paragraph so far one short line in Title Case ("Recommended Maintenance Dosage"), set
    in the body font right above a sentence? Then it is a run-in heading, not the sentence's start."""
    if len(para) != 1 or not ln.text.strip()[:1].isupper():
        return False
    words = [w for w in para[0].text.split() if len(w) >= 4 and w[:1].isalpha()]
    below = [w for w in ln.text.split() if len(w) >= 4 and w[:1].isalpha()]
    # The next line must read as a sentence (mostly lower-case words), not the title's second line.
    sentence_below = bool(below) and sum(w[0].islower() for w in below) >= 0.5 * len(below)
    return sentence_below and len(words) >= 2 and sum(w[0].isupper() for w in words) >= 0.8 * len(words)


def _continues(prev: PdfLine, ln: PdfLine) -> bool:
    """Is ``ln`` the second line of the heading ``prev`` (not a heading of its own)?"""
    text, before = ln.text.strip(), prev.text.strip()
    if _RULE_EDGES.search(text) or _RULE_EDGES.search(before) or abs(ln.size - prev.size) > 0.5:
        return False
    # Lower-case start, a hanging or centred second line, or a first line cut after a connector.
    return text[:1].islower() or ln.x > prev.x + 5 or bool(_CONNECTOR.search(before))


def _join_lines(lines: list[str]) -> str:
    out = ""
    for text in lines:
        text = text.strip()
        if not out:
            out = text
        elif re.search(r"[a-z]-$", out) and text[:1].islower():
            out = out[:-1] + text  # a word hyphenated at the line end
        else:
            out = f"{out} {text}"
    return out


def _promote_run_in_headings(blocks: list[Block]) -> list[Block]:
    """A short, unpunctuated paragraph directly followed by body text is a minor heading."""
    out: list[Block] = []
    parent = 1
    for i, b in enumerate(blocks):
        if b.kind == "heading":
            parent = b.level
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        words = b.text.split()
        numbered = _NUMBERED.match(b.text)
        if (
            b.kind == "paragraph"
            and numbered
            and len(words) <= 12
            and not b.text.rstrip().endswith((".", ";", ","))
            and b.text[numbered.end(1) :].strip()[:1].isupper()
            and sum(1 for w in words[1:] if _NUM.search(w)) == 0
        ):
            # "1.11 Urinary Tract Infections" set in the body font: numbering makes it a heading.
            parent = numbered.group(1).count(".") + 1
            out.append(Block(b.page, "heading", b.text, parent))
            continue
        if (
            b.kind == "paragraph"
            and nxt is not None
            and nxt.kind in ("paragraph", "list_item", "table")
            and 1 <= len(words) <= 14
            and b.text[:1].isupper()
            and not _SENTENCE_END.search(b.text)
            and not b.text.endswith(",")
            and sum(1 for w in words if _NUM.search(w)) <= 1
        ):
            out.append(Block(b.page, "heading", b.text, min(parent + 1, 6)))
        else:
            out.append(b)
    return out


def pdf_blocks(pages: list[list[PdfLine]]) -> list[Block]:
    """Blocks of a whole PDF from its pages' lines (furniture and line numbers already removed)."""
    metrics = document_metrics(pages)
    blocks: list[Block] = []
    for number, lines in enumerate(pages, start=1):
        blocks.extend(_PageBuilder(number, metrics).feed(lines))
    return blocks
