"""Format loaders: bytes + file name -> :class:`ParsedDocument`.

Each loader keeps the page (PDF) or slide (PPTX) number on every block and raises a specific
:class:`~ingest.errors.IngestError` for files it cannot read, so a batch can report per file.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from ingest.errors import CorruptFile, EncryptedFile, NoExtractableText, UnsafeFileName, UnsupportedFormat
from ingest.model import Block, ParsedDocument
from ingest.normalize import collapse_whitespace, furniture_keys, line_key, normalize_text
from ingest.pdf_layout import PdfLine, order_blocks, order_columns, page_lines, strip_line_numbers
from ingest.structure import drop_furniture, pdf_blocks

log = logging.getLogger(__name__)

SUPPORTED_EXTENSIONS = {
    ".pdf": "pdf",
    ".pptx": "pptx",
    ".docx": "docx",
    ".md": "md",
    ".markdown": "md",
    ".txt": "txt",
    ".html": "html",
    ".htm": "html",
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# "5.1 Serious Infections", "14 CLINICAL STUDIES", "2.3 Missed Dose"
_NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+([A-Z][^\n]{1,90})$")
_COMMON_SECTIONS = {
    "abstract",
    "introduction",
    "background",
    "methods",
    "materials and methods",
    "results",
    "discussion",
    "conclusion",
    "conclusions",
    "limitations",
    "references",
    "summary",
    "recommendations",
    "objectives",
    "objective",
    "design",
    "safety",
    "efficacy",
    "acknowledgements",
    "funding",
    "disclosures",
    "key points",
    "highlights",
    "table of contents",
    "contents",
}


def safe_file_name(name: str) -> str:
    """Return ``name`` if it is a plain file name, else raise :class:`UnsafeFileName`.

    Rejects directory parts (either separator), ``..``, control characters, and empty or
    hidden-only names, so a stored file can never land outside its folder.
    """
    if not name or not name.strip():
        raise UnsafeFileName("the file has no name; give it a name such as 'label.pdf'")
    if _CONTROL.search(name):
        raise UnsafeFileName("the file name contains control characters; rename the file", file=repr(name))
    base = PurePosixPath(PureWindowsPath(name).name).name
    if base != name or name in {".", ".."} or ".." in name.split("/") or name.startswith("."):
        raise UnsafeFileName(
            "the file name contains a path or starts with '.'; upload it under a plain name such as 'label.pdf'",
            file=name,
        )
    if len(name) > 255:
        raise UnsafeFileName("the file name is longer than 255 characters; shorten it", file=name[:60] + "...")
    return name


def media_type_for(name: str) -> str:
    """The media type key for a file name, or :class:`UnsupportedFormat`."""
    suffix = PurePosixPath(name.lower()).suffix
    try:
        return SUPPORTED_EXTENSIONS[suffix]
    except KeyError:
        known = ", ".join(sorted({k for k in SUPPORTED_EXTENSIONS}))
        raise UnsupportedFormat(
            f"'{suffix or 'no extension'}' files are not supported; upload one of: {known}", file=name
        ) from None


def load_document(data: bytes, file_name: str) -> ParsedDocument:
    """Parse a file's bytes into structured, normalised blocks.

    Raises :class:`NoExtractableText` when the result holds no words, so an image-only or empty
    file is a clear error rather than an empty document.
    """
    safe_file_name(file_name)
    media = media_type_for(file_name)
    if not data:
        raise NoExtractableText("the file is empty (0 bytes); check the upload or export again", file=file_name)
    loader = _LOADERS[media]
    doc = loader(data, file_name)
    if doc.word_count == 0:
        hint = (
            " It looks image-only (scanned, no text layer): run OCR on it and upload the result."
            if media == "pdf"
            else ""
        )
        raise NoExtractableText(f"no extractable text was found in this {media.upper()} file.{hint}", file=file_name)
    return doc


# --- PDF -------------------------------------------------------------------------------------


def _load_pdf(data: bytes, name: str) -> ParsedDocument:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError, PdfStreamError

    if b"%PDF-" not in data[:1024]:
        raise CorruptFile("this is not a PDF file (no PDF header); check the file or export it again", file=name)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # Files with only an owner password open with an empty user password.
            try:
                ok = reader.decrypt("")
            except Exception as exc:  # pypdf raises several types for unsupported crypto
                raise EncryptedFile(
                    "the PDF is password-protected; remove the protection and upload it again", file=name
                ) from exc
            if not ok:
                raise EncryptedFile(
                    "the PDF is password-protected; remove the protection and upload it again", file=name
                )
        pages = [_page_layout(page) for page in reader.pages]
    except (EncryptedFile, NoExtractableText):
        raise
    except FileNotDecryptedError as exc:
        raise EncryptedFile(
            "the PDF is password-protected; remove the protection and upload it again", file=name
        ) from exc
    except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise CorruptFile(
            f"the PDF could not be read ({exc.__class__.__name__}); it may be damaged", file=name
        ) from exc
    blocks = pdf_blocks(drop_furniture(pages))
    return ParsedDocument(name, "pdf", "page", len(pages), blocks)


def _page_layout(page: Any) -> list[PdfLine]:
    """One page's lines in reading order, margin line numbers removed."""
    try:
        width = float(page.mediabox.width)
    except (AttributeError, TypeError, ValueError):
        width = 0.0
    lines = strip_line_numbers(page_lines(page))
    ordered = order_columns(lines, width)
    # A two-column page is read column by column; any other page from its top down.
    return ordered if ordered is not lines else order_blocks(lines, width)


