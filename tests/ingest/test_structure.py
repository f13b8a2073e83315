"""Document structure from real-looking PDFs the tests draw with reportlab: one rule per test."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest

from ingest.chunking import chunk_document
from ingest.loaders import load_document
from ingest.model import ParsedDocument

reportlab = pytest.importorskip("reportlab")

Draw = Callable[..., None]


def _pdf(pages: list[list[tuple]], *, width: float = 612, height: float = 792) -> bytes:
    """Each page is a list of (x, y, text, font, size) drawn in the given order."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(width, height), invariant=1)
    for page in pages:
        for x, y, text, font, size in page:
            c.setFont(font, size)
            c.drawString(x, y, text)
        c.showPage()
    c.save()
    return buf.getvalue()


def _load(data: bytes) -> ParsedDocument:
    return load_document(data, "doc.pdf")


def _body_lines(x: float, y: float, lines: list[str], size: float = 10, leading: float = 13) -> list[tuple]:
    return [(x, y - i * leading, text, "Helvetica", size) for i, text in enumerate(lines)]


def test_numbered_heading_in_a_larger_bold_font_is_a_heading_not_part_of_a_sentence() -> None:
    page = [
        (72, 720, "14.2 Cardiovascular Outcomes Trial", "Helvetica-Bold", 13),
        *_body_lines(
            72, 700, ["The trial enrolled 3297 patients with type 2 diabetes and", "established heart disease."]
        ),
        *_body_lines(72, 660, ["The hazard ratio for the first major event was 0.74 (95% CI 0.58, 0.95)."]),
    ]
    doc = _load(_pdf([page]))
    headings = [b for b in doc.blocks if b.kind == "heading"]
    assert [(h.text, h.level) for h in headings] == [("14.2 Cardiovascular Outcomes Trial", 2)]
    chunks = chunk_document(doc)
    assert all("Cardiovascular Outcomes Trial" not in c.text for c in chunks)
    assert chunks[0].section == "14.2 Cardiovascular Outcomes Trial"
    assert "The trial enrolled 3297 patients with type 2 diabetes and established heart disease." in chunks[0].text


def test_bullet_list_stays_under_its_lead_in_and_each_item_is_whole() -> None:
    page = [
        (72, 720, "4 CONTRAINDICATIONS", "Helvetica-Bold", 11),
        *_body_lines(72, 700, ["Zorbex is contraindicated in patients with the following conditions:"]),
        (72, 682, "\u2022 Active pathological bleeding [see Warnings and Precautions", "Helvetica", 10),
        (84, 669, "(5.2)]", "Helvetica", 10),
        (72, 652, "\u2022 Severe hypersensitivity reaction to Zorbex", "Helvetica", 10),
        *_body_lines(72, 620, ["Zorbex has not been studied in children."]),
    ]
    doc = _load(_pdf([page]))
    items = [b.text for b in doc.blocks if b.kind == "list_item"]
    assert items == [
        "\u2022 Active pathological bleeding [see Warnings and Precautions (5.2)]",
        "\u2022 Severe hypersensitivity reaction to Zorbex",
    ]
    (chunk,) = [c for c in chunk_document(doc) if "contraindicated" in c.text]
    lines = chunk.text.split("\n")
    assert lines[0].endswith("the following conditions:")
    assert lines[1:3] == items
    assert chunk.section_kind == "contraindications"


def test_line_numbers_of_a_draft_guidance_are_removed_from_sentences() -> None:
    lines = [
        "FDA encourages establishments to provide written responses to the",
        "observations within fifteen (15) U.S. business days after the end date of",
        "the inspection. Responses should include corrective actions.",
        "",
        "Inspections may be announced or unannounced, and the establishment",
        "should be ready at any time.",
    ]
    page = [(50, 700 - i * 14, str(240 + i), "Helvetica", 9) for i in range(len(lines))]
    page += [(90, 700 - i * 14, text, "Helvetica", 11) for i, text in enumerate(lines) if text]
    doc = _load(_pdf([page, page, page]))
    text = " ".join(b.text for b in doc.blocks if b.page == 1)
    assert "to the observations within fifteen (15) U.S. business days" in text
    for n in range(240, 246):
        assert str(n) not in text


