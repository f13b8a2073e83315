"""Item 2 of issue 12: hostile files are refused with a 422 naming the limit, in a worker process."""

from __future__ import annotations

import pytest

from hub.errors import InvalidInput
from ingest.model import Chunk
from tests import samples
from tests.security import hostile


@pytest.fixture
def strict_hub(make_hub):
    """A hub with small parse limits, so each limit is reached by a small file."""
    return make_hub(package_max_part_mb=4, package_max_total_mb=8, parse_timeout_seconds=3)


@pytest.mark.parametrize(
    ("name", "make", "words"),
    [
        ("bomb.pptx", lambda: hostile.slide_bomb(6), "HUB_PACKAGE_MAX_RATIO"),
        ("laughs.docx", hostile.billion_laughs_docx, "DTD or entities"),
        ("deep.docx", lambda: hostile.deeply_nested_docx(3000), "malformed or unsafe XML"),
        ("broken.docx", hostile.malformed_docx, "malformed or unsafe XML"),
        ("stream.pdf", lambda: hostile.pdf_stream_bomb(120), "decompresses past"),
        ("slow.pdf", hostile.slow_pdf, "HUB_PARSE_TIMEOUT_SECONDS"),
    ],
)
def test_hostile_files_are_refused_naming_the_limit(strict_hub, meta, name, make, words):
    with pytest.raises(InvalidInput, match=words) as caught:
        strict_hub.ingestion.ingest_bytes(make(), name, meta(title=name))
    assert caught.value.status_code == 422 and caught.value.file == name
    assert strict_hub.catalog.counts()["versions"] == 0 and strict_hub.vectors.count() == 0
    # The worker's failure leaves the parser usable: the next, good file goes in.
    ok = strict_hub.ingestion.ingest_bytes(samples.label_pdf(), "label.pdf", meta())
    assert ok.outcome == "ingested" and ok.chunks > 0


def test_package_size_and_part_count_limits(make_hub, meta):
    # Ratio allowed: the decompressed sizes are what stop these (counted, not taken from the header).
    hub = make_hub(package_max_ratio=1_000_000, package_max_part_mb=4)
    with pytest.raises(InvalidInput, match="HUB_PACKAGE_MAX_PART_MB"):
        hub.ingestion.ingest_bytes(hostile.slide_bomb(6), "part.pptx", meta())
    hub = make_hub(package_max_ratio=1_000_000, package_max_part_mb=64, package_max_total_mb=4)
    with pytest.raises(InvalidInput, match="HUB_PACKAGE_MAX_TOTAL_MB"):
        hub.ingestion.ingest_bytes(hostile.slide_bomb(6), "total.pptx", meta())
    hub = make_hub(package_max_parts=10)
    with pytest.raises(InvalidInput, match="HUB_PACKAGE_MAX_PARTS"):
        hub.ingestion.ingest_bytes(samples.deck_pptx(), "parts.pptx", meta())


def test_memory_limit_stops_the_worker_not_the_server(make_hub, meta):
    # Within the package limits but more than the worker may use: the tree of a 60 MiB slide.
    hub = make_hub(parse_max_memory_mb=256, package_max_ratio=1_000_000)
    with pytest.raises(InvalidInput, match="HUB_PARSE_MAX_MEMORY_MB"):
        hub.ingestion.ingest_bytes(hostile.slide_bomb(60), "big.pptx", meta())


def test_folder_ingest_records_each_failure_and_carries_on(hub, tmp_path):
    folder = tmp_path / "upload"
    folder.mkdir()
    files = {
        "a-bomb.pptx": hostile.slide_bomb(3),
        "b-laughs.docx": hostile.billion_laughs_docx(),
        "c-broken.docx": hostile.malformed_docx(),
        "d-label.pdf": samples.label_pdf(),
    }
    for i, (name, data) in enumerate(files.items()):
        (folder / name).write_bytes(data)
        (folder / f"{name.rsplit('.', 1)[0]}.meta.yaml").write_text(
            f"title: Doc {i}\ndoc_type: label\nproduct: Zorbex\nversion: '1'\nstatus: approved\n"
            "effective_date: 2026-01-01\nexpiry_date: 2027-12-31\n"
        )
    results = {r.file: r for r in hub.ingestion.ingest_paths([folder])}
    assert [results[n].outcome for n in files] == ["failed", "failed", "failed", "ingested"]
    assert "decompression bomb" in results["a-bomb.pptx"].message
    assert "malformed" in results["c-broken.docx"].message


def test_text_without_sentence_breaks_is_still_cut_to_the_chunk_size(hub, meta):
    words = " ".join(f"word{i}" for i in range(6000))  # no full stop anywhere
    result = hub.ingestion.ingest_bytes(words.encode(), "flat.txt", meta(title="Flat"))
    limit = max(hub.settings.chunk.max_words, hub.settings.chunk.table_max_words)
    texts = [c.text for c in hub.catalog.chunks(hub.catalog.chunk_ids_of(result.version_id)).values()]
    assert result.chunks >= 6000 // limit
    assert max(len(t.split()) for t in texts) <= limit
    assert sum(len(t.split()) for t in texts) == 6000  # nothing lost


def test_enforce_chunk_size_splits_long_words_and_renumbers():
    from ingest.chunk_limits import enforce_chunk_size

    chunks = [Chunk(0, 1, "A", "short text"), Chunk(1, 1, "A", "x" * 250 + " tail " * 5), Chunk(2, 2, "B", "end")]
    out = enforce_chunk_size(chunks, 3, max_word_chars=100)
    assert [c.seq for c in out] == list(range(len(out)))
    assert all(len(c.text.split()) <= 3 and max(len(w) for w in c.text.split()) <= 100 for c in out)
    assert out[0].text == "short text" and out[-1].text == "end" and out[-1].page == 2
    assert "".join(c.text.replace(" ", "") for c in out[1:-1]) == "x" * 250 + "tail" * 5
