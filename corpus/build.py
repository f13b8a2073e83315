"""Build the fictional LUMERZA sample corpus for the MSL Knowledge Hub.

Every document in this corpus is FICTIONAL and exists only to exercise the
hub's ingestion, retrieval and evaluation code. The text of each document
lives in ``corpus/src``:

* ``<stem>.md`` - flowing documents (PDF, DOCX or Markdown output). A YAML
  front matter block holds the output file name, the sidecar metadata and a
  few layout settings; the body uses a small Markdown subset (``#``/``##``/
  ``###`` headings, paragraphs, ``-`` bullets, ``1.`` numbered items, pipe
  tables, ``> `` call-out boxes, ``~ `` small print, ``Table:`` captions,
  ``<!-- pagebreak -->`` and ``<!-- widths: 40,20,20,20 -->`` directives and
  ``**bold**`` inline emphasis).
* ``<stem>.yaml`` - slide decks (PPTX output): a list of slides with a title,
  bullets (a leading ``~ `` marks a second-level bullet), an optional table
  and speaker notes.

Running ``python corpus/build.py`` rebuilds every output file and its
``<stem>.meta.yaml`` sidecar in ``corpus/``. The build is deterministic: PDFs
use reportlab's invariant mode, and PPTX/DOCX packages get fixed core
properties and fixed ZIP member timestamps, so repeated builds are
byte-identical.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import yaml
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn as docx_qn
from docx.shared import Pt as DocxPt
from docx.shared import RGBColor as DocxRGB
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import PP_ALIGN
from pptx.oxml.ns import qn as pptx_qn
from pptx.util import Inches, Pt
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    KeepTogether,
    ListFlowable,
    ListItem,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

CORPUS_DIR = Path(__file__).resolve().parent
SRC_DIR = CORPUS_DIR / "src"

DISCLAIMER = "FICTIONAL SAMPLE CONTENT - for software demonstration only, not medical advice"
META_KEYS = (
    "title",
    "doc_type",
    "product",
    "therapeutic_area",
    "version",
    "approval_id",
    "status",
    "effective_date",
    "expiry_date",
    "owner",
)
DOC_TYPES = {"slide_deck", "guideline", "publication", "label", "other"}
ZIP_TIMESTAMP = (2026, 1, 1, 0, 0, 0)
BRAND_BLUE = (0x1F, 0x3A, 0x5F)
BRAND_TEAL = (0x1A, 0x7F, 0x86)


# ---------------------------------------------------------------------------
# Source parsing
# ---------------------------------------------------------------------------


@dataclass
class Block:
    """One structural element of a flowing document."""

    kind: str
    text: str = ""
    items: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    widths: list[float] | None = None


def split_front_matter(raw: str) -> tuple[dict[str, Any], str]:
    """Split ``raw`` into its YAML front matter mapping and the body text."""
    if not raw.startswith("---\n"):
        raise ValueError("source file must start with YAML front matter")
    end = raw.index("\n---\n", 4)
    front = yaml.safe_load(raw[4:end])
    return front, raw[end + 5 :]


def parse_blocks(body: str) -> list[Block]:
    """Parse the Markdown subset used by flowing-document sources."""
    blocks: list[Block] = []
    lines = body.splitlines()
    pending_widths: list[float] | None = None
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        stripped = line.strip()
        if not stripped:
            i += 1
            continue
        if stripped == "<!-- pagebreak -->":
            blocks.append(Block("pagebreak"))
            i += 1
            continue
        widths_match = re.fullmatch(r"<!-- widths: ([\d., ]+) -->", stripped)
        if widths_match:
            pending_widths = [float(w) for w in widths_match.group(1).split(",")]
            i += 1
            continue
        heading = re.match(r"(#{1,3}) (.+)", stripped)
        if heading:
            blocks.append(Block(f"h{len(heading.group(1))}", heading.group(2)))
            i += 1
            continue
        if stripped.startswith("Table: "):
            blocks.append(Block("caption", stripped[len("Table: ") :]))
            i += 1
            continue
        if stripped.startswith("|"):
            rows: list[list[str]] = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                if not all(re.fullmatch(r":?-{3,}:?", c) for c in cells):
                    rows.append(cells)
                i += 1
            blocks.append(Block("table", rows=rows, widths=pending_widths))
            pending_widths = None
            continue
        for prefix, kind in (("- ", "bullets"), ("1. ", "numbered")):
            if stripped.startswith(prefix):
                items: list[str] = []
                while i < len(lines):
                    current = lines[i].strip()
                    if kind == "numbered":
                        marker = re.match(r"\d+\. ", current)
                        starts = marker is not None
                        cut = marker.end() if marker else 0
                    else:
                        starts = current.startswith("- ")
                        cut = 2
                    if starts:
                        items.append(current[cut:])
                    elif current and items and lines[i].startswith("  "):
                        items[-1] += " " + current
                    else:
                        break
                    i += 1
                blocks.append(Block(kind, items=items))
                break
        else:
            kind = "para"
            if stripped.startswith("> "):
                kind = "callout"
            elif stripped.startswith("~ "):
                kind = "small"
            parts: list[str] = []
            while i < len(lines):
                current = lines[i].strip()
                if not current or current.startswith(("#", "|", "<!--", "- ", "Table: ")):
                    break
                if kind == "para" and current.startswith(("> ", "~ ")):
                    break
                parts.append(current[2:] if kind != "para" and current[:2] in ("> ", "~ ") else current)
                i += 1
            if not parts:
                raise ValueError(f"cannot parse source line {i + 1}: {stripped!r}")
            blocks.append(Block(kind, " ".join(parts)))
    return blocks


def to_markup(text: str) -> str:
    """Escape ``text`` for reportlab and convert ``**bold**`` to ``<b>``."""
    return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", escape(text))


def plain(text: str) -> str:
    """Return ``text`` without inline emphasis markers."""
    return text.replace("**", "")


def check_meta(meta: dict[str, Any], source: Path) -> None:
    """Validate a sidecar metadata mapping taken from a source file."""
    if tuple(meta) != META_KEYS:
        raise ValueError(f"{source.name}: meta keys must be exactly {META_KEYS}")
    if meta["doc_type"] not in DOC_TYPES:
        raise ValueError(f"{source.name}: unknown doc_type {meta['doc_type']!r}")
    for key in ("effective_date", "expiry_date"):
        if not isinstance(meta[key], dt.date):
            raise ValueError(f"{source.name}: {key} must be a YYYY-MM-DD date")


def write_sidecar(meta: dict[str, Any], output: Path) -> Path:
    """Write ``<stem>.meta.yaml`` next to ``output`` with keys in fixed order."""
    sidecar = output.with_name(output.name[: -len(output.suffix)] + ".meta.yaml")
    lines = []
    for key in META_KEYS:
        value = meta[key]
        if isinstance(value, dt.date):
            rendered = value.isoformat()
        else:
            rendered = '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
        lines.append(f"{key}: {rendered}")
    sidecar.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return sidecar


def fixed_datetime(day: dt.date) -> dt.datetime:
    """Return a deterministic timestamp (09:00) on ``day``."""
    return dt.datetime(day.year, day.month, day.day, 9, 0, 0)


def normalize_zip(path: Path) -> None:
    """Rewrite an OOXML package with fixed member timestamps and attributes."""
    with zipfile.ZipFile(path) as source:
        members = [(info.filename, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w") as target:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            target.writestr(info, data)


# ---------------------------------------------------------------------------
# PDF rendering
# ---------------------------------------------------------------------------


def pdf_styles(base_size: float) -> dict[str, ParagraphStyle]:
    """Return the paragraph styles used by the PDF renderer."""
    leading = base_size * 1.38
    common = {"fontName": "Helvetica", "embeddedHyphenation": 0, "hyphenationLang": ""}
    body = ParagraphStyle("body", fontSize=base_size, leading=leading, spaceAfter=5, **common)
    return {
        "body": body,
        "title": ParagraphStyle(
            "title",
            parent=body,
            fontName="Helvetica-Bold",
            fontSize=base_size + 7,
            leading=(base_size + 7) * 1.25,
            spaceAfter=8,
            textColor=colors.Color(*[c / 255 for c in BRAND_BLUE]),
        ),
        "subtitle": ParagraphStyle(
            "subtitle",
            parent=body,
            fontName="Helvetica-Oblique",
            fontSize=base_size + 1,
            leading=(base_size + 1) * 1.35,
            spaceAfter=6,
        ),
        "byline": ParagraphStyle("byline", parent=body, fontSize=base_size - 0.5, spaceAfter=3),
        "h1": ParagraphStyle(
            "h1",
            parent=body,
            fontName="Helvetica-Bold",
            fontSize=base_size + 2.5,
            leading=(base_size + 2.5) * 1.3,
            spaceBefore=10,
            spaceAfter=5,
            keepWithNext=1,
            textColor=colors.Color(*[c / 255 for c in BRAND_BLUE]),
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=body,
            fontName="Helvetica-Bold",
            fontSize=base_size + 0.5,
            leading=(base_size + 0.5) * 1.3,
            spaceBefore=6,
            spaceAfter=3,
            keepWithNext=1,
        ),
        "h3": ParagraphStyle(
            "h3",
            parent=body,
            fontName="Helvetica-BoldOblique",
            fontSize=base_size,
            spaceBefore=4,
            spaceAfter=2,
            keepWithNext=1,
        ),
        "caption": ParagraphStyle(
            "caption",
            parent=body,
            fontName="Helvetica-Bold",
            fontSize=base_size - 0.5,
            spaceBefore=4,
            spaceAfter=4,
            keepWithNext=1,
        ),
        "cell": ParagraphStyle(
            "cell",
            parent=body,
            fontSize=base_size - 1.5,
            leading=(base_size - 1.5) * 1.25,
            spaceAfter=0,
        ),
        "cellhead": ParagraphStyle(
            "cellhead",
            parent=body,
            fontName="Helvetica-Bold",
            fontSize=base_size - 1.5,
            leading=(base_size - 1.5) * 1.25,
            spaceAfter=0,
            textColor=colors.white,
        ),
        "small": ParagraphStyle(
            "small",
            parent=body,
            fontSize=base_size - 2,
            leading=(base_size - 2) * 1.3,
            spaceAfter=3,
        ),
        "callout": ParagraphStyle("callout", parent=body, spaceAfter=0),
        "disclaimer": ParagraphStyle(
            "disclaimer",
            parent=body,
            fontName="Helvetica-Bold",
            fontSize=base_size,
            alignment=TA_CENTER,
            textColor=colors.Color(0.6, 0.05, 0.05),
            spaceAfter=0,
        ),
    }


def boxed(flowable: Paragraph, width: float, border: colors.Color, fill: colors.Color) -> Table:
    """Wrap ``flowable`` in a single-cell bordered, shaded table."""
    box = Table([[flowable]], colWidths=[width])
    box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1, border),
                ("BACKGROUND", (0, 0), (-1, -1), fill),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return box


def pdf_table(block: Block, width: float, styles: dict[str, ParagraphStyle]) -> Table:
    """Build a reportlab table with a shaded header row from a table block."""
    ncols = len(block.rows[0])
    weights = block.widths or [2.0] + [1.0] * (ncols - 1)
    col_widths = [width * w / sum(weights) for w in weights]
    data = [
        [Paragraph(to_markup(cell), styles["cellhead" if r == 0 else "cell"]) for cell in row]
        for r, row in enumerate(block.rows)
    ]
    table = Table(data, colWidths=col_widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(*[c / 255 for c in BRAND_BLUE])),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.Color(0.93, 0.95, 0.97)]),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.Color(0.6, 0.65, 0.7)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def running_canvas(header: str, footer: str) -> type[rl_canvas.Canvas]:
    """Return a canvas class that draws the running header and footer.

    Pages are buffered so that the footer can say "Page N of M".
    """

    class RunningCanvas(rl_canvas.Canvas):
        """Canvas that defers page output until the page count is known."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab API name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._draw_running(number, total)
                super().showPage()
            super().save()

        def _draw_running(self, number: int, total: int) -> None:
            page_width, page_height = self._pagesize
            margin = 0.75 * inch
            self.saveState()
            self.setStrokeColorRGB(0.6, 0.65, 0.7)
            self.setLineWidth(0.5)
            self.setFont("Helvetica-Bold", 8)
            self.setFillColorRGB(*[c / 255 for c in BRAND_BLUE])
            self.drawString(margin, page_height - 0.5 * inch, header)
            self.line(margin, page_height - 0.56 * inch, page_width - margin, page_height - 0.56 * inch)
            self.line(margin, 0.62 * inch, page_width - margin, 0.62 * inch)
            self.setFont("Helvetica", 7.5)
            self.setFillColorRGB(0.25, 0.25, 0.25)
            self.drawString(margin, 0.48 * inch, footer)
            self.drawString(margin, 0.34 * inch, DISCLAIMER)
            self.drawRightString(page_width - margin, 0.48 * inch, f"Page {number} of {total}")
            self.restoreState()

    return RunningCanvas


