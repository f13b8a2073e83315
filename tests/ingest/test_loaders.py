"""Loaders keep page/slide numbers and turn bad files into clear errors."""

from __future__ import annotations

import pytest

from ingest.errors import CorruptFile, EncryptedFile, NoExtractableText, UnsafeFileName, UnsupportedFormat
from ingest.loaders import load_document, safe_file_name
from tests import samples


def _pages_with(doc, needle: str) -> set[int]:
    return {b.page for b in doc.blocks if needle in b.text}


def test_pdf_keeps_page_numbers_and_headings(label_pdf):
    doc = load_document(label_pdf, "label.pdf")
    assert doc.unit == "page" and doc.page_count == 4
    assert _pages_with(doc, "150 mg given by subcutaneous injection") == {2}
    assert _pages_with(doc, "Injection site reactions occurred in 3.2%") == {4}
    headings = [(b.page, b.text) for b in doc.blocks if b.kind == "heading"]
    assert (3, "4 CONTRAINDICATIONS") in headings


def test_pdf_running_footer_is_removed(label_pdf):
    doc = load_document(label_pdf, "label.pdf")
    assert not any("FICTIONAL" in b.text for b in doc.blocks)


def test_pptx_footers_and_slide_numbers_on_every_slide_are_dropped():
    doc = load_document(samples.deck_pptx(footer=True), "deck.pptx")
    texts = [b.text for b in doc.blocks]
    assert not any("Approval ZX-2026-001" in t or t.endswith("/ 3") for t in texts)
    assert "Zorbex binds the p19 subunit of interleukin-23." in texts
    # The title is a heading, not repeated as a body line.
    assert [b.kind for b in doc.blocks if b.text == "Mechanism of action"] == ["heading"]


def test_pptx_slides_tables_and_notes_keep_slide_numbers():
    doc = load_document(samples.deck_pptx(), "deck.pptx")
    assert doc.unit == "slide" and doc.page_count == 3
    assert _pages_with(doc, "p19 subunit of interleukin-23") == {2}
    notes = [b for b in doc.blocks if b.kind == "notes"]
    assert notes and notes[0].page == 2 and "half-life" in notes[0].text
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert tables and tables[0].page == 3 and "PASI 90 | 72.4% | 3.1%" in tables[0].text


def test_docx_headings_paragraphs_tables():
    doc = load_document(samples.faq_docx(), "faq.docx")
    kinds = {(b.kind, b.text) for b in doc.blocks}
    assert ("heading", "Missed dose") in kinds
    assert any(k == "table" and "150 mg/mL | One prefilled pen" in t for k, t in kinds)
    assert all(b.page == 1 for b in doc.blocks)


def test_markdown_and_html():
    md = load_document(samples.MARKDOWN, "guide.md")
    assert [b.text for b in md.blocks if b.kind == "heading"] == ["Storage guide", "Refrigeration"]
    assert any(b.kind == "list_item" and b.text == "Do not freeze." for b in md.blocks)
    assert any(b.kind == "table" and "Room temperature | 30 days" in b.text for b in md.blocks)
    html = load_document(samples.HTML, "travel.html")
    texts = " ".join(b.text for b in html.blocks)
    assert "insulated travel case" in texts and "tracking" not in texts and "Home | About" not in texts


def test_plain_text_numbered_sections():
    doc = load_document(b"2 DOSAGE\nGive 150 mg.\n\n2.1 Missed dose\nGive it soon.", "notes.txt")
    assert [(b.kind, b.level) for b in doc.blocks][:2] == [("heading", 1), ("paragraph", 0)]
    assert ("heading", 2) in [(b.kind, b.level) for b in doc.blocks]


@pytest.mark.parametrize(
    ("data", "name", "error", "words"),
    [
        (
            b"%PDF-1.7\n this is not really a pdf \x00\x01 trailer garbage",
            "broken.pdf",
            CorruptFile,
            "could not be read",
        ),
        (b"hello, I am text", "fake.pdf", CorruptFile, "not a PDF"),
        (b"", "empty.pdf", NoExtractableText, "empty"),
        (b"", "empty.txt", NoExtractableText, "empty"),
        (b"just some bytes, not a zip", "deck.pptx", CorruptFile, "not a ZIP"),
        (b"PK\x03\x04 broken zip", "deck.pptx", CorruptFile, "not a ZIP"),
        (b"\x00\x01\x02binary", "notes.txt", CorruptFile, "binary"),
        (b"abc", "virus.exe", UnsupportedFormat, "not supported"),
    ],
)
def test_bad_files_raise_clear_errors(data, name, error, words):
    with pytest.raises(error) as info:
        load_document(data, name)
    assert words in str(info.value)
    assert name in str(info.value)


def test_encrypted_pdf(label_pdf):
    with pytest.raises(EncryptedFile, match="password-protected"):
        load_document(samples.encrypted_pdf(label_pdf), "locked.pdf")


def test_image_only_pdf_is_no_extractable_text():
    with pytest.raises(NoExtractableText, match="no extractable text.*OCR"):
        load_document(samples.image_only_pdf(), "scan.pdf")


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.pdf", "a/b.pdf", "..\\evil.pdf", ".hidden.pdf", "x\x00y.pdf", "", "  "]
)
def test_unsafe_file_names(name):
    with pytest.raises(UnsafeFileName):
        safe_file_name(name)


def test_plain_names_pass():
    assert safe_file_name("LUMERZA label v3 (final).pdf") == "LUMERZA label v3 (final).pdf"