def _heading_level(line: str) -> int:
    """Heading depth for a line that looks like a section heading, else 0."""
    s = line.strip()
    words = s.split()
    if not s or len(words) > 12 or s.endswith((".", ",", ";", ":")) and not _NUMBERED_HEADING.match(s):
        return 0
    m = _NUMBERED_HEADING.match(s)
    if m and not re.search(r"\d\s*%|\bmg\b", m.group(2)):
        return m.group(1).count(".") + 1
    if s.lower().rstrip(":") in _COMMON_SECTIONS:
        return 1
    letters = [c for c in s if c.isalpha()]
    if len(letters) >= 4 and all(c.isupper() for c in letters) and len(words) <= 10:
        return 1
    return 0


def _blocks_from_lines(lines: Iterable[str], page: int) -> list[Block]:
    """Group extracted lines into headings and paragraphs (paragraphs end at blank lines/headings)."""
    blocks: list[Block] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            text = collapse_whitespace(" ".join(para))
            if text:
                blocks.append(Block(page, "paragraph", text))
            para.clear()

    for line in lines:
        if not line.strip():
            flush()
            continue
        level = _heading_level(line)
        if level:
            flush()
            blocks.append(Block(page, "heading", collapse_whitespace(line), level))
        else:
            para.append(line)
    flush()
    return blocks


# --- PPTX ------------------------------------------------------------------------------------


def _require_zip(data: bytes, name: str, kind: str) -> None:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise CorruptFile(
            f"this is not a valid {kind} file (it is not a ZIP package); save it again from the authoring application",
            file=name,
        )


def _table_text(rows: Iterable[Iterable[str]]) -> str:
    lines = []
    for row in rows:
        cells = [collapse_whitespace(normalize_text(c)) for c in row]
        if any(cells):
            lines.append(" | ".join(cells))
    return "\n".join(lines)