def render_pdf(front: dict[str, Any], blocks: list[Block], output: Path) -> None:
    """Render a flowing document to a byte-reproducible PDF."""
    meta = front["meta"]
    pagesize = A4 if front.get("page_size") == "A4" else letter
    styles = pdf_styles(float(front.get("font_size", 10)))
    margin = 0.75 * inch
    doc = SimpleDocTemplate(
        str(output),
        pagesize=pagesize,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=0.85 * inch,
        bottomMargin=0.85 * inch,
        title=meta["title"],
        author=str(meta["owner"]),
        subject=DISCLAIMER,
        creator="corpus/build.py",
        invariant=1,
    )
    width = doc.width
    story: list[Any] = [
        boxed(
            Paragraph(escape(DISCLAIMER), styles["disclaimer"]),
            width,
            colors.Color(0.6, 0.05, 0.05),
            colors.Color(1.0, 0.95, 0.93),
        ),
        Spacer(1, 8),
        Paragraph(to_markup(front["title"]), styles["title"]),
    ]
    if front.get("subtitle"):
        story.append(Paragraph(to_markup(front["subtitle"]), styles["subtitle"]))
    for line in front.get("byline", []):
        story.append(Paragraph(to_markup(line), styles["byline"]))
    story.append(Spacer(1, 6))
    pending_caption: Paragraph | None = None
    for block in blocks:
        if block.kind == "pagebreak":
            story.append(PageBreak())
        elif block.kind in ("h1", "h2", "h3"):
            story.append(Paragraph(to_markup(block.text), styles[block.kind]))
        elif block.kind == "para":
            story.append(Paragraph(to_markup(block.text), styles["body"]))
        elif block.kind == "small":
            story.append(Paragraph(to_markup(block.text), styles["small"]))
        elif block.kind == "caption":
            pending_caption = Paragraph(to_markup(block.text), styles["caption"])
        elif block.kind == "callout":
            story.append(Spacer(1, 3))
            story.append(
                boxed(
                    Paragraph(to_markup(block.text), styles["callout"]),
                    width,
                    colors.Color(*[c / 255 for c in BRAND_TEAL]),
                    colors.Color(0.92, 0.97, 0.97),
                )
            )
            story.append(Spacer(1, 7))
        elif block.kind in ("bullets", "numbered"):
            items = [ListItem(Paragraph(to_markup(t), styles["body"]), leftIndent=14) for t in block.items]
            story.append(
                ListFlowable(
                    items,
                    bulletType="bullet" if block.kind == "bullets" else "1",
                    start="\u2022" if block.kind == "bullets" else None,
                    leftIndent=14,
                    bulletFontSize=styles["body"].fontSize - 1,
                )
            )
        elif block.kind == "table":
            table = pdf_table(block, width, styles)
            parts: list[Any] = [pending_caption] if pending_caption else []
            if not parts and isinstance(story[-1], Paragraph) and story[-1].style.name in ("h1", "h2", "h3"):
                parts.append(story.pop())
            story.append(KeepTogether(parts + [table]))
            story.append(Spacer(1, 8))
            pending_caption = None
        else:
            raise ValueError(f"unsupported block kind {block.kind!r}")
    running = front.get("running_header", meta["title"])
    header = f"{running} - FICTIONAL"
    footer = f"{meta['approval_id']} | Version {meta['version']} | {running}"
    doc.build(story, canvasmaker=running_canvas(header, footer))


