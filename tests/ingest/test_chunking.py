from ingest.chunking import ChunkingConfig, chunk_document
from ingest.loaders import load_document
from ingest.model import Block, ParsedDocument
from tests import samples


def test_chunks_never_span_pages_and_carry_sections(label_pdf):
    doc = load_document(label_pdf, "label.pdf")
    chunks = chunk_document(doc)
    assert {c.page for c in chunks} == {1, 2, 3, 4}
    dosing = [c for c in chunks if "150 mg" in c.text]
    assert len(dosing) == 1 and dosing[0].page == 2 and dosing[0].section == "2 DOSAGE AND ADMINISTRATION"


def test_prose_is_split_by_size_with_sentence_overlap():
    sentences = [f"Sentence number {i} has exactly eight words." for i in range(30)]
    doc = ParsedDocument(
        "x.txt", "txt", "page", 1, [Block(1, "heading", "Intro", 1), Block(1, "paragraph", " ".join(sentences))]
    )
    chunks = chunk_document(doc, ChunkingConfig(max_words=40, overlap_sentences=1))
    assert len(chunks) > 5
    assert all(len(c.text.split()) <= 40 for c in chunks)
    # each chunk after the first starts with the last sentence of the one before
    for prev, nxt in zip(chunks, chunks[1:], strict=False):
        assert nxt.text.startswith(prev.text.split(". ")[-1].rstrip(".")[:20])
    assert all(c.section == "Intro" for c in chunks)


def test_small_tables_stay_whole_and_large_ones_repeat_the_header():
    rows = ["Reaction | Drug | Placebo"] + [f"Reaction {i} | {i}.0% | 0.{i}%" for i in range(60)]
    doc = ParsedDocument(
        "t.txt", "txt", "page", 1, [Block(1, "table", "\n".join(rows[:5])), Block(1, "table", "\n".join(rows))]
    )
    chunks = chunk_document(doc, ChunkingConfig(table_max_words=60))
    assert chunks[0].kind == "table" and chunks[0].text == "\n".join(rows[:5])
    big = chunks[1:]
    assert len(big) > 2 and all(c.text.startswith("Reaction | Drug | Placebo") for c in big)
    assert sum(len(c.text.split("\n")) - 1 for c in big) == 60


def test_a_slide_is_one_chunk_with_its_notes():
    doc = load_document(samples.deck_pptx(), "deck.pptx")
    chunks = chunk_document(doc)
    slide2 = [c for c in chunks if c.page == 2]
    assert len(slide2) == 1
    assert "p19" in slide2[0].text and "half-life" in slide2[0].text
    assert slide2[0].section == "Mechanism of action"
