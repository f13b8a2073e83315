"""Quiz item quality: generate items from a corpus and report what the automatic checks kept.

    python -m evals.quiz corpus [--out reports] [--sample 10] [--seed 7] [--today 2026-11-25]

Ingests the folder into a temporary hub (files with a ``.meta.yaml`` sidecar, as ``hub ingest``
does), generates items from every approved, in-date chunk, and prints: items generated, the share
kept, rejections by check, and counts per item type. Writes ``quiz-items.json`` and
``quiz-items.md`` under ``--out`` with the figures and a seeded random sample of kept items with
their citations, for a person to judge.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

from evals.reporting import machine, markdown_table, write_report

log = logging.getLogger(__name__)


def run(corpus: Path, *, today: dt.date, sample: int, seed: int) -> dict[str, Any]:
    """Ingest ``corpus`` into a temporary hub, generate items, and return the report."""
    from hub.auth import Principal
    from hub.learning.config import LearningConfig
    from hub.learning.service import LearningService
    from hub.service import Hub
    from hub.settings import Settings

    moment = dt.datetime.combine(today, dt.time(9, 0), dt.UTC)
    with tempfile.TemporaryDirectory(prefix="hub-quiz-eval-") as tmp:
        # The torch encoder: vectors do not affect item generation, and it needs no conversion step.
        hub = Hub(Settings(data_dir=Path(tmp), embedding_backend="torch"), now=lambda: moment)
        learning = LearningService(hub, LearningConfig())
        results = hub.ingestion.ingest_paths([corpus], {})
        failed = [r.file for r in results if r.outcome == "failed"]
        if failed:
            raise SystemExit(f"ingestion failed for {', '.join(failed)}")
        run_out = learning.generate(Principal.system("eval"))
        items = learning.list_items(limit=1000)
        chosen = random.Random(seed).sample(items, min(sample, len(items)))
        counts = hub.catalog.counts()
    return {
        "corpus": str(corpus),
        "today": today.isoformat(),
        "seed": seed,
        "machine": machine(),
        "documents": counts["documents"],
        "chunks": counts["chunks"],
        "generated": run_out.generated,
        "kept": run_out.kept,
        "kept_share": run_out.kept_share,
        "rejected": run_out.rejected,
        "by_type": run_out.by_type,
        "sample": [
            {
                "type": i.type,
                "stem": i.stem,
                "options": i.options,
                "answer": i.answer,
                "explanation": i.explanation,
                "topic": i.topic,
                "citation": {
                    "title": i.citation.title,
                    "version": i.citation.version,
                    "page": i.citation.page_label,
                    "passage": i.citation.passage,
                },
            }
            for i in chosen
        ],
    }


def to_markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Quiz items from `{report['corpus']}`",
        "",
        f"As of {report['today']}: {report['documents']} documents, {report['chunks']} chunks. "
        f"Generated **{report['generated']}** candidate items, kept **{report['kept']}** "
        f"(**{report['kept_share']:.1%}**).",
        "",
        "## Rejections by check",
        "",
    ]
    lines.append(markdown_table([{"check": k, "items": v} for k, v in report["rejected"].items()], ["check", "items"]))
    lines += ["", "## By type", ""]
    lines.append(
        markdown_table(
            [
                {
                    "type": t,
                    "generated": v["generated"],
                    "kept": v["kept"],
                    "kept share": v["kept"] / v["generated"] if v["generated"] else 0.0,
                }
                for t, v in report["by_type"].items()
            ],
            ["type", "generated", "kept", "kept share"],
        )
    )
    lines += ["", f"## {len(report['sample'])} random kept items (seed {report['seed']})", ""]
    for n, item in enumerate(report["sample"], 1):
        c = item["citation"]
        lines.append(f"{n}. **{item['type']}** ({item['topic']}): {item['stem']}")
        if item["options"]:
            lines.append(f"   - options: {' | '.join(item['options'])}")
        lines.append(f"   - answer: {item['answer']}")
        lines.append(f'   - source: {c["title"]}, version {c["version"]}, {c["page"]}: "{c["passage"]}"')
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.quiz", description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="Folder of documents with .meta.yaml sidecars.")
    parser.add_argument("--out", type=Path, default=Path("reports"), help="Where the JSON and Markdown go.")
    parser.add_argument("--sample", type=int, default=10, help="Kept items to show.")
    parser.add_argument("--seed", type=int, default=7, help="Seed of the sample.")
    parser.add_argument(
        "--today",
        type=dt.date.fromisoformat,
        default=dt.date(2026, 11, 25),
        help="Date that decides which versions are current (YYYY-MM-DD).",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    if not args.corpus.is_dir():
        parser.error(f"{args.corpus} is not a folder")
    report = run(args.corpus, today=args.today, sample=args.sample, seed=args.seed)
    markdown = to_markdown(report)
    json_path, md_path = write_report(args.out, "quiz-items", report, markdown)
    sys.stdout.write(markdown)
    sys.stdout.write(f"\nwrote {json_path} and {md_path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