# ---------------------------------------------------------------------------
# DOCX rendering
# ---------------------------------------------------------------------------


def add_page_field(paragraph: Any) -> None:
    """Append a PAGE field to a python-docx paragraph."""
    run = paragraph.add_run()
    for tag, attr in (("w:fldChar", "begin"), ("w:instrText", None), ("w:fldChar", "end")):
        element = OxmlElement(tag)
        if attr:
            element.set(docx_qn("w:fldCharType"), attr)
        else:
            element.set(docx_qn("xml:space"), "preserve")
            element.text = " PAGE "
        run._r.append(element)


def add_docx_runs(paragraph: Any, text: str) -> None:
    """Add ``text`` to ``paragraph``, honouring ``**bold**`` spans."""
    for index, part in enumerate(re.split(r"\*\*", text)):
        if part:
            paragraph.add_run(part).bold = index % 2 == 1


def render_docx(front: dict[str, Any], blocks: list[Block], output: Path) -> None:
    """Render a flowing document to DOCX with Heading styles and tables."""
    meta = front["meta"]
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = DocxPt(11)
    section = document.sections[0]
    header_par = section.header.paragraphs[0]
    header_par.text = f"{front.get('running_header', meta['title'])} - FICTIONAL | {DISCLAIMER}"
    header_par.runs[0].font.size = DocxPt(8)
    footer_par = section.footer.paragraphs[0]
    footer_run = footer_par.add_run(f"{meta['approval_id']} | Version {meta['version']} | {DISCLAIMER} | Page ")
    footer_run.font.size = DocxPt(8)
    add_page_field(footer_par)
    disclaimer = document.add_paragraph()
    run = disclaimer.add_run(DISCLAIMER)
    run.bold = True
    run.font.color.rgb = DocxRGB(0x99, 0x0D, 0x0D)
    disclaimer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(plain(front["title"]), style="Title")
    if front.get("subtitle"):
        document.add_paragraph(plain(front["subtitle"]), style="Subtitle")
    for line in front.get("byline", []):
        document.add_paragraph(plain(line))
    pending_caption: str | None = None
    for block in blocks:
        if block.kind == "pagebreak":
            document.add_page_break()
        elif block.kind in ("h1", "h2", "h3"):
            document.add_heading(plain(block.text), level=int(block.kind[1]))
        elif block.kind == "para":
            add_docx_runs(document.add_paragraph(), block.text)
        elif block.kind == "small":
            par = document.add_paragraph()
            add_docx_runs(par, block.text)
            for r in par.runs:
                r.font.size = DocxPt(8.5)
        elif block.kind == "callout":
            add_docx_runs(document.add_paragraph(style="Intense Quote"), block.text)
        elif block.kind == "caption":
            pending_caption = block.text
        elif block.kind in ("bullets", "numbered"):
            style = "List Bullet" if block.kind == "bullets" else "List Number"
            for item in block.items:
                add_docx_runs(document.add_paragraph(style=style), item)
        elif block.kind == "table":
            if pending_caption:
                caption = document.add_paragraph()
                caption.add_run(plain(pending_caption)).bold = True
                pending_caption = None
            table = document.add_table(rows=len(block.rows), cols=len(block.rows[0]))
            table.style = document.styles["Light Grid Accent 1"]
            for r, row in enumerate(block.rows):
                for c, value in enumerate(row):
                    table.cell(r, c).text = plain(value)
            document.add_paragraph()
        else:
            raise ValueError(f"unsupported block kind {block.kind!r}")
    props = document.core_properties
    stamp = fixed_datetime(meta["effective_date"])
    props.title = meta["title"]
    props.subject = DISCLAIMER
    props.author = str(meta["owner"])
    props.last_modified_by = str(meta["owner"])
    props.comments = DISCLAIMER
    props.keywords = "LUMERZA; lumeracept; fictional sample"
    props.identifier = meta["approval_id"]
    props.version = str(meta["version"])
    props.revision = 1
    props.created = stamp
    props.modified = stamp
    props.last_printed = stamp
    document.save(str(output))
    normalize_zip(output)


