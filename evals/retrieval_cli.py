"""``hub eval retrieval``: retrieval quality on a BEIR data set, with reports and a plot.

Indexes once (throw-away data directory unless ``--index-dir`` is given), then evaluates each
configuration against the same index:

* ``lexical``: BM25 alone;
* ``dense``: the embedding model alone (Chroma);
* ``hybrid``: the product's default fusion (whatever ``Settings()`` gives);
* ``hybrid, RRF k=60 1:1 (old default)`` (with ``--mode all``): plain reciprocal rank fusion of
  50 candidates each, the hub's first default and the usual recipe, so the gain of the tuned
  defaults is measured on the same index.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from evals.beir import (
    METRICS,
    SCIFACT_REFERENCES,
    BeirDataset,
    BeirFormatError,
    ModeRun,
    index_dataset,
    load_beir,
    score_run,
    search_all,
    write_trec_run,
)
from evals.reporting import machine, markdown_table, write_report


def _settings_summary(settings: Any) -> dict[str, Any]:
    return {f"retrieval_{k}": v for k, v in settings.retrieval.model_dump(mode="json").items()}


def _retriever_summary(retriever: Any) -> dict[str, Any]:
    """What the hub's retriever actually runs with (the report shows this, not only the settings)."""
    fields = ("mode", "fusion", "candidates", "rrf_k", "dense_weight", "lexical_weight")
    return {f: getattr(retriever, f) for f in fields if hasattr(retriever, f)}


def _configs(hub: Any, mode: str) -> list[tuple[str, str, Any]]:
    """(name, mode, retriever) to evaluate; all share the hub's index."""
    if mode != "all":
        return [(mode, mode, hub.retriever)]
    configs: list[tuple[str, str, Any]] = [
        ("lexical", "lexical", hub.retriever),
        ("dense", "dense", hub.retriever),
        ("hybrid", "hybrid", hub.retriever),
    ]
    baseline = _rrf_baseline(hub)
    if baseline is not None:
        configs.append(("hybrid, RRF k=60 1:1 (old default)", "hybrid", baseline))
    return configs


def _rrf_baseline(hub: Any) -> Any:
    """The hub's first default, plain RRF (k=60, equal weights, 50 candidates), over the same index."""
    from hub.retrieval import HybridRetriever

    r = hub.retriever
    try:
        return HybridRetriever(
            r.encoder,
            r.dense,
            r.lexical,
            mode="hybrid",
            candidates=50,
            rrf_k=60,
            dense_weight=1.0,
            lexical_weight=1.0,
            fusion="rrf",
        )
    except TypeError:  # a retriever without the fusion option: it is RRF already
        return HybridRetriever(
            r.encoder, r.dense, r.lexical, mode="hybrid", candidates=50, rrf_k=60, dense_weight=1.0, lexical_weight=1.0
        )


