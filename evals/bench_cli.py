"""``hub bench ingest`` and ``hub bench ask``: thin commands over :mod:`evals.bench`."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

err = Console(stderr=True)


def _setup(verbose: bool) -> None:
    from evals.logsetup import setup_logging

    setup_logging(verbose)


def _emit(report: dict[str, Any], name: str, markdown: str, out: Path, plot: Any, as_json: bool) -> None:
    from evals.reporting import write_report

    out.mkdir(parents=True, exist_ok=True)
    png = plot(report, out / f"{name}.png")
    if png:
        markdown += f"\n\n![{name}]({png.name})"
    json_path, md_path = write_report(out, name, report, markdown)
    if as_json:
        sys.stdout.write(json.dumps(report, default=str) + "\n")
    else:
        console = Console()
        console.print(markdown, markup=False, highlight=False, soft_wrap=True)
        console.print(f"\nreports: {json_path} {md_path}" + (f" {png}" if png else ""))


def bench_ingest(
    corpus: Annotated[Path | None, typer.Option(help="Folder of files with sidecars (ingest_paths).")] = Path("corpus"),
    beir: Annotated[
        Path | None,
        typer.Option(help="BEIR folder (corpus.jsonl [+ queries.jsonl, qrels/test.tsv]) for the bulk path."),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="First N BEIR documents only.")] = None,
    out: Annotated[Path, typer.Option(help="Report folder.")] = Path("reports"),
    backend: Annotated[str | None, typer.Option(help="Encoder backend: torch or openvino (default: settings).")] = None,
    precision: Annotated[str | None, typer.Option(help="OpenVINO precision: auto, fp32, bf16 or int8.")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Encoder batch size (default: settings).")] = None,
    cache_dir: Annotated[Path | None, typer.Option(help="Cache folder for converted encoders.")] = None,
    encoders: Annotated[
        str | None,
        typer.Option(help="Also compare encoders on the BEIR texts, e.g. 'torch,openvino:fp32,openvino:int8'."),
    ] = None,
    baseline_llamaindex: Annotated[
        bool, typer.Option("--baseline-llamaindex", help="Run the default llama-index pipeline on the BEIR corpus too.")
    ] = False,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set", help="Any other hub setting for the runs, NAME=VALUE (repeatable), e.g. chunk_max_words=250."
        ),
    ] = None,
    no_corpus: Annotated[bool, typer.Option("--no-corpus", help="Skip the files run.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Ingest throughput (docs, pages, chunks per second; time by stage) next to the raw encoder."""
    from evals.bench import bench_ingest as run
    from evals.bench import ingest_markdown, plot_ingest

    _setup(verbose)
    corpus = None if no_corpus else corpus
    if corpus is None and beir is None:
        err.print("[red]nothing to measure[/]: give --corpus and/or --beir")
        raise typer.Exit(2)
    for name, path in (("--corpus", corpus), ("--beir", beir)):
        if path is not None and not path.is_dir():
            err.print(f"[red]{name} {path}[/] is not a folder")
            raise typer.Exit(2)
    overrides = {
        k: v
        for k, v in {
            "embedding_backend": backend,
            "embedding_precision": precision,
            "embedding_batch_size": batch_size,
            "embedding_cache_dir": cache_dir,
        }.items()
        if v is not None
    }
    for item in set_ or []:
        name, sep, value = item.partition("=")
        if not sep:
            err.print(f"[red]--set {item!r}[/]: use NAME=VALUE, e.g. chunk_max_words=250")
            raise typer.Exit(2)
        overrides[name.strip().removeprefix("HUB_").lower()] = value.strip()
    try:
        from hub.settings import Settings

        Settings.model_validate(overrides)
    except Exception as exc:
        err.print(f"[red]invalid setting:[/] {exc}")
        raise typer.Exit(2) from exc
    variants = [v.strip() for v in encoders.split(",") if v.strip()] if encoders else None
    if variants and beir is None:
        err.print("[red]--encoders needs --beir[/]")
        raise typer.Exit(2)
    report = run(
        corpus, beir, limit=limit, overrides=overrides, baseline_llamaindex=baseline_llamaindex, encoders=variants
    )
    _emit(report, "bench-ingest", ingest_markdown(report), out, plot_ingest, as_json)


def bench_ask(
    url: Annotated[str, typer.Option(help="Running hub server (loopback only).")] = "http://127.0.0.1:8000",
    questions: Annotated[Path, typer.Option(help="JSONL with a 'question' per line.")] = Path("evals/questions.jsonl"),
    concurrency: Annotated[str, typer.Option(help="Comma-separated client counts.")] = "1,8",
    requests: Annotated[int, typer.Option(min=1, help="Measured requests per concurrency level.")] = 200,
    warmup: Annotated[
        int | None,
        typer.Option(min=0, help="Unmeasured requests before each level (default: one pass over the questions)."),
    ] = None,
    start_server: Annotated[
        bool, typer.Option("--start-server", help="Start `hub serve` on a free loopback port and stop it after.")
    ] = False,
    data_dir: Annotated[
        Path | None, typer.Option(help="With --start-server: data dir to serve (default: a throw-away one).")
    ] = None,
    corpus: Annotated[
        Path | None,
        typer.Option(
            help="With --start-server: ingest this folder first (default: corpus/ for a throw-away data dir)."
        ),
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            envvar="HUB_API_KEY", help="API key of an msl user (without --start-server; one is created with it)."
        ),
    ] = None,
    out: Annotated[Path, typer.Option(help="Report folder.")] = Path("reports"),
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Ask latency p50/p95/p99 at several concurrencies against a running (or started) server."""
    from evals.bench import ask_markdown, plot_ask, started_server
    from evals.bench import bench_ask as run

    _setup(verbose)
    try:
        levels = [int(c) for c in concurrency.split(",") if c.strip()]
    except ValueError:
        err.print(f"[red]--concurrency {concurrency!r}[/]: give comma-separated integers, e.g. 1,8")
        raise typer.Exit(2) from None
    if not levels or min(levels) < 1:
        err.print("[red]--concurrency[/] needs positive integers")
        raise typer.Exit(2)
    if not questions.is_file():
        err.print(f"[red]--questions {questions}[/] does not exist")
        raise typer.Exit(2)
    if not start_server:
        try:
            report = run(url, questions, concurrency=levels, requests=requests, warmup=warmup, api_key=api_key)
        except ValueError as exc:
            err.print(f"[red]error:[/] {exc}")
            raise typer.Exit(2) from exc
        except Exception as exc:  # connection refused and friends: say what to do
            err.print(f"[red]could not benchmark {url}:[/] {exc}. Start `hub serve` first or pass --start-server.")
            raise typer.Exit(1) from exc
        _emit(report, "bench-ask", ask_markdown(report), out, plot_ask, as_json)
        return
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hub-bench-ask-") as tmp:
        target = data_dir or Path(tmp)
        seed = corpus if corpus is not None else (Path("corpus") if data_dir is None else None)
        with started_server(target, corpus=seed, log_path=out / "bench-ask-server.log") as server:
            report = run(
                server.url, questions, concurrency=levels, requests=requests, warmup=warmup, api_key=server.api_key
            )
        report["started_server"] = {
            "data_dir": str(data_dir) if data_dir else "(throw-away)",
            "corpus": str(seed) if seed else None,
        }
    _emit(report, "bench-ask", ask_markdown(report), out, plot_ask, as_json)