# ---------------------------------------------------------------------------
# Markdown rendering
# ---------------------------------------------------------------------------


def render_markdown(front: dict[str, Any], blocks: list[Block], output: Path) -> None:
    """Render a flowing document to Markdown with a visible disclaimer."""
    meta = front["meta"]
    out: list[str] = [
        f"# {plain(front['title'])}",
        "",
        f"**{DISCLAIMER}**",
        "",
        f"*{meta['approval_id']} | Version {meta['version']} | Effective {meta['effective_date'].isoformat()}*",
        "",
    ]
    if front.get("subtitle"):
        out += [plain(front["subtitle"]), ""]
    for block in blocks:
        if block.kind in ("h1", "h2", "h3"):
            out += ["#" * (int(block.kind[1]) + 1) + " " + block.text, ""]
        elif block.kind == "para":
            out += [block.text, ""]
        elif block.kind == "small":
            out += [f"*{block.text}*", ""]
        elif block.kind == "callout":
            out += [f"> {block.text}", ""]
        elif block.kind == "caption":
            out += [f"**{block.text}**", ""]
        elif block.kind == "bullets":
            out += [f"- {item}" for item in block.items] + [""]
        elif block.kind == "numbered":
            out += [f"{n}. {item}" for n, item in enumerate(block.items, start=1)] + [""]
        elif block.kind == "table":
            header, *rows = block.rows
            out.append("| " + " | ".join(header) + " |")
            out.append("|" + "|".join(" --- " for _ in header) + "|")
            out += ["| " + " | ".join(row) + " |" for row in rows]
            out.append("")
        elif block.kind == "pagebreak":
            continue
        else:
            raise ValueError(f"unsupported block kind {block.kind!r}")
    out += ["---", "", f"*{DISCLAIMER}*", ""]
    output.write_text("\n".join(out), encoding="utf-8")


