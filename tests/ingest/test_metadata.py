import json

import pytest

from ingest.errors import BadMetadata
from ingest.metadata import load_sidecar, parse_metadata

GOOD = {"title": "Label", "doc_type": "label", "effective_date": "2026-01-01", "expiry_date": "2027-01-01"}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"doc_type": "poster"}, "doc_type", "use one of"),
        ({"effective_date": "01/02/2026"}, "effective_date", "YYYY-MM-DD"),
        ({"expiry_date": "2025-12-31"}, "expiry_date", "before effective_date"),
        ({"status": "live"}, "status", "use one of"),
        ({"colour": "red"}, "colour", "unknown field"),
        ({"title": None}, "title", ""),
    ],
)
def test_bad_metadata_names_the_field(change, field, words):
    raw = {**GOOD, **change}
    with pytest.raises(BadMetadata) as info:
        parse_metadata(raw)
    assert info.value.field == field
    assert field in str(info.value) and words in str(info.value)


def test_yaml_numbers_become_version_text(tmp_path):
    (tmp_path / "label.pdf").write_bytes(b"x")
    (tmp_path / "label.meta.yaml").write_text("title: Label\ndoc_type: label\nversion: 3.0\n")
    meta = parse_metadata(load_sidecar(tmp_path / "label.pdf"))
    assert meta.version == "3.0"


def test_json_sidecar_with_full_file_name(tmp_path):
    (tmp_path / "deck.pptx").write_bytes(b"x")
    (tmp_path / "deck.pptx.meta.json").write_text(json.dumps({"title": "Deck", "doc_type": "slide_deck"}))
    assert parse_metadata(load_sidecar(tmp_path / "deck.pptx")).title == "Deck"


def test_broken_sidecar_is_a_clear_error(tmp_path):
    (tmp_path / "a.pdf").write_bytes(b"x")
    (tmp_path / "a.meta.yaml").write_text("title: [unclosed\n")
    with pytest.raises(BadMetadata, match="not valid YAML"):
        load_sidecar(tmp_path / "a.pdf")