def evaluate_beir(
    dataset: BeirDataset, data_dir: Path, *, mode: str = "all", console: Console | None = None, quiet: bool = False
) -> tuple[dict[str, Any], dict[str, ModeRun]]:
    """Index ``dataset`` in ``data_dir`` through a real :class:`~hub.service.Hub` and score each configuration."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from hub.service import Hub
    from hub.settings import Settings

    settings = Settings(data_dir=data_dir)
    hub = Hub(settings)
    today = dt.date.today()
    console = console or Console(stderr=True)
    columns = (TextColumn("[bold]{task.description}[/]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=quiet) as progress:
        task = progress.add_task("index", total=len(dataset.corpus))
        ingest = index_dataset(hub, dataset, on_docs=lambda n: progress.update(task, advance=n))
        hub.warm_up()
        configs = _configs(hub, mode)
        runs: dict[str, ModeRun] = {}
        rows = []
        for name, config_mode, retriever in configs:
            task = progress.add_task(f"search {name}", total=len(dataset.queries))
            previous, hub.retriever = hub.retriever, retriever
            try:
                mode_run = search_all(
                    hub, dataset, config_mode, today=today, on_query=functools.partial(progress.update, task, advance=1)
                )
            finally:
                hub.retriever = previous
            mode_run.name = name
            runs[name] = mode_run
            rows.append(
                {
                    "configuration": name,
                    "mode": config_mode,
                    **score_run(dataset.qrels, mode_run.run),
                    "ms_per_query": mode_run.latency(),
                }
            )
    report = {
        "dataset": dataset.name,
        "split": dataset.split,
        "queries": len(dataset.queries),
        "documents": len(dataset.corpus),
        "ingest": ingest,
        "settings": _settings_summary(settings),
        "retriever": _retriever_summary(hub.retriever),
        "configurations": rows,
        "references_ndcg@10": dict(SCIFACT_REFERENCES) if "scifact" in dataset.name.lower() else {},
        "machine": machine(),
    }
    return report, runs


def to_markdown(report: dict[str, Any], plot_name: str | None = None) -> str:
    def stages(r: dict[str, Any]) -> str:
        return ", ".join(f"{k} {v:.1f}" for k, v in r["ms_per_query"].get("stages_mean", {}).items())

    rows = [
        {**r, "p50 ms": r["ms_per_query"]["p50"], "mean ms": r["ms_per_query"]["mean"], "stages (mean ms)": stages(r)}
        for r in report["configurations"]
    ]
    ing = report["ingest"]
    lines = [
        f"# Retrieval evaluation: {report['dataset']} ({report['split']})",
        "",
        f"{report['queries']} queries, {report['documents']} documents "
        f"({ing.get('index_chunks', '?')} chunks). Metrics by `ranx`; a document ranks at its best chunk.",
        "",
        markdown_table(rows, ["configuration", *METRICS, "p50 ms", "mean ms", "stages (mean ms)"]),
        "",
        "ms/query: `HybridRetriever.retrieve` in process, warm, query encoding included.",
        "",
        "Retrieval settings: " + ", ".join(f"`{k}={v}`" for k, v in report["settings"].items()) + ".",
        "The `hybrid` row is the hub's retriever as built from them: "
        + ", ".join(f"`{k}={v}`" for k, v in report["retriever"].items())
        + ".",
    ]
    if report["references_ndcg@10"]:
        lines += [
            "",
            "## Reference nDCG@10 (published, and measured elsewhere on this kind of machine)",
            "",
            markdown_table(
                [{"system": k, "ndcg@10": v} for k, v in report["references_ndcg@10"].items()], ["system", "ndcg@10"]
            ),
        ]
    lines += [
        "",
        f"Ingest: {ing.get('documents', 0)} new documents, {ing.get('unchanged', 0)} already indexed, "
        f"{ing.get('total_seconds')} s ({ing.get('seconds')}).",
        f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores.",
    ]
    if plot_name:
        lines += ["", f"![nDCG@10 per configuration]({plot_name})"]
    return "\n".join(lines)


def plot(report: dict[str, Any], path: Path) -> None:
    """Bar plot of nDCG@10 per configuration, published figures as labelled reference lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [r["configuration"] for r in report["configurations"]]
    values = [r["ndcg@10"] for r in report["configurations"]]
    refs = report["references_ndcg@10"]
    fig, ax = plt.subplots(figsize=(11, 5))
    bars = ax.bar(names, values, color="#4C72B0", width=0.6, zorder=2)
    ax.bar_label(bars, fmt="%.3f", padding=2)
    cmap = plt.get_cmap("tab10")
    for i, (label, value) in enumerate(refs.items()):
        ax.axhline(value, linestyle="--", linewidth=1, color=cmap(i % 10), label=f"{label} {value:.3f}", zorder=1)
    everything = [*values, *refs.values()]
    # Zoomed: the configurations differ by hundredths, which a 0-1 axis would hide.
    low = max(0.0, min(everything, default=0.0) - 0.1)
    ax.set_ylim(low, min(1.0, max(everything, default=1.0) + 0.05))
    ax.set_ylabel("nDCG@10")
    ax.set_title(
        f"{report['dataset']} {report['split']}: nDCG@10, {report['queries']} queries (axis starts at {low:.2f})"
    )
    if refs:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="reference nDCG@10", title_fontsize=8)
    plt.setp(ax.get_xticklabels(), rotation=12, ha="right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def eval_retrieval(
    beir: Annotated[Path, typer.Option("--beir", help="BEIR folder: corpus.jsonl, queries.jsonl, qrels/.")],
    split: Annotated[str, typer.Option(help="qrels/<split>.tsv to score.")] = "test",
    mode: Annotated[str, typer.Option(help="hybrid, dense, lexical, or all (each against one index).")] = "all",
    run_out: Annotated[Path | None, typer.Option(help="Write a TREC run file (top 100 per query).")] = None,
    out: Annotated[Path, typer.Option(help="Report folder.")] = Path("reports"),
    limit_docs: Annotated[int | None, typer.Option(help="Index at most N documents (judged ones first).")] = None,
    index_dir: Annotated[
        Path | None,
        typer.Option(help="Keep the index in this data dir and reuse it next time; default: a throw-away temp dir."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Index a BEIR data set with the hub's own ingestion and score its queries (nDCG@10, recall, MRR)."""
    from evals.logsetup import setup_logging

    setup_logging(verbose)
    err = Console(stderr=True)
    if mode not in ("all", "hybrid", "dense", "lexical"):
        err.print(f"[red]error:[/] --mode '{mode}' is unknown; use hybrid, dense, lexical or all")
        raise typer.Exit(2)
    try:
        dataset = load_beir(beir, split, limit_docs=limit_docs)
    except BeirFormatError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    if not dataset.queries:
        err.print(f"[red]error:[/] no judged query of split '{split}' has a relevant document in the corpus")
        raise typer.Exit(2)
    try:
        if index_dir is not None:
            report, runs = evaluate_beir(dataset, index_dir, mode=mode, console=err, quiet=as_json)
        else:
            with tempfile.TemporaryDirectory(prefix="hub-eval-beir-") as tmp:
                report, runs = evaluate_beir(dataset, Path(tmp), mode=mode, console=err, quiet=as_json)
    except BeirFormatError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    name = f"retrieval-{dataset.name}-{split}"
    if run_out is not None:
        primary = "hybrid" if mode == "all" else mode
        for config, mode_run in runs.items():
            tag = "hub-" + "-".join("".join(c if c.isalnum() else " " for c in config).split())
            target = run_out if config == primary else run_out.with_name(f"{run_out.stem}.{tag[4:]}{run_out.suffix}")
            write_trec_run(target, mode_run.run, tag)
        report["run_file"] = str(run_out)
    plot_path = out / f"{name}.png"
    plot(report, plot_path)
    json_path, md_path = write_report(out, name, report, to_markdown(report, plot_path.name))
    if as_json:
        sys.stdout.write(json.dumps(report, default=str) + "\n")
    else:
        Console().print(to_markdown(report))
        Console().print(f"\nreports: {json_path} {md_path} {plot_path}")


def tune_markdown(report: dict[str, Any]) -> str:
    """Tuning rows as tables: BM25 stage, then the 25 best fusion settings."""
    rows = report["rows"]
    cols = [*METRICS]
    dense = [r for r in rows if r["stage"] == "dense"]
    lex = sorted((r for r in rows if r["stage"] == "bm25" and r["mode"] == "lexical"), key=lambda r: -r["ndcg@10"])
    hyb = sorted((r for r in rows if r["stage"] == "bm25" and r["mode"] == "hybrid"), key=lambda r: -r["ndcg@10"])
    fus = sorted((r for r in rows if r["stage"] == "fusion"), key=lambda r: -r["ndcg@10"])
    bm25 = ["k1", "b", "title_weight"]
    fusion = ["fusion", "depth", "rrf_k", "dense_weight", "lexical_weight"]
    return "\n".join(
        [
            f"# Retrieval tuning: {report['dataset']} ({report['split']}, {report['queries']} queries)",
            "",
            "## Dense alone",
            "",
            markdown_table(dense, cols),
            "",
            "## BM25 alone",
            "",
            markdown_table(lex, [*bm25, *cols, "lexical_ms"]),
            "",
            "## Hybrid, RRF k=60 1:1 depth 100, per BM25 setting",
            "",
            markdown_table(hyb, [*bm25, *cols]),
            "",
            f"## Fusion grid (best 25 of {len(fus)})",
            "",
            markdown_table(fus[:25], [*bm25, *fusion, *cols]),
        ]
    )


def eval_retrieval_tune(
    beir: Annotated[Path, typer.Option("--beir", help="BEIR folder: corpus.jsonl, queries.jsonl, qrels/.")],
    index_dir: Annotated[Path, typer.Option(help="Data dir holding (or to hold) the index and cached candidates.")],
    split: Annotated[str, typer.Option(help="Split to tune on: a TRAINING split, never the test split.")] = "train",
    out: Annotated[Path, typer.Option(help="Report folder.")] = Path("reports"),
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Grid-search BM25 and fusion parameters on a training split, replaying cached candidates."""
    from evals.beir import tune
    from evals.logsetup import setup_logging
    from hub.service import Hub
    from hub.settings import Settings

    setup_logging(verbose)
    err = Console(stderr=True)
    if split == "test":
        err.print("[red]error:[/] tune on a training split (--split train); the test split is for reporting only")
        raise typer.Exit(2)
    try:
        dataset = load_beir(beir, split)
    except BeirFormatError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    hub = Hub(Settings(data_dir=index_dir))
    with err.status("index") as status:
        try:
            index_dataset(hub, dataset)
        except BeirFormatError as exc:
            err.print(f"[red]error:[/] {exc}")
            raise typer.Exit(2) from exc
        report = tune(hub, dataset, today=dt.date.today(), cache_dir=index_dir, on_step=lambda msg: status.update(msg))
    report["machine"] = machine()
    name = f"retrieval-tune-{dataset.name}-{split}"
    json_path, md_path = write_report(out, name, report, tune_markdown(report))
    Console().print(f"reports: {json_path} {md_path}")