# ---------------------------------------------------------------------------
# PPTX rendering
# ---------------------------------------------------------------------------

SLIDE_WIDTH = Inches(13.333)
SLIDE_HEIGHT = Inches(7.5)


def set_bullet(paragraph: Any, level: int) -> None:
    """Give a python-pptx paragraph a visible bullet character."""
    props = paragraph._p.get_or_add_pPr()
    indent = 0.3 + 0.35 * level
    props.set("marL", str(int(Inches(indent))))
    props.set("indent", str(int(-Inches(0.28))))
    bullet = props.makeelement(pptx_qn("a:buChar"), {"char": "\u2022" if level == 0 else "\u2013"})
    props.append(bullet)


def add_textbox(
    slide: Any,
    left: float,
    top: float,
    width: float,
    height: float,
    text: str,
    size: float,
    bold: bool = False,
    rgb: tuple[int, int, int] = (0x33, 0x33, 0x33),
) -> Any:
    """Add a single-paragraph, word-wrapped text box to ``slide``."""
    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    frame = box.text_frame
    frame.word_wrap = True
    frame.text = text
    for run in frame.paragraphs[0].runs:
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.color.rgb = RGBColor(*rgb)
    return box


def add_pptx_table(slide: Any, spec: dict[str, Any], top: float, font_size: float) -> None:
    """Add a native PowerPoint table described by ``spec`` to ``slide``."""
    rows = [spec["columns"]] + spec["rows"]
    weights = spec.get("widths") or [2.0] + [1.0] * (len(spec["columns"]) - 1)
    total_width = 12.1
    shape = slide.shapes.add_table(
        len(rows), len(spec["columns"]), Inches(0.6), Inches(top), Inches(total_width), Inches(0.42 * len(rows))
    )
    table = shape.table
    for c, weight in enumerate(weights):
        table.columns[c].width = Inches(total_width * weight / sum(weights))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            cell = table.cell(r, c)
            cell.text = str(value)
            for paragraph in cell.text_frame.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(font_size)
                    run.font.bold = r == 0


