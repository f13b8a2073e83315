"""Cost of audit logging on answer latency: the unaudited answer path against the audited ``Hub.ask``.

    python -m evals.audit_cost [--rounds 3] [--corpus corpus] [--questions evals/questions.jsonl]

Ingests the corpus into a temporary data directory (SQLite in WAL mode, embedded Chroma), warms
the hub up, then asks every question ``rounds`` times both ways, alternating which goes first so
caches favour neither. The product always audits; ``Hub._answer`` is the internal path without the
audit record, used here only to measure. Prints p50/p95 in milliseconds, and the audit step alone
(hashing plus one SQL transaction).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import time
from pathlib import Path

from evals.qa import load_questions
from evals.reporting import percentile


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=Path("corpus"))
    parser.add_argument("--questions", type=Path, default=Path("evals/questions.jsonl"))
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("bm25s").setLevel(logging.WARNING)

    from hub.auth import Principal, Role
    from hub.service import Hub
    from hub.settings import Settings

    questions = [q.question for q in load_questions(args.questions)]
    with tempfile.TemporaryDirectory(prefix="hub-audit-cost-") as tmp:
        hub = Hub(Settings(data_dir=Path(tmp) / "data"))
        failed = [r for r in hub.ingestion.ingest_paths([args.corpus]) if r.outcome == "failed"]
        if failed:
            raise SystemExit(f"corpus ingestion failed: {[r.file for r in failed]}")
        hub.warm_up()
        user = Principal("bench", "bench", Role.msl)
        for q in questions[:5]:  # warm caches on both paths
            hub._answer(q, None)
            hub.ask(q, user=user)
        plain: list[float] = []
        audited: list[float] = []
        audit_step: list[float] = []
        for r in range(args.rounds):
            for i, q in enumerate(questions):
                order = (False, True) if (i + r) % 2 == 0 else (True, False)
                for with_audit in order:
                    t = time.perf_counter()
                    if with_audit:
                        answer = hub.ask(q, user=user)
                        audited.append((time.perf_counter() - t) * 1000)
                        audit_step.append(answer.timings_ms["audit"])
                    else:
                        hub._answer(q, None)
                        plain.append((time.perf_counter() - t) * 1000)
        verify = hub.audit.verify()
    figures = {
        "questions": len(questions),
        "rounds": args.rounds,
        "records_in_log": verify.checked,
        "p50_without_audit_ms": percentile(plain, 50),
        "p95_without_audit_ms": percentile(plain, 95),
        "p50_with_audit_ms": percentile(audited, 50),
        "p95_with_audit_ms": percentile(audited, 95),
        "p50_audit_step_ms": percentile(audit_step, 50),
        "p95_audit_step_ms": percentile(audit_step, 95),
        "chain_ok": verify.ok,
    }
    if args.json:
        print(json.dumps(figures, indent=1))
    else:
        print(
            f"{len(questions)} questions x {args.rounds} rounds, each way (log: {verify.checked} records, "
            f"chain ok: {verify.ok})"
        )
        for label, key, digits in (
            ("without audit", "without_audit_ms", 1),
            ("with audit", "with_audit_ms", 1),
            ("audit step", "audit_step_ms", 2),
        ):
            p50, p95 = figures[f"p50_{key}"], figures[f"p95_{key}"]
            print(f"  {label + ':':<15} p50 {p50:.{digits}f} ms, p95 {p95:.{digits}f} ms")
    return figures


if __name__ == "__main__":
    main()
