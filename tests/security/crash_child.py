"""Run one content change in a child process and kill the process (``os._exit``) at a chosen step.

Used by test_crash_consistency.py: ``python -m tests.security.crash_child DATA_DIR OPERATION STEP``.
Exits 77 when killed at the step, 0 if the step was never reached.
"""

from __future__ import annotations

import os
import sys

from hub.auth import Principal, Role
from hub.service import Hub
from hub.settings import Settings
from ingest.metadata import parse_metadata
from tests import samples
from tests.conftest import TODAY

KILLED = 77
OWNER = Principal("u-owner", "olga", Role.content_owner)


def meta(**fields: str):  # type: ignore[no-untyped-def]
    base = {
        "title": "Zorbex leaflet",
        "doc_type": "label",
        "product": "Zorbex",
        "version": "1.0",
        "status": "approved",
        "effective_date": "2026-01-01",
        "expiry_date": "2027-12-31",
    }
    return parse_metadata({**base, **fields})


def die(*_args: object, **_kwargs: object) -> None:
    os._exit(KILLED)


def install(hub: Hub, step: str) -> None:
    """Kill the process when the change reaches ``step``."""
    if step == "before_catalog":
        hub.catalog.add_versions = die  # type: ignore[method-assign]
        hub.catalog.set_status = die  # type: ignore[method-assign]
    elif step == "in_transaction":
        hub.audit.append_in = die  # type: ignore[method-assign]
    elif step in ("after_commit", "between_flags"):
        calls = {"n": 0}
        original = hub.vectors.set_live
        fire_at = 1 if step == "after_commit" else 2

        def set_live(ids, live):  # type: ignore[no-untyped-def]
            calls["n"] += 1
            if calls["n"] == fire_at:
                die()
            original(ids, live)

        hub.vectors.set_live = set_live  # type: ignore[method-assign]
    elif step == "before_retire":
        hub._retire = die  # type: ignore[method-assign]
    else:
        raise SystemExit(f"unknown step {step}")


def main() -> None:
    data_dir, operation, step = sys.argv[1:4]
    hub = Hub(Settings(data_dir=data_dir, embedding_backend="torch"), clock=lambda: TODAY)
    install(hub, step)
    if operation == "ingest":
        hub.ingestion.ingest_bytes(samples.label_pdf(), "label.pdf", meta(title="Zorbex label"), actor=OWNER)
    elif operation == "supersede":
        text = [("5 WARNINGS", ["Zorbex may increase the risk of serious infections, version two."])]
        hub.ingestion.ingest_bytes(samples.pdf_from_pages(text), "v2.pdf", meta(version="2.0"), actor=OWNER)
    elif operation == "withdraw":
        version = hub.catalog.list_documents()[0].versions[-1]
        hub.set_status(version.id, "withdrawn", actor=OWNER, reason="label change")
    else:
        raise SystemExit(f"unknown operation {operation}")
    os._exit(0)


if __name__ == "__main__":
    main()
