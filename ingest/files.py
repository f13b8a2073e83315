"""Which files a list of paths names: the files given, and the supported files inside folders.

Pure path logic, shared by ingestion (what to ingest) and the encoder's int8 calibration (what to
read), so neither has to import the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ingest.loaders import SUPPORTED_EXTENSIONS
from ingest.metadata import is_sidecar


def expand_paths(paths: Iterable[Path]) -> list[tuple[Path, bool]]:
    """Files named directly (explicit) and the supported files found in folders, sorted."""
    out: list[tuple[Path, bool]] = []
    for p in paths:
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                if child.is_file() and child.suffix.lower() in SUPPORTED_EXTENSIONS and not is_sidecar(child):
                    if any(part.startswith(".") for part in child.relative_to(p).parts):
                        continue
                    out.append((child, False))
        else:
            out.append((p, True))
    return out
