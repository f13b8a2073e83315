"""HTML rendering: everything escaped, [n] markers linked, quoted passages marked inside their chunk."""

from __future__ import annotations

from types import SimpleNamespace

from ui import render


def cite(n: int, quote: str, **kw: object) -> SimpleNamespace:
    base = dict(
        n=n,
        title="Label <b>x</b>",
        version="3.0",
        page_label="page 5",
        section="6 ADVERSE",
        quote=quote,
        source_file="label.pdf",
        chunk_id=f"c{n}",
    )
    base.update(kw)
    return SimpleNamespace(**base)


def test_markers_become_links_and_text_is_escaped() -> None:
    out = render.link_markers("Dose <script>alert(1)</script> is 150 mg [1] and [12].")
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "href='#cite-1'" in out and "data-cite='12'" in out


def test_quote_is_marked_inside_its_context_despite_line_breaks() -> None:
    context = "Before. The dose is\n150 mg <weekly>. After."
    out = render.highlight(context, "The dose is 150 mg <weekly>.")
    assert out == "Before. <mark>The dose is\n150 mg &lt;weekly&gt;.</mark> After."


def test_table_quote_marks_header_and_row_where_they_stand() -> None:
    context = "Reaction | Drug | Placebo\nHeadache | 4.9% | 3.4%\nInjection site | 3.6% | 1.0%"
    out = render.highlight(context, "Reaction | Drug | Placebo\nInjection site | 3.6% | 1.0%")
    assert out.count("<mark>") == 2
    assert "Headache | 4.9% | 3.4%" in out and "<mark>Headache" not in out


def test_quote_missing_from_context_is_still_shown() -> None:
    out = render.highlight("Some other text.", "The quote")
    assert out.startswith("<mark>The quote</mark>") and "Some other text." in out


def test_answer_block_links_each_citation_and_escapes_titles() -> None:
    ans = SimpleNamespace(refused=False, answer="A [1]. B [2].", reason=None, citations=[cite(1, "A."), cite(2, "B.")])
    out = render.answer(ans, {"c1": "x A. y", "c2": "B."}, "q <i>?</i>")
    assert "id='cite-1'" in out and "id='cite-2'" in out
    assert "Label &lt;b&gt;x&lt;/b&gt;" in out and "<b>x</b>" not in out
    assert "data-question='q &lt;i&gt;?&lt;/i&gt;'" in out
    assert "version 3.0 · page 5" in out


def test_refusal_says_so_and_suggests_a_medical_information_request() -> None:
    ans = SimpleNamespace(refused=True, answer="Not found in approved content.", reason="weak support", citations=[])
    out = render.answer(ans, {}, "Is it approved for <HS>?")
    assert "Not found in approved content." in out and "medical information request" in out
    assert "&lt;HS&gt;" in out and "<HS>" not in out


def test_table_escapes_cells() -> None:
    out = render.table(["a"], [["<img src=x>"]])
    assert "&lt;img" in out and "<img" not in out
    assert "Nothing" in render.table(["a"], [])


def test_section_path_shows_its_last_heading_in_the_summary_and_table_quotes_mark_both_parts() -> None:
    c = cite(1, "Dose | 150 mg", section="2 DOSAGE AND ADMINISTRATION > 2.1 Recommended Dosage")
    html = render.citation(c, "Table 1\nDose\nWeek 0: 150 mg\n")
    summary = html.split("<summary>")[1].split("</summary>")[0]
    assert "2.1 Recommended Dosage" in summary and "2 DOSAGE AND ADMINISTRATION" not in summary
    assert "2 DOSAGE AND ADMINISTRATION &gt; 2.1 Recommended Dosage" in html  # full path inside
    assert html.count("<mark>") == 2 and "<mark>Dose</mark>" in html and "<mark>150 mg</mark>" in html
