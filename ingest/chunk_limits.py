"""A last, format-blind pass that enforces the chunk size on any text.

The chunkers pack sentences up to a size, but text without sentence breaks (a table dumped as one
line, a PDF whose extractor lost every full stop, a hostile file) can still come out as one huge
chunk: one such chunk of 275,861 words was seen, which the encoder truncates and the answer
composer then scans on every question. :func:`enforce_chunk_size` splits every chunk longer than
the hard limit on word boundaries and cuts any single "word" longer than ``max_word_chars``, so no
chunk, whatever produced it, passes the limit. Chunks within the limit are kept as they are; every
chunk is renumbered so ``seq`` stays 0..n-1.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from ingest.model import Chunk

MAX_WORD_CHARS = 100


def enforce_chunk_size(chunks: Sequence[Chunk], max_words: int, *, max_word_chars: int = MAX_WORD_CHARS) -> list[Chunk]:
    """``chunks`` with every chunk of more than ``max_words`` words (or an over-long word) split up."""
    if max_words < 1 or max_word_chars < 1:
        raise ValueError("max_words and max_word_chars must be positive")
    out: list[Chunk] = []
    for chunk in chunks:
        words = chunk.text.split()
        if len(words) <= max_words and all(len(w) <= max_word_chars for w in words):
            out.append(dataclasses.replace(chunk, seq=len(out)))
            continue
        pieces = [w[i : i + max_word_chars] for w in words for i in range(0, len(w), max_word_chars)]
        for start in range(0, len(pieces), max_words):
            text = " ".join(pieces[start : start + max_words])
            out.append(dataclasses.replace(chunk, seq=len(out), text=text))
    return out