def test_two_column_page_reads_left_column_then_right_column() -> None:
    left = [
        f"Left column sentence number {w} continues the first story." for w in ("one", "two", "three", "four", "five")
    ]
    right = [f"Right column line {w} tells a second story." for w in ("one", "two", "three", "four", "five")]
    page = [(72, 740, "A Two Column Article Title", "Helvetica-Bold", 16)]
    # Drawn row by row, left and right interleaved: the stream order is not the reading order.
    for i in range(5):
        page.append((50, 700 - i * 13, left[i], "Helvetica", 9))
        page.append((320, 700 - i * 13, right[i], "Helvetica", 9))
    doc = _load(_pdf([page]))
    text = " ".join(b.text for b in doc.blocks if b.kind != "heading")
    assert text.index("Left column sentence number five") < text.index("Right column line one")
    assert text.index("Left column sentence number one") < text.index("Left column sentence number two")


def test_label_highlights_page_and_prescribing_sections_get_their_section_kinds() -> None:
    highlights = [
        (72, 740, "HIGHLIGHTS OF PRESCRIBING INFORMATION", "Helvetica-Bold", 9),
        (72, 720, "----------DOSAGE AND ADMINISTRATION----------", "Helvetica-Bold", 9),
        (72, 708, "\u2022 The recommended dose is 5 mg orally twice daily. (2.1)", "Helvetica", 9),
        (72, 690, "----------CONTRAINDICATIONS----------", "Helvetica-Bold", 9),
        (72, 678, "\u2022 Active pathological bleeding (4)", "Helvetica", 9),
    ]
    full = [
        (72, 740, "FULL PRESCRIBING INFORMATION", "Helvetica-Bold", 11),
        (72, 720, "2 DOSAGE AND ADMINISTRATION", "Helvetica-Bold", 11),
        (72, 700, "The recommended dose of Zorbex is 5 mg taken orally twice daily.", "Helvetica", 10),
        (72, 676, "4 CONTRAINDICATIONS", "Helvetica-Bold", 11),
        (72, 656, "Zorbex is contraindicated in patients with active pathological bleeding.", "Helvetica", 10),
    ]
    leaflet = [
        (72, 740, "MEDICATION GUIDE", "Helvetica-Bold", 11),
        (72, 720, "What is Zorbex?", "Helvetica-Bold", 10),
        (72, 700, "Zorbex is a prescription medicine used to prevent blood clots.", "Helvetica", 10),
    ]
    chunks = chunk_document(_load(_pdf([highlights, full, leaflet])))
    kinds = {(c.page, c.section_kind) for c in chunks}
    assert (1, "highlights") in kinds
    assert {(2, "dosage"), (2, "contraindications")} <= kinds
    assert (3, "patient_info") in kinds
    dashed = [c.section for c in chunks if c.page == 1]
    assert all("---" not in s for s in dashed)


def test_table_rows_keep_their_header() -> None:
    page = [
        (72, 740, "Table 9: Key Efficacy Outcomes in the Trial", "Helvetica-Bold", 10),
        (250, 724, "Drug Placebo Hazard Ratio", "Helvetica-Bold", 9),
        (72, 710, "Stroke or systemic embolism 212 (1.27) 265 (1.60) 0.79 (0.66, 0.95)", "Helvetica", 9),
        (72, 697, "Hemorrhagic stroke 40 (0.24) 78 (0.47) 0.51 (0.35, 0.75)", "Helvetica", 9),
        *_body_lines(72, 660, ["The primary endpoint was the time to the first event in each patient of the trial."]),
    ]
    doc = _load(_pdf([page]))
    (table,) = [b for b in doc.blocks if b.kind == "table"]
    rows = table.text.split("\n")
    assert rows[0] == "Table 9: Key Efficacy Outcomes in the Trial Drug Placebo Hazard Ratio"
    assert rows[1].startswith("Stroke or systemic embolism 212 (1.27)")
    assert len(rows) == 3
    assert any(b.kind == "paragraph" and b.text.startswith("The primary endpoint") for b in doc.blocks)


