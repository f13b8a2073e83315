"""Index refresh after a content change never makes a question wait for a slow rebuild."""

from __future__ import annotations

import threading
import time

from hub.catalog import Catalog, GenerationCache, make_engine
from tests.contract.race import new_version


def test_a_slow_rebuild_is_swapped_in_without_stalling_readers(tmp_path):
    catalog = Catalog(make_engine(f"sqlite:///{tmp_path / 'hub.sqlite3'}"), refresh_wait_s=0.2)
    release = threading.Event()
    builds: list[int] = []

    def build(generation: int) -> int:
        if builds:  # every rebuild after the first is slow until released
            release.wait(30)
        builds.append(generation)
        return generation

    cache = GenerationCache(catalog, build)
    first = cache.get()
    catalog.add_versions([new_version("Zorbex PI", "1.0")])
    started = time.perf_counter()
    stale = cache.get()
    waited = time.perf_counter() - started
    assert stale == first, "the previous snapshot answers while the new one is built"
    assert 0.15 <= waited < 1.0
    assert cache.get() == first  # still building: one background build, not one per reader
    release.set()
    deadline = time.monotonic() + 10
    while cache.get() == first and time.monotonic() < deadline:
        time.sleep(0.05)
    assert cache.get() == catalog.generation() and builds == [first, catalog.generation()]


def test_the_writer_refreshes_its_own_indexes(tmp_path):
    catalog = Catalog(make_engine(f"sqlite:///{tmp_path / 'hub.sqlite3'}"), refresh_wait_s=0)
    cache = GenerationCache(catalog, lambda generation: generation)
    cache.get()
    catalog.add_versions([new_version("Zorbex PI", "1.0")])
    catalog.refresh()
    assert cache.get() == catalog.generation()


def test_a_question_reading_several_indexes_waits_once(tmp_path):
    catalog = Catalog(make_engine(f"sqlite:///{tmp_path / 'hub.sqlite3'}"), refresh_wait_s=0.3)
    release = threading.Event()

    def slow(generation: int) -> int:
        if generation:
            release.wait(30)
        return generation

    lexical, dense, third = (GenerationCache(catalog, slow) for _ in range(3))
    for cache in (lexical, dense, third):
        cache.get()
    catalog.add_versions([new_version("Zorbex PI", "1.0")])
    started = time.perf_counter()
    assert [cache.get() for cache in (lexical, dense, third)] == [0, 0, 0]
    waited = time.perf_counter() - started
    release.set()
    assert 0.25 <= waited < 0.6, f"one shared deadline, not one wait per index ({waited:.2f} s)"
