"""Publishers run in separate processes by the concurrency tests (importable, so ``spawn`` can start them)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event

from hub.catalog import Catalog, NewChunk, NewVersion, make_engine
from hub.errors import HubError
from ingest.metadata import parse_metadata


def new_version(title: str, version: str) -> NewVersion:
    meta = parse_metadata({"title": title, "doc_type": "label", "version": version, "status": "approved"})
    sha = f"{title}|{version}".encode().hex().ljust(64, "0")[:64]
    chunk = NewChunk(0, 1, "Dosing", "text", f"{title} {version}: 150 mg once daily")
    return NewVersion(meta, sha, f"{version}.txt", "txt", 1, [chunk], "test-model", original=version.encode())


def publish(url: str, title: str, version: str, armed: Any, ready: Any, go: Any, hold_s: float, results: Any) -> None:
    """Publish one approved version once ``go`` is set.

    With ``hold_s``, pause just before COMMIT after setting ``ready``; without, wait for ``ready``
    (the other publisher is inside its transaction) and publish at once. ``armed`` is set when the
    process has imported and connected, so slow process start-up cannot spoil the choreography.
    """
    engine = make_engine(url)
    catalog = Catalog(engine)
    catalog.generation()  # connected
    if hold_s:

        @event.listens_for(catalog.sessions, "before_commit")
        def _hold(_session: Any) -> None:
            ready.set()
            time.sleep(hold_s)

    armed.set()
    go.wait(60)
    if not hold_s:
        ready.wait(60)
    try:
        ((version_row, superseded),) = catalog.add_versions([new_version(title, version)])
        results.put((version, "ok", version_row.id, superseded))
    except HubError as exc:
        results.put((version, type(exc).__name__, exc.status_code, exc.message))
    except Exception as exc:  # anything else is what the test must catch
        results.put((version, "error", type(exc).__name__, str(exc)))
    finally:
        engine.dispose()


def publish_many(url: str, title: str, prefix: str, n: int, go: Any, results: Any) -> None:
    """Publish ``n`` approved versions back to back, as fast as possible."""
    engine = make_engine(url)
    catalog = Catalog(engine)
    go.wait(30)
    outcomes = []
    for i in range(n):
        try:
            catalog.add_versions([new_version(title, f"{prefix}{i}")])
            outcomes.append("ok")
        except HubError as exc:
            outcomes.append(f"{type(exc).__name__}:{exc.status_code}")
        except Exception as exc:
            outcomes.append(f"error:{type(exc).__name__}:{exc}")
    results.put(outcomes)
    engine.dispose()
