"""Structure-aware chunking.

Rules, in order of precedence:

* a chunk never spans two pages or slides, so every chunk cites one exact page;
* a heading closes the current chunk and opens a section; chunks carry their heading path;
* a slide (title, body, tables, speaker notes) is one unit, split only when it exceeds the size;
* a table is kept whole up to ``table_max_words``; larger tables are split by rows with the
  header row repeated;
* prose is packed sentence by sentence up to ``max_words``; when prose is split for size the
  next chunk starts with the last ``overlap_sentences`` sentences of the previous one.

Sizes are in words: the packaged MiniLM truncates at 256 word pieces, about 180 English words.
The defaults were chosen by measurement on the sample question set (see docs/chunking.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.model import Chunk, ParsedDocument
from ingest.sentences import split_sentences


@dataclass(frozen=True)
class ChunkingConfig:
    """Chunk size knobs (words, sentences)."""

    max_words: int = 80
    overlap_sentences: int = 1
    table_max_words: int = 220


class _Packer:
    """Accumulates units for one page+section and emits chunks."""

    def __init__(self, config: ChunkingConfig) -> None:
        self.config = config
        self.chunks: list[Chunk] = []
        self.units: list[str] = []
        self.words = 0
        self.page = 0
        self.section = ""

    def flush(self, *, overlap: bool = False) -> None:
        if self.units:
            text = " ".join(self.units)
            self.chunks.append(Chunk(len(self.chunks), self.page, self.section, text))
        keep = self.units[-self.config.overlap_sentences :] if overlap and self.config.overlap_sentences else []
        self.units = list(keep)
        self.words = sum(len(u.split()) for u in self.units)

    def start(self, page: int, section: str) -> None:
        if page != self.page or section != self.section:
            self.flush()
            self.units, self.words = [], 0
        self.page, self.section = page, section

    def add_sentence(self, sentence: str) -> None:
        if not any(ch.isalnum() for ch in sentence):
            return  # stray bullets and punctuation are not content
        n = len(sentence.split())
        if self.units and self.words + n > self.config.max_words:
            self.flush(overlap=True)
            # An overlap that would itself overflow is dropped.
            if self.words + n > self.config.max_words:
                self.units, self.words = [], 0
        self.units.append(sentence)
        self.words += n

    def add_table(self, table: str) -> None:
        self.flush()
        self.units, self.words = [], 0
        rows = table.split("\n")
        if len(table.split()) <= self.config.table_max_words or len(rows) < 3:
            self.chunks.append(Chunk(len(self.chunks), self.page, self.section, table, "table"))
            return
        header, body = rows[0], rows[1:]
        part: list[str] = []
        for row in body:
            candidate = part + [row]
            if part and len(" ".join([header, *candidate]).split()) > self.config.table_max_words:
                self.chunks.append(
                    Chunk(len(self.chunks), self.page, self.section, "\n".join([header, *part]), "table")
                )
                candidate = [row]
            part = candidate
        if part:
            self.chunks.append(Chunk(len(self.chunks), self.page, self.section, "\n".join([header, *part]), "table"))


def _section_path(stack: dict[int, str]) -> str:
    return " > ".join(stack[level] for level in sorted(stack))


def chunk_document(doc: ParsedDocument, config: ChunkingConfig | None = None) -> list[Chunk]:
    """Split a parsed document into citable chunks (see module docstring for the rules)."""
    config = config or ChunkingConfig()
    packer = _Packer(config)
    headings: dict[int, str] = {}
    current_page = 0
    for block in doc.blocks:
        if doc.unit == "slide" and block.page != current_page:
            headings = {}  # each slide starts its own section (its title)
        current_page = block.page
        if block.kind == "heading":
            headings = {lvl: txt for lvl, txt in headings.items() if lvl < block.level}
            headings[block.level] = block.text
            packer.start(block.page, _section_path(headings))
            continue
        section = _section_path(headings)
        if block.kind == "notes":
            section = f"{section} (speaker notes)" if section else "Speaker notes"
            if doc.unit == "slide":
                # Notes stay with their slide when the whole slide fits in one chunk.
                slide_words = packer.words + len(block.text.split())
                if packer.page == block.page and slide_words <= config.max_words:
                    section = packer.section
        packer.start(block.page, section)
        if block.kind == "table":
            packer.add_table(block.text)
        else:
            for sentence in split_sentences(block.text):
                packer.add_sentence(sentence)
    packer.flush()
    return packer.chunks
