"""Command line: ``hub ingest``, ``hub ask``, ``hub serve``. Thin layer over :class:`~hub.service.Hub`."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(add_completion=False, no_args_is_help=True, help="MSL Knowledge Hub: cited answers from approved content.")
err = Console(stderr=True)
out = Console()


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def _hub() -> Any:
    from hub.service import Hub
    from hub.settings import Settings

    return Hub(Settings())


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders. Folders: files with a NAME.meta.yaml sidecar.")],
    title: Annotated[str | None, typer.Option(help="Document title (same title = new version).")] = None,
    doc_type: Annotated[str | None, typer.Option(help="slide_deck, guideline, publication, label or other.")] = None,
    product: Annotated[str | None, typer.Option()] = None,
    therapeutic_area: Annotated[str | None, typer.Option()] = None,
    version: Annotated[str | None, typer.Option(help="Version label, e.g. 3.0")] = None,
    approval_id: Annotated[str | None, typer.Option()] = None,
    status: Annotated[str | None, typer.Option(help="draft, approved, expired, withdrawn or superseded.")] = None,
    effective_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    expiry_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    owner: Annotated[str | None, typer.Option()] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Ingest files with their approval metadata; exits 1 if any file failed."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from hub.ingestion import expand_paths

    _setup_logging(verbose)
    overrides = dict(title=title, doc_type=doc_type, product=product, therapeutic_area=therapeutic_area,
                     version=version, approval_id=approval_id, status=status, effective_date=effective_date,
                     expiry_date=expiry_date, owner=owner)
    hub = _hub()
    total = len(expand_paths(paths))
    with Progress(TextColumn("[bold]ingest[/]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=err, transient=as_json) as progress:
        task = progress.add_task("", total=total)
        results = hub.ingestion.ingest_paths(
            paths, overrides, on_file=lambda r: progress.update(task, advance=1, description=r.file)
        )
    failed = [r for r in results if r.outcome == "failed"]
    if as_json:
        out.print_json(json.dumps([r.to_dict() for r in results], default=str))
    else:
        table = Table(title="Ingestion summary")
        for col in ("file", "outcome", "version", "pages", "chunks", "detail"):
            table.add_column(col)
        colours = {"ingested": "green", "unchanged": "cyan", "failed": "red", "skipped": "yellow"}
        for r in results:
            detail = r.message or (f"supersedes {len(r.superseded)} older version(s)" if r.superseded else r.status or "")
            table.add_row(r.file, f"[{colours[r.outcome]}]{r.outcome}[/]", r.version or "", str(r.pages or ""),
                          str(r.chunks or ""), detail)
        out.print(table)
        counts = {k: sum(r.outcome == k for r in results) for k in colours}
        out.print(", ".join(f"{n} {k}" for k, n in counts.items()))
    if not results:
        err.print("[red]no files found[/]: give files or folders holding supported files")
        raise typer.Exit(1)
    if failed:
        raise typer.Exit(1)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    product: Annotated[str | None, typer.Option()] = None,
    doc_type: Annotated[str | None, typer.Option()] = None,
    therapeutic_area: Annotated[str | None, typer.Option()] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Ask a question; the answer quotes approved content with numbered citations, or refuses."""
    from hub.errors import HubError
    from hub.service import AskFilters

    _setup_logging(verbose)
    hub = _hub()
    try:
        answer = hub.ask(question, AskFilters(product, doc_type, therapeutic_area))
    except HubError as exc:
        err.print(f"[red]error:[/] {exc.message}")
        raise typer.Exit(2) from exc
    if as_json:
        sys.stdout.write(answer.model_dump_json(include={"answer", "refused", "reason", "citations", "support"}) + "\n")
        return
    if answer.refused:
        out.print(f"[yellow]{answer.answer}[/]\n{answer.reason}")
        return
    out.print(answer.answer + "\n")
    for c in answer.citations:
        out.print(f"[bold][{c.n}][/] {c.title}, version {c.version}, {c.page_label} ({c.source_file})")
        out.print(f"    \"{c.quote}\"", style="dim")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Serve the API (OpenAPI docs at /docs)."""
    import uvicorn

    from hub.api import create_app
    from hub.settings import Settings

    _setup_logging(verbose)
    logging.getLogger("hub").setLevel(logging.INFO)
    settings = Settings()
    err.print(f"serving data dir {settings.data_dir.resolve()} on http://{host}:{port} (docs at /docs)")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info" if verbose else "warning")


eval_app = typer.Typer(no_args_is_help=True, help="Quality evaluations; reports go under --out.")
bench_app = typer.Typer(no_args_is_help=True, help="Speed benchmarks; reports go under --out.")
app.add_typer(eval_app, name="eval")
app.add_typer(bench_app, name="bench")


def main() -> None:
    # The eval and bench commands live with the evals package (nothing in hub imports it).
    from evals.cli import register

    register(eval_app, bench_app, setup_logging=_setup_logging)
    app()


if __name__ == "__main__":
    main()