def render_pptx(spec: dict[str, Any], output: Path) -> None:
    """Render a slide-deck specification to PPTX with speaker notes."""
    meta = spec["meta"]
    prs = Presentation()
    prs.slide_width = SLIDE_WIDTH
    prs.slide_height = SLIDE_HEIGHT
    footer_text = f"{DISCLAIMER} | {meta['approval_id']} | Version {meta['version']}"
    total = len(spec["slides"])
    for number, slide_spec in enumerate(spec["slides"], start=1):
        if slide_spec.get("layout") == "title":
            slide = prs.slides.add_slide(prs.slide_layouts[0])
            title = slide.shapes.title
            title.left, title.top, title.width, title.height = Inches(0.8), Inches(1.6), Inches(11.7), Inches(1.6)
            title.text = slide_spec["title"]
            for run in title.text_frame.paragraphs[0].runs:
                run.font.size = Pt(40)
                run.font.bold = True
                run.font.color.rgb = RGBColor(*BRAND_BLUE)
            subtitle = slide.placeholders[1]
            subtitle.left, subtitle.top = Inches(0.8), Inches(3.3)
            subtitle.width, subtitle.height = Inches(11.7), Inches(1.6)
            subtitle.text = slide_spec.get("subtitle", "")
            for paragraph in subtitle.text_frame.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(22)
            add_textbox(slide, 0.8, 5.2, 11.7, 0.8, DISCLAIMER, 20, bold=True, rgb=(0x99, 0x0D, 0x0D))
        else:
            slide = prs.slides.add_slide(prs.slide_layouts[5])
            title = slide.shapes.title
            title.left, title.top, title.width, title.height = Inches(0.6), Inches(0.3), Inches(12.1), Inches(0.95)
            title.text = slide_spec["title"]
            title_par = title.text_frame.paragraphs[0]
            title_par.alignment = PP_ALIGN.LEFT
            for run in title_par.runs:
                run.font.size = Pt(28)
                run.font.bold = True
                run.font.color.rgb = RGBColor(*BRAND_BLUE)
            top = 1.4
            bullets = slide_spec.get("bullets", [])
            if bullets:
                size = float(slide_spec.get("font_size", 22))
                lines = sum(-(-len(item) // 75) for item in bullets)
                height = min(5.3, 0.42 * lines + 0.15 * len(bullets) + 0.2) if slide_spec.get("table") else 5.3
                box = slide.shapes.add_textbox(Inches(0.6), Inches(top), Inches(12.1), Inches(height))
                frame = box.text_frame
                frame.word_wrap = True
                for index, item in enumerate(bullets):
                    level = 1 if item.startswith("~ ") else 0
                    paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
                    paragraph.text = item[2:] if level else item
                    set_bullet(paragraph, level)
                    paragraph.space_after = Pt(6)
                    for run in paragraph.runs:
                        run.font.size = Pt(size - 2 * level)
                        run.font.color.rgb = RGBColor(0x22, 0x22, 0x22)
                top += height + 0.15
            if slide_spec.get("table"):
                add_pptx_table(slide, slide_spec["table"], top, float(slide_spec["table"].get("font_size", 16)))
        add_textbox(slide, 0.6, 6.95, 10.8, 0.4, footer_text, 10, rgb=(0x66, 0x66, 0x66))
        add_textbox(slide, 11.6, 6.95, 1.2, 0.4, f"{number} / {total}", 10, rgb=(0x66, 0x66, 0x66))
        notes = slide_spec.get("notes", "").strip()
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
    props = prs.core_properties
    stamp = fixed_datetime(meta["effective_date"])
    props.title = meta["title"]
    props.subject = DISCLAIMER
    props.author = str(meta["owner"])
    props.last_modified_by = str(meta["owner"])
    props.comments = DISCLAIMER
    props.keywords = "LUMERZA; lumeracept; fictional sample"
    props.identifier = meta["approval_id"]
    props.version = str(meta["version"])
    props.revision = 1
    props.created = stamp
    props.modified = stamp
    props.last_printed = stamp
    prs.save(str(output))
    normalize_zip(output)


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------

FLOWING_RENDERERS: dict[str, Callable[[dict[str, Any], list[Block], Path], None]] = {
    ".pdf": render_pdf,
    ".docx": render_docx,
    ".md": render_markdown,
}


def build_source(source: Path) -> Path:
    """Build the output document and sidecar described by one source file."""
    if source.suffix == ".yaml":
        spec = yaml.safe_load(source.read_text(encoding="utf-8"))
        check_meta(spec["meta"], source)
        output = CORPUS_DIR / spec["output"]
        render_pptx(spec, output)
        meta = spec["meta"]
    else:
        front, body = split_front_matter(source.read_text(encoding="utf-8"))
        check_meta(front["meta"], source)
        output = CORPUS_DIR / front["output"]
        FLOWING_RENDERERS[output.suffix](copy.deepcopy(front), parse_blocks(body), output)
        meta = front["meta"]
    write_sidecar(meta, output)
    return output


def main() -> None:
    """Rebuild every corpus document from ``corpus/src``."""
    sources = sorted(p for p in SRC_DIR.iterdir() if p.suffix in (".md", ".yaml"))
    outputs = [build_source(source) for source in sources]
    print(f"built {len(outputs)} documents (+ sidecars) in {CORPUS_DIR}")


if __name__ == "__main__":
    main()
