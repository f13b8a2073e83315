"""Cleaning of extraction noise: ligatures, hyphenation, repeated headers/footers, whitespace."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

# Characters NFKC leaves alone but that only add noise to search and quotes.
_TRANSLATE = str.maketrans(
    {
        "\u00ad": None,  # soft hyphen
        "\u200b": None,  # zero-width space
        "\ufeff": None,  # byte-order mark
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u00a0": " ",
        "\u2022": "\u2022",
    }
)
# A word broken across lines: "treat-\nment" -> "treatment". Only between lower-case letters, so
# "IL-\n23" or "anti-\nTNF" keep their hyphen.
_HYPHEN_BREAK = re.compile(r"([a-z])-\n\s*([a-z])")
_SPACES = re.compile(r"[ \t\f\v]+")
# Control characters (some PDF fonts map bullets to DEL) carry no text.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_DIGITS = re.compile(r"\d+")


def normalize_text(text: str) -> str:
    """Normalise one piece of extracted text, keeping line breaks.

    NFKC folds ligatures ("\ufb01" -> "fi") and full-width forms; soft hyphens and zero-width
    characters go; words hyphenated across a line break are joined; runs of spaces collapse.
    """
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROLS.sub(" ", text)
    text = _HYPHEN_BREAK.sub(r"\1\2", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def collapse_whitespace(text: str) -> str:
    """One line, single spaces."""
    return " ".join(text.split())


def line_key(line: str) -> str:
    # Page furniture differs only by its page number ("Page 3 of 12"): compare without digits.
    return _DIGITS.sub("#", line.strip().lower())


def furniture_keys(groups: list[list[str]], *, min_share: float = 0.5) -> set[str]:
    """Keys (see :func:`line_key`) of lines found in at least ``min_share`` of the groups (pages or
    slides), digits ignored: running headers, footers, slide numbers. Needs three groups or more."""
    if len(groups) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines in groups:
        counts.update({line_key(x) for x in lines if x.strip()})
    threshold = max(2, int(len(groups) * min_share + 0.999))
    return {key for key, n in counts.items() if n >= threshold}


def strip_repeated_lines(pages: list[str], *, edge_lines: int = 3, min_share: float = 0.5) -> list[str]:
    """Remove running headers and footers from page texts.

    A line among the first or last ``edge_lines`` of a page is furniture when the same line
    (digits ignored) appears at a page edge on at least ``min_share`` of the pages. Needs three or
    more pages to judge; shorter documents are returned unchanged.
    """
    if len(pages) < 3:
        return pages
    split = [p.split("\n") for p in pages]
    # On short pages the edge zone shrinks, so body lines are not mistaken for furniture.
    edges_of = [max(1, min(edge_lines, len(lines) // 4)) for lines in split]
    furniture = furniture_keys(
        [lines[:edge] + lines[-edge:] for lines, edge in zip(split, edges_of, strict=True)], min_share=min_share
    )
    if not furniture:
        return pages
    cleaned = []
    for lines, edge in zip(split, edges_of, strict=True):
        n = len(lines)
        keep = [
            line for i, line in enumerate(lines) if not ((i < edge or i >= n - edge) and line_key(line) in furniture)
        ]
        cleaned.append("\n".join(keep).strip())
    return cleaned
