"""Value types shared by loaders and chunkers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["heading", "paragraph", "list_item", "table", "notes"]
PageUnit = Literal["page", "slide"]


@dataclass(frozen=True)
class Block:
    """One structural piece of text on one page or slide.

    ``page`` is 1-based (PDF page or slide number; 1 for formats without pages).
    ``level`` is the heading depth for headings (1 = top) and 0 otherwise.
    """

    page: int
    kind: BlockKind
    text: str
    level: int = 0


@dataclass(frozen=True)
class ParsedDocument:
    """What a loader extracted from one file, in reading order."""

    source_file: str
    media_type: str
    unit: PageUnit
    page_count: int
    blocks: list[Block] = field(default_factory=list)

    @property
    def word_count(self) -> int:
        return sum(len(b.text.split()) for b in self.blocks)


@dataclass(frozen=True)
class Chunk:
    """A retrievable, citable unit of text.

    ``text`` is verbatim (normalised) content used for quoting; ``section`` is the heading path
    that gives it context. A chunk never spans pages, so its page is exact for citation.
    """

    seq: int
    page: int
    section: str
    text: str
    kind: str = "text"
    section_kind: str = "body"

    def index_text(self, title: str) -> str:
        """The text embedded and indexed: document title and section give the chunk context."""
        return index_text(title, self.section, self.text)


def index_text(title: str, section: str, text: str) -> str:
    """Text to embed and index for a chunk: its title and heading path, then its content."""
    head = " - ".join(part for part in (title, section) if part)
    return f"{head}\n{text}" if head else text
