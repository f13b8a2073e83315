"""MSL Knowledge Hub: the domain and the service.

Start reading at :mod:`hub.service` (``Hub.ask`` is where a question becomes an answer).
Layers: ``api``/``cli`` (thin) -> ``service`` -> components (``catalog``, ``vector_index``,
``lexical_index``, ``retrieval``, ``answering``, ``ingestion``, ``embedding``).
"""