def _load_pptx(data: bytes, name: str) -> ParsedDocument:
    from pptx import Presentation
    from pptx.exc import PackageNotFoundError

    _require_zip(data, name, "PPTX")
    try:
        prs = Presentation(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise CorruptFile(
            f"the PPTX could not be opened ({exc.__class__.__name__}); it may be damaged", file=name
        ) from exc
    blocks: list[Block] = []
    count = 0
    per_slide: list[list[Block]] = [_slide_blocks(slide, number) for number, slide in enumerate(prs.slides, start=1)]
    # Footers, disclaimers and "6 / 16" slide numbers drawn as text boxes on every slide are
    # furniture, like a PDF's running footer: they would otherwise be quoted in answers.
    furniture = furniture_keys([[b.text for b in bs if b.kind == "list_item"] for bs in per_slide])
    for number, slide in enumerate(prs.slides, start=1):
        count = number
        blocks.extend(b for b in per_slide[number - 1] if not (b.kind == "list_item" and line_key(b.text) in furniture))
        if slide.has_notes_slide:
            notes = normalize_text(slide.notes_slide.notes_text_frame.text or "")
            # One line per notes paragraph: each is a quotable unit of its own.
            lines = [collapse_whitespace(line) for line in notes.split("\n") if line.strip()]
            if lines:
                blocks.append(Block(number, "notes", "\n".join(lines)))
    return ParsedDocument(name, "pptx", "slide", count, blocks)


def _slide_blocks(slide: object, number: int) -> list[Block]:
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    blocks: list[Block] = []
    title_shape = slide.shapes.title  # type: ignore[attr-defined]
    # python-pptx hands out a new proxy object per access: compare shapes by id, not identity.
    title_id = title_shape.shape_id if title_shape is not None else None

    def visit(shapes: Iterable[object]) -> None:
        for shape in shapes:
            if getattr(shape, "shape_type", None) == MSO_SHAPE_TYPE.GROUP:
                visit(shape.shapes)  # type: ignore[attr-defined]
            elif getattr(shape, "has_table", False):
                rows = [[cell.text for cell in row.cells] for row in shape.table.rows]  # type: ignore[attr-defined]
                text = _table_text(rows)
                if text:
                    blocks.append(Block(number, "table", text))
            elif getattr(shape, "has_text_frame", False) and getattr(shape, "shape_id", None) != title_id:
                for para in shape.text_frame.paragraphs:  # type: ignore[attr-defined]
                    text = collapse_whitespace(normalize_text("".join(r.text for r in para.runs)))
                    if text:
                        blocks.append(Block(number, "list_item", text))

    if title_shape is not None and title_shape.has_text_frame and title_shape.text_frame.text.strip():
        blocks.append(Block(number, "heading", collapse_whitespace(normalize_text(title_shape.text_frame.text)), 1))
    visit(slide.shapes)  # type: ignore[attr-defined]
    return blocks


# --- DOCX ------------------------------------------------------------------------------------


def _load_docx(data: bytes, name: str) -> ParsedDocument:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    _require_zip(data, name, "DOCX")
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise CorruptFile(
            f"the DOCX could not be opened ({exc.__class__.__name__}); it may be damaged", file=name
        ) from exc
    blocks: list[Block] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            text = collapse_whitespace(normalize_text(item.text))
            if not text:
                continue
            style = (item.style.name if item.style is not None else "") or ""
            level = _docx_heading_level(style)
            if level:
                blocks.append(Block(1, "heading", text, level))
            elif "list" in style.lower():
                blocks.append(Block(1, "list_item", text))
            else:
                blocks.append(Block(1, "paragraph", text))
        elif isinstance(item, Table):
            text = _table_text([cell.text for cell in row.cells] for row in item.rows)
            if text:
                blocks.append(Block(1, "table", text))
    return ParsedDocument(name, "docx", "page", 1, blocks)


def _docx_heading_level(style: str) -> int:
    if style == "Title":
        return 1
    m = re.match(r"Heading (\d)", style)
    return int(m.group(1)) if m else 0


# --- HTML, Markdown, text ----------------------------------------------------------------------


def _decode_text(data: bytes, name: str) -> str:
    if b"\x00" in data[:4096]:
        raise CorruptFile("the file looks binary, not text; check its extension", file=name)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _html_blocks(html: str) -> list[Block]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "nav", "noscript", "template", "head"]):
        tag.decompose()
    blocks: list[Block] = []
    wanted = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "table", "pre", "blockquote", "dd", "dt"]
    for el in soup.find_all(wanted):
        # Nested matches (a <p> inside an <li> or a table cell) are read once, by the outer element.
        if el.find_parent(["li", "table", "blockquote"]) is not None:
            continue
        if el.name == "table":
            rows = [[c.get_text(" ") for c in tr.find_all(["th", "td"])] for tr in el.find_all("tr")]
            text = _table_text(rows)
            if text:
                blocks.append(Block(1, "table", text))
            continue
        text = collapse_whitespace(normalize_text(el.get_text(" ")))
        if not text:
            continue
        if el.name and el.name[0] == "h" and el.name[1:].isdigit():
            blocks.append(Block(1, "heading", text, int(el.name[1:])))
        elif el.name == "li":
            blocks.append(Block(1, "list_item", text))
        else:
            blocks.append(Block(1, "paragraph", text))
    if not blocks:
        body = collapse_whitespace(normalize_text(soup.get_text(" ")))
        if body:
            blocks.append(Block(1, "paragraph", body))
    return blocks


def _load_html(data: bytes, name: str) -> ParsedDocument:
    return ParsedDocument(name, "html", "page", 1, _html_blocks(_decode_text(data, name)))


def _load_markdown(data: bytes, name: str) -> ParsedDocument:
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").enable("table").render(_decode_text(data, name))
    return ParsedDocument(name, "md", "page", 1, _html_blocks(html))


def _load_text(data: bytes, name: str) -> ParsedDocument:
    text = normalize_text(_decode_text(data, name))
    return ParsedDocument(name, "txt", "page", 1, _blocks_from_lines(text.split("\n"), 1))


_LOADERS: dict[str, Callable[[bytes, str], ParsedDocument]] = {
    "pdf": _load_pdf,
    "pptx": _load_pptx,
    "docx": _load_docx,
    "md": _load_markdown,
    "txt": _load_text,
    "html": _load_html,
}
