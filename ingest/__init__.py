"""Turning uploaded files into citable chunks.

Pure functions over bytes and paths: format loaders, text normalisation, structure-aware
chunking and approval-metadata parsing. Nothing here knows about HTTP, the UI or the database.

Public entry points:

* :func:`ingest.loaders.load_document` - bytes + file name -> :class:`ParsedDocument`
* :func:`ingest.chunking.chunk_document` - :class:`ParsedDocument` -> list of :class:`Chunk`
* :func:`ingest.metadata.load_sidecar` / :class:`ingest.metadata.DocumentMetadata`
"""

from ingest.errors import IngestError
from ingest.model import Block, Chunk, ParsedDocument

__all__ = ["Block", "Chunk", "IngestError", "ParsedDocument"]
