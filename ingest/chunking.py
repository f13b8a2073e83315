"""Structure-aware chunking.

Rules, in order of precedence:

* a chunk never spans two pages or slides, so every chunk cites one exact page;
* a heading closes the current chunk and opens a section; chunks carry their heading path and the
  section's kind (:mod:`ingest.sections`);
* a chunk's text keeps the document's structure: one line per paragraph, one line per bullet
  item ("\u2022 ..."), one line per slide bullet and per speaker-notes paragraph, so the answer
  composer can quote a sentence, a bullet, or a lead-in with its bullets, never a run-on;
* a bullet list stays with its lead-in: a list is split only when it is too long for one chunk, and
  then the next chunk starts again with the lead-in;
* a table is kept whole up to ``table_max_words``; larger tables are split by rows with the header
  row repeated;
* prose is packed sentence by sentence up to ``max_words``; when prose is split for size the next
  chunk starts with the last ``overlap_sentences`` sentences of the previous one.

Sizes are in words: the packaged MiniLM truncates at 256 word pieces, about 180 English words.
The defaults were chosen by measurement on the sample question set (see docs/chunking.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.model import Chunk, ParsedDocument
from ingest.sections import SectionTracker, section_numbering
from ingest.sentences import split_sentences

BULLET_MARK = "\u2022 "


@dataclass(frozen=True)
class ChunkingConfig:
    """Chunk size knobs (words, sentences)."""

    max_words: int = 80
    overlap_sentences: int = 1
    table_max_words: int = 220


@dataclass
class _Unit:
    text: str
    new_line: bool  # starts a new line (paragraph, bullet) rather than continuing a paragraph
    lead_in: bool = False  # a sentence that introduces the bullets after it ("...:")

    @property
    def words(self) -> int:
        return len(self.text.split())


class _Packer:
    """Accumulates units for one page+section and emits chunks."""

    def __init__(self, config: ChunkingConfig) -> None:
        self.config = config
        self.chunks: list[Chunk] = []
        self.units: list[_Unit] = []
        self.page = 0
        self.section = ""
        self.kind = "body"
        self.lead_in: _Unit | None = None

    @property
    def words(self) -> int:
        return sum(u.words for u in self.units)

    def _text(self) -> str:
        out = ""
        for u in self.units:
            out = u.text if not out else out + ("\n" if u.new_line else " ") + u.text
        return out

    def flush(self, *, overlap: bool = False, keep: _Unit | None = None) -> None:
        if self.units:
            self.chunks.append(Chunk(len(self.chunks), self.page, self.section, self._text(), "text", self.kind))
        n = self.config.overlap_sentences
        carry = [keep] if keep is not None else (self.units[-n:] if overlap and n else [])
        self.units = [_Unit(u.text, True, u.lead_in) for u in carry]

    def start(self, page: int, section: str, kind: str) -> None:
        if page != self.page or section != self.section or kind != self.kind:
            self.flush()
            self.units = []
            self.lead_in = None
        self.page, self.section, self.kind = page, section, kind

    def add(self, unit: _Unit, *, in_list: bool = False) -> None:
        if not any(ch.isalnum() for ch in unit.text):
            return  # stray bullets and punctuation are not content
        limit = self.config.max_words
        if self.units and self.words + unit.words > limit:
            if in_list and self.lead_in is not None:
                # A long list continues in a new chunk that repeats its lead-in.
                self.flush(keep=self.lead_in)
            else:
                self.flush(overlap=not in_list)
            if self.words + unit.words > limit:
                self.units = []
        self.units.append(unit)
        if unit.lead_in:
            self.lead_in = unit
        elif not in_list:
            self.lead_in = None

    def add_paragraph(self, text: str) -> None:
        sentences = split_sentences(text)
        for i, sentence in enumerate(sentences):
            last = i == len(sentences) - 1
            self.add(_Unit(sentence, new_line=i == 0, lead_in=last and sentence.rstrip().endswith(":")))

    def add_item(self, text: str) -> None:
        text = text if text.startswith(BULLET_MARK.strip()) else BULLET_MARK + text
        if len(text.split()) <= self.config.max_words:
            self.add(_Unit(text, True), in_list=True)
            return
        for i, sentence in enumerate(split_sentences(text)):
            self.add(_Unit(sentence, i == 0), in_list=True)

    def add_table(self, table: str) -> None:
        self.flush()
        self.units = []
        rows = table.split("\n")
        if len(table.split()) <= self.config.table_max_words or len(rows) < 3:
            self.chunks.append(Chunk(len(self.chunks), self.page, self.section, table, "table", self.kind))
            return
        header, body = rows[0], rows[1:]
        part: list[str] = []
        for row in body:
            candidate = part + [row]
            if part and len(" ".join([header, *candidate]).split()) > self.config.table_max_words:
                self.chunks.append(
                    Chunk(len(self.chunks), self.page, self.section, "\n".join([header, *part]), "table", self.kind)
                )
                candidate = [row]
            part = candidate
        if part:
            self.chunks.append(
                Chunk(len(self.chunks), self.page, self.section, "\n".join([header, *part]), "table", self.kind)
            )


def _section_path(stack: dict[int, str]) -> str:
    return " > ".join(stack[level] for level in sorted(stack))


def chunk_document(doc: ParsedDocument, config: ChunkingConfig | None = None) -> list[Chunk]:
    """Split a parsed document into citable chunks (see module docstring for the rules)."""
    config = config or ChunkingConfig()
    packer = _Packer(config)
    tracker = SectionTracker(doc.unit)
    tracker.numbering = section_numbering([b.text for b in doc.blocks if b.kind != "heading"])
    headings: dict[int, str] = {}
    current_page = 0
    for block in doc.blocks:
        if doc.unit == "slide" and block.page != current_page:
            headings = {}  # each slide starts its own section (its title)
        current_page = block.page
        if block.kind == "heading":
            headings = {lvl: txt for lvl, txt in headings.items() if lvl < block.level}
            headings[block.level] = block.text
            tracker.heading(block.text, block.level, block.page)
            packer.start(block.page, _section_path(headings), tracker.kind("paragraph"))
            continue
        section = _section_path(headings)
        kind = tracker.kind(block.kind, block.text)
        if block.kind == "notes":
            fits = packer.page == block.page and packer.words + len(block.text.split()) <= config.max_words
            if doc.unit == "slide" and fits and packer.units:
                # Notes stay with their slide (as lines of their own) when the whole slide fits.
                section, kind = packer.section, packer.kind
            else:
                section = f"{section} (speaker notes)" if section else "Speaker notes"
        packer.start(block.page, section, kind)
        if block.kind == "table":
            packer.add_table(block.text)
        elif block.kind == "list_item" and doc.unit == "page":
            packer.add_item(block.text)
        elif block.kind in ("list_item", "notes"):
            # Slide bullets and notes paragraphs are lines of their own, never run together.
            for line in block.text.split("\n"):
                if line.strip():
                    packer.add_paragraph(line.strip())
        else:
            packer.add_paragraph(block.text)
    packer.flush()
    return _mark_front_matter(packer.chunks)


def _mark_front_matter(chunks: list[Chunk]) -> list[Chunk]:
    """Text before an article's abstract or introduction (title, authors, affiliations) is front
    matter: indexed, but never quoted as an answer."""
    first = next((i for i, c in enumerate(chunks) if c.section_kind in ("abstract", "introduction")), None)
    if first is None or chunks[first].page > 2:
        return chunks
    return [
        Chunk(c.seq, c.page, c.section, c.text, c.kind, "front_matter") if i < first and c.section_kind == "body" else c
        for i, c in enumerate(chunks)
    ]
