"""Small sample files made by the tests themselves (fictional product "Zorbex"), their approval
metadata, and the one way tests build a :class:`~hub.service.Hub`."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hub.embedding import Embedder
    from hub.service import Hub
    from ingest.metadata import DocumentMetadata

# Approval metadata of the Zorbex label: approved, in date on the tests' fixed day (2026-11-25).
ZORBEX_META: dict[str, str] = {
    "title": "Zorbex Prescribing Information",
    "doc_type": "label",
    "product": "Zorbex",
    "therapeutic_area": "Dermatology",
    "version": "1.0",
    "status": "approved",
    "effective_date": "2026-01-01",
    "expiry_date": "2027-12-31",
    "owner": "Test Owner",
}


def zorbex_meta(**fields: Any) -> DocumentMetadata:
    """:data:`ZORBEX_META` with ``fields`` replaced, parsed as an upload's metadata would be."""
    from ingest.metadata import parse_metadata

    return parse_metadata({**ZORBEX_META, **fields})


def build_hub(
    data_dir: Path,
    embedder: Embedder | None,
    *,
    today: dt.date | None = None,
    now: Callable[[], dt.datetime] | None = None,
    **settings: Any,
) -> Hub:
    """A Hub on ``data_dir`` sharing the session's model; ``today`` or ``now`` fix its clock."""
    from hub.service import Hub
    from hub.settings import Settings

    clock = (lambda: today) if today is not None else None
    return Hub(Settings(data_dir=data_dir, **settings), clock=clock, now=now, embedder=embedder)


LABEL_PAGES = [
    (
        "1 INDICATIONS AND USAGE",
        [
            "Zorbex is indicated for the treatment of adults with moderate-to-severe plaque psoriasis who are "
            "candidates for systemic therapy or phototherapy."
        ],
    ),
    (
        "2 DOSAGE AND ADMINISTRATION",
        [
            "The recommended dose of Zorbex is 150 mg given by subcutaneous injection at week 0 and week 4, "
            "then every 12 weeks thereafter.",
            "Inject into the thigh, the abdomen or the back of the upper arm.",
        ],
    ),
    (
        "4 CONTRAINDICATIONS",
        [
            "Zorbex is contraindicated in patients with a history of serious hypersensitivity to zorbexumab "
            "or to any of the excipients."
        ],
    ),
    (
        "6 ADVERSE REACTIONS",
        [
            "The most common adverse reactions were upper respiratory tract infections and headache.",
            "Injection site reactions occurred in 3.2% of patients treated with Zorbex compared with 1.1% of "
            "patients who received placebo.",
        ],
    ),
]


def pdf_from_pages(pages: list[tuple[str, list[str]]], *, footer: str | None = None) -> bytes:
    """A text PDF with one heading and its paragraphs per page, and an optional running footer."""
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    styles = getSampleStyleSheet()
    buf = io.BytesIO()

    def draw_footer(canvas, doc) -> None:  # type: ignore[no-untyped-def]
        if footer:
            canvas.setFont("Helvetica", 8)
            canvas.drawString(72, 30, f"{footer} - Page {doc.page}")

    doc = SimpleDocTemplate(buf, pagesize=letter, invariant=1)
    story = []
    for i, (heading, paras) in enumerate(pages):
        if i:
            story.append(PageBreak())
        story.append(Paragraph(heading, styles["Heading1"]))
        story.extend(Paragraph(p, styles["Normal"]) for p in paras)
    doc.build(story, onFirstPage=draw_footer, onLaterPages=draw_footer)
    return buf.getvalue()


def label_pdf(footer: str = "Zorbex Prescribing Information - FICTIONAL") -> bytes:
    return pdf_from_pages(LABEL_PAGES, footer=footer)


def image_only_pdf() -> bytes:
    """A PDF with drawings but no text layer, like a scan."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter, invariant=1)
    for _ in range(2):
        c.rect(100, 100, 300, 400, fill=1)
        c.circle(300, 600, 50, fill=1)
        c.showPage()
    c.save()
    return buf.getvalue()


def encrypted_pdf(source: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(source)).pages:
        writer.add_page(page)
    writer.encrypt(user_password="s3cret", owner_password="owner", algorithm="AES-256")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def deck_pptx(footer: bool = False) -> bytes:
    """Three slides: title, a bullet slide with notes, and a table slide (each with a footer box
    and an "n / 3" slide number drawn as text boxes when ``footer``)."""
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    s1 = prs.slides.add_slide(prs.slide_layouts[0])
    s1.shapes.title.text = "Zorbex clinical overview"
    s1.placeholders[1].text = "Fictional sample deck for tests"
    s2 = prs.slides.add_slide(prs.slide_layouts[1])
    s2.shapes.title.text = "Mechanism of action"
    s2.placeholders[
        1
    ].text = "Zorbex binds the p19 subunit of interleukin-23.\nIt blocks signalling of the IL-23 receptor."
    s2.notes_slide.notes_text_frame.text = "Speaker note: the terminal half-life of Zorbex is about 28 days."
    s3 = prs.slides.add_slide(prs.slide_layouts[5])
    s3.shapes.title.text = "Week 16 efficacy"
    table = s3.shapes.add_table(3, 3, Inches(1), Inches(2), Inches(6), Inches(2)).table
    for r, row in enumerate(
        [["Endpoint", "Zorbex", "Placebo"], ["PASI 90", "72.4%", "3.1%"], ["IGA 0/1", "84.0%", "5.2%"]]
    ):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    if footer:
        for n, slide in enumerate(prs.slides, start=1):
            slide.shapes.add_textbox(
                Inches(0.5), Inches(7), Inches(6), Inches(0.3)
            ).text_frame.text = "Zorbex medical affairs | Approval ZX-2026-001 | Version 2.0"
            slide.shapes.add_textbox(Inches(9), Inches(7), Inches(1), Inches(0.3)).text_frame.text = f"{n} / 3"
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


def faq_docx() -> bytes:
    import docx

    d = docx.Document()
    d.add_heading("Zorbex dosing FAQ", 1)
    d.add_heading("Missed dose", 2)
    d.add_paragraph("If a dose is missed, administer it as soon as possible and resume the usual schedule.")
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "Strength", "Pack"
    t.cell(1, 0).text, t.cell(1, 1).text = "150 mg/mL", "One prefilled pen"
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


MARKDOWN = b"""# Storage guide

## Refrigeration

Store Zorbex pens in a refrigerator at 2 to 8 degrees Celsius in the original carton.

- Do not freeze.
- Do not shake.

| Condition | Limit |
|---|---|
| Room temperature | 30 days |
"""

HTML = b"""<html><head><title>x</title><script>var tracking = 1;</script></head><body>
<nav>Home | About</nav>
<h1>Zorbex travel guide</h1><p>Carry the pen in its insulated travel case when flying.</p>
<ul><li>Keep it in hand luggage.</li></ul>
<table><tr><th>Item</th><th>Advice</th></tr><tr><td>Security</td><td>Show the letter</td></tr></table>
</body></html>"""
