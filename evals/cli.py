"""``hub eval ...`` and ``hub bench ...`` commands, registered onto the hub CLI at start-up."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from evals import logsetup


def eval_qa(
    questions: Annotated[Path, typer.Option(help="JSONL question set.")] = Path("evals/questions.jsonl"),
    corpus: Annotated[Path, typer.Option(help="Folder of files with sidecars.")] = Path("corpus"),
    out: Annotated[Path, typer.Option(help="Report folder.")] = Path("reports"),
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report.")] = False,
    setting: Annotated[
        list[str] | None, typer.Option("--set", help="Override a hub setting, e.g. --set chunk_max_words=80")
    ] = None,
    name: Annotated[str, typer.Option(help="Report file name (without extension).")] = "qa",
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Ingest a corpus in a throw-away data dir, ask its question set, report hits and refusals."""
    from evals.qa import evaluate, to_markdown
    from evals.reporting import write_report

    logsetup.setup_logging(verbose)
    overrides = {}
    for item in setting or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"--set takes KEY=VALUE, got {item!r}")
        overrides[key.strip()] = value.strip()
    report = evaluate(questions, corpus, overrides)
    md = to_markdown(report)
    json_path, md_path = write_report(out, name, report, md)
    if as_json:
        sys.stdout.write(json.dumps(report, default=str) + "\n")
    else:
        console = Console()
        console.print(md)
        console.print(f"\nreports: {json_path} {md_path}")


def eval_answer_model(
    out: Annotated[Path, typer.Option(help="Report folder.")] = Path("reports"),
    realdev: Annotated[
        Path | None, typer.Option(help="A real-document set (questions.jsonl + files), e.g. ../shared/data/realdev")
    ] = None,
    sample: Annotated[bool, typer.Option(help="Include the sample corpus and evals/questions.jsonl.")] = True,
    write: Annotated[Path | None, typer.Option(help="Write the fitted model here, e.g. hub/answer_model.json")] = None,
    data_root: Annotated[Path | None, typer.Option(help="Keep the hubs' data here (re-runs skip ingestion).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Fit the answer-support model; report leave-one-document-out quality (the held-out figures)."""
    from evals.answer_model import run, to_markdown, write_model
    from evals.reporting import write_report

    logsetup.setup_logging(verbose)
    sets = []
    if sample:
        sets.append(("sample", Path("evals/questions.jsonl"), Path("corpus")))
    if realdev is not None:
        sets.append(("realdev", realdev / "questions.jsonl", realdev))
    if not sets:
        raise typer.BadParameter("nothing to fit on: pass --realdev DIR and/or keep --sample")
    report = run(sets, data_root)
    md = to_markdown(report)
    json_path, md_path = write_report(out, "answer_model", report, md)
    if write is not None:
        write_model(report, write)
    console = Console()
    console.print(md)
    console.print(f"\nreports: {json_path} {md_path}" + (f"\nmodel: {write}" if write else ""))


def register(eval_app: typer.Typer, bench_app: typer.Typer, *, setup_logging: logsetup.SetupLogging) -> None:
    """Attach the eval and bench commands to the hub CLI's sub-apps."""
    logsetup.use(setup_logging)
    eval_app.command("qa")(eval_qa)
    eval_app.command("answer-model")(eval_answer_model)
    from evals.bench_cli import bench_ask, bench_ingest

    bench_app.command("ingest")(bench_ingest)
    bench_app.command("ask")(bench_ask)
    from evals.scale_cli import bench_scale

    bench_app.command("scale")(bench_scale)
    from evals.retrieval_cli import eval_retrieval, eval_retrieval_tune

    eval_app.command("retrieval")(eval_retrieval)
    eval_app.command("retrieval-tune")(eval_retrieval_tune)
