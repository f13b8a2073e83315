from ingest.normalize import normalize_text, strip_repeated_lines
from ingest.sentences import split_sentences


def test_ligatures_soft_hyphens_and_spaces():
    assert normalize_text("signi\ufb01cant  e\ufb00ect\u00adive\u00a0dose") == "significant effective dose"


def test_words_hyphenated_across_lines_are_joined_but_real_hyphens_stay():
    assert normalize_text("the treat-\nment arm") == "the treatment arm"
    assert normalize_text("an IL-\n23 blocker") == "an IL-\n23 blocker"


def test_repeated_headers_and_footers_are_removed_even_with_page_numbers():
    pages = [f"ACME Label\nBody text {i} here.\nMore body.\nPage {i} of 5" for i in range(1, 6)]
    cleaned = strip_repeated_lines(pages)
    assert all("ACME Label" not in p and "Page" not in p for p in cleaned)
    assert cleaned[2] == "Body text 3 here.\nMore body."


def test_short_documents_keep_their_lines():
    pages = ["Title\nA", "Title\nB"]
    assert strip_repeated_lines(pages) == pages


def test_sentence_splitter_knows_scientific_abbreviations():
    text = "PASI 90 was 72.4% vs. 3.1% (p<0.001). See Fig. 2 in Smith et al. for details. Dose is 150 mg s.c. weekly."
    assert split_sentences(text) == [
        "PASI 90 was 72.4% vs. 3.1% (p<0.001).",
        "See Fig. 2 in Smith et al. for details.",
        "Dose is 150 mg s.c. weekly.",
    ]


def test_control_characters_such_as_pdf_bullet_glyphs_are_dropped():
    assert normalize_text("\x7f\nItem one\x07 here") == "Item one here"
