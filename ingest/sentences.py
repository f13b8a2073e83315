"""Sentence splitting for chunking and for extractive answers.

Uses NLTK's Punkt model (the ``punkt_tab`` data that llama-index ships inside its package, so
nothing is downloaded) with abbreviations common in medical and scientific writing added, since
the stock English model splits after "vs.", "i.e." or "et al.".
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

# Units (mg, kg, mL, min, wk...) are deliberately NOT abbreviations: clinical text writes them
# without a period, so "150 mg." or "30 min." ends a sentence far more often than it abbreviates.
_EXTRA_ABBREVIATIONS = {
    "vs",
    "e.g",
    "i.e",
    "etc",
    "et al",
    "al",
    "fig",
    "figs",
    "ref",
    "refs",
    "no",
    "approx",
    "ca",
    "cf",
    "dr",
    "prof",
    "s.c",
    "i.v",
    "i.m",
    "p.o",
    "q.d",
    "b.i.d",
    "t.i.d",
    "tab",
    "vol",
    "suppl",
    "inc",
    "ltd",
    "co",
    "dept",
    "univ",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "u.s",
    "e.u",
    "st",
}
# Bullets and list numbers that survive extraction start a new sentence.
_BULLET_SPLIT = re.compile(r"\s*(?:\n\s*[\u2022\u25aa\u25cf\-\*]\s+|\n(?=\d+\.\d*\s+[A-Z]))")


@lru_cache(maxsize=1)
def _tokenizer() -> Any:
    import llama_index.core
    import nltk
    from nltk.tokenize.punkt import PunktTokenizer

    cache = Path(llama_index.core.__file__).parent / "_static" / "nltk_cache"
    if str(cache) not in nltk.data.path:
        nltk.data.path.append(str(cache))
    tok = PunktTokenizer("english")
    tok._params.abbrev_types.update(_EXTRA_ABBREVIATIONS)
    return tok


def split_sentences(text: str) -> list[str]:
    """Split text into sentences, keeping each sentence's words verbatim (whitespace collapsed)."""
    out: list[str] = []
    for part in _BULLET_SPLIT.split(text):
        part = " ".join(part.split())
        if not part:
            continue
        out.extend(s.strip() for s in _tokenizer().tokenize(part) if s.strip())
    return out