def test_running_footer_and_reference_id_lines_are_removed() -> None:
    pages = [
        [
            *_body_lines(72, 700, [f"{topic} is what this page says something useful about."]),
            (72, 40, "Reference ID: 4870025", "Helvetica", 8),
            (300, 28, str(n), "Helvetica", 9),
        ]
        for n, topic in enumerate(["Dosing", "Renal impairment", "Pregnancy", "Overdose"], start=1)
    ]
    doc = _load(_pdf(pages))
    text = " ".join(b.text for b in doc.blocks)
    assert "Reference ID" not in text
    assert "Renal impairment is what this page says something useful about." in text


def test_a_block_drawn_last_but_placed_at_the_top_is_read_where_it_sits() -> None:
    # A label page whose boxed warning is drawn after the dosing text although it sits above it:
    # read in stream order, the next page's dosing would fall under the warning's heading.
    page = [
        (72, 740, "FULL PRESCRIBING INFORMATION", "Helvetica-Bold", 11),
        (72, 420, "1 INDICATIONS AND USAGE", "Helvetica-Bold", 11),
        *_body_lines(72, 400, ["Zorbex is indicated for adults with chronic plaque disease of the skin."]),
        (72, 300, "2 DOSAGE AND ADMINISTRATION", "Helvetica-Bold", 11),
        *_body_lines(72, 280, ["Inspect the pen before each use and inject under the skin."]),
        (72, 120, "2.2 Recommended Dosage", "Helvetica-Bold", 11),
        (150, 700, "WARNING: RISK OF SERIOUS INFECTIONS", "Helvetica-Bold", 11),
        *_body_lines(
            80, 680, [f"Boxed warning sentence {w} about serious infections." for w in ("one", "two", "three")]
        ),
    ]
    nxt = _body_lines(72, 740, ["The recommended dosage of Zorbex is 150 mg injected once every four weeks."])
    doc = _load(_pdf([page, nxt]))
    text = " ".join(b.text for b in doc.blocks)
    assert text.index("Boxed warning sentence three") < text.index("1 INDICATIONS AND USAGE")
    dosing = next(c for c in chunk_document(doc) if "150 mg" in c.text)
    assert "Recommended Dosage" in dosing.section and "WARNING" not in dosing.section
    assert dosing.section_kind == "dosage"


def test_a_title_case_line_in_the_body_font_above_a_sentence_is_a_heading_not_its_start() -> None:
    page = [
        (72, 740, "2.2 Recommended Dosage", "Helvetica-Bold", 11),
        (72, 720, "Recommended Maintenance Dosage", "Helvetica", 10),
        (72, 707, "The recommended maintenance dosage of Zorbex is 150 mg injected once every", "Helvetica", 10),
        (72, 694, "four weeks, based on the response.", "Helvetica", 10),
        *_body_lines(72, 670, ["Inspect each pen before use and discard any pen that looks damaged or cloudy."] * 4),
    ]
    doc = _load(_pdf([page]))
    headings = [b.text for b in doc.blocks if b.kind == "heading"]
    assert "Recommended Maintenance Dosage" in headings
    sentence = next(b.text for b in doc.blocks if "150 mg" in b.text)
    assert sentence.startswith("The recommended maintenance dosage")


def test_bold_boxed_warning_lines_wrap_into_one_item_and_never_become_headings() -> None:
    page = [
        (150, 740, "WARNING: RISK OF SERIOUS INFECTIONS", "Helvetica-Bold", 11),
        (72, 720, "\u2022 Zorbex increases the risk of serious infections that may lead to", "Helvetica-Bold", 10),
        (80, 707, "hospitalization or death in patients treated for plaque disease of", "Helvetica-Bold", 10),
        (80, 694, "the skin [see Warnings and Precautions (5.1)].", "Helvetica-Bold", 10),
    ]
    doc = _load(_pdf([page]))
    assert [b.text for b in doc.blocks if b.kind == "heading"] == ["WARNING: RISK OF SERIOUS INFECTIONS"]
    item = next(b for b in doc.blocks if b.kind == "list_item")
    assert "lead to hospitalization or death" in item.text and item.text.endswith("(5.1)].")
